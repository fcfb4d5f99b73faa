"""Debian's Chromium for the browser tests (the `browser` fixture is in conftest): never a download.

Importing this module skips the importing test module, with the reason, when Playwright,
/usr/bin/chromium or Graphviz's dot is missing (``make test`` installs Chromium and dot with apt
when it may). `jupyterlab` runs a JupyterLab server for the tests and for ``make screenshots``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (the test extra)")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
# Whether every element matching a selector lies inside the visible part (no scrollbars) of a scrolling box
# (the nth box matching its selector).
ALL_INSIDE = """([box, selector, nth = 0]) => {
  const view = document.querySelectorAll(box)[nth], frame = view.getBoundingClientRect();
  const left = frame.left + view.clientLeft, top = frame.top + view.clientTop;
  const shown = Array.from(view.querySelectorAll(selector)).map(el => el.getBoundingClientRect());
  return shown.length > 0 && shown.every(r => r.left >= left - 0.5 && r.top >= top - 0.5
    && r.right <= left + view.clientWidth + 0.5 && r.bottom <= top + view.clientHeight + 0.5);
}"""
# The smallest on-screen size, in CSS pixels, of the shown non-empty texts of the SVGs inside an element
# (Infinity when there are none); SMALLEST_SVG_TEXT_PX takes a selector for the element.
SMALLEST_SVG_TEXT_IN = """element => {
  const texts = Array.from(element.querySelectorAll('svg text'))
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0);
  return Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a));
}"""
SMALLEST_SVG_TEXT_PX = f"root => ({SMALLEST_SVG_TEXT_IN})(document.querySelector(root))"
NEEDS_CHROMIUM_AND_DOT = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no {CHROMIUM}: apt-get install chromium"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed"),
]


# Start a notebook's kernel without asking, and no news pop-up over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}
KERNEL_IDLE = "() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status == 'idle'"
START_S = 120  # JupyterLab's first start builds its settings and kernel specs: slow on a loaded machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def jupyterlab(root: Path, settings: dict[str, dict[str, Any]] | None = None) -> Iterator[tuple[str, str]]:
    """A fresh JupyterLab serving root/notebooks: yields its base URL and token; its output goes to a log.

    Its settings (LAB_SETTINGS, updated plugin by plugin with `settings`), runtime and data files and
    workspaces live under root: nothing of the user's is read or written.
    """
    port, token = _free_port(), secrets.token_hex(16)
    extra = settings or {}
    for plugin in LAB_SETTINGS.keys() | extra.keys():
        file = root / "settings" / f"{plugin}.jupyterlab-settings"
        file.parent.mkdir(parents=True, exist_ok=True)
        merged = {**LAB_SETTINGS.get(plugin, {}), **extra.get(plugin, {})}
        file.write_text(json.dumps(merged), encoding="utf-8")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / "config"), "JUPYTER_RUNTIME_DIR": str(root / "run"),
           "JUPYTER_DATA_DIR": str(root / "data"), "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / "ws")}  # fmt: skip
    log = (root / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={root / 'notebooks'}", "--allow-root",
         "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError as err:
                if server.poll() is not None or time.monotonic() > deadline:
                    log_tail = (root / "server.log").read_text()[-2000:]
                    raise RuntimeError(f"JupyterLab did not start: {log_tail}") from err
                time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
