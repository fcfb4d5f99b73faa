"""draw_dot and steps_widget in a real JupyterLab (Playwright driving Debian's Chromium): fitted and readable.

A JupyterLab server runs a three-cell notebook on notebook 3's graph in windows 1400 and 960 px wide
(the file browser open); the checks read the rendered outputs' sizes, text sizes and scroll.
Skipped, with the reason, when JupyterLab, ipywidgets, Playwright, Chromium or dot is missing.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import NEEDS_CHROMIUM_AND_DOT

pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (the test extra)")
pytest.importorskip("ipywidgets", reason="ipywidgets is not installed (the test extra)")

pytestmark = NEEDS_CHROMIUM_AND_DOT

CELLS = [
    f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\nfrom graphs import notebook3_graph\n"
    "from autograd_tiny.viz.pictures import draw_dot, steps_widget\nL = notebook3_graph()\nL.backward()",
    "draw_dot(L)",
    "steps_widget(L)",
]
# Start the notebook's kernel without asking, and no news pop-up over the notebook.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}
KERNEL_IDLE = "() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status == 'idle'"
START_S = 120  # JupyterLab's first start builds its settings and kernel specs: slow on a loaded machine
MIN_TEXT_PX = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _notebook() -> dict[str, Any]:
    code = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
             "source": source} for i, source in enumerate(CELLS)]  # fmt: skip
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": code, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of fits.ipynb open in a fresh JupyterLab server whose output goes to a log file (never a pipe)."""
    root = tmp_path_factory.mktemp("lab")
    (root / "notebooks").mkdir()
    (root / "notebooks" / "fits.ipynb").write_text(json.dumps(_notebook()), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    for plugin, settings in SETTINGS.items():
        file = root / "settings" / f"{plugin}.jupyterlab-settings"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(settings), encoding="utf-8")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / "config"), "JUPYTER_RUNTIME_DIR": str(root / "run"),
           "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(root / "ws")}
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
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(root / 'server.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield f"{base}/lab/tree/fits.ipynb?token={token}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module", params=[1400, 960], ids=lambda w: f"{w}px")
def outputs(request: pytest.FixtureRequest, browser: Any, lab: str) -> Iterator[Any]:
    """The notebook run in a window request.param pixels wide; yields the page once both outputs are drawn."""
    page = browser.new_page(viewport={"width": request.param, "height": 1000})
    page.set_default_timeout(90_000)
    page.goto(lab)
    page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')")
    page.wait_for_function(KERNEL_IDLE)
    # Not awaited: evaluate() has no timeout, and the command would wait on any dialog JupyterLab opened.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_selector(".jp-OutputArea-output img", state="visible")
    page.wait_for_selector(".jp-OutputArea-output .widget-html svg text", state="attached")
    page.wait_for_timeout(500)  # let the widget's layout settle
    yield page
    page.close()


def _measure(page: Any, picture: str) -> dict[str, float]:
    """Sizes of the first element matching the selector and of the output area that holds it."""
    return page.evaluate(
        """selector => {
          const pic = document.querySelector(selector);
          const area = pic.closest('.jp-OutputArea-output');
          const p = pic.getBoundingClientRect(), a = area.getBoundingClientRect();
          return {picRight: p.right, picWidth: p.width, areaRight: a.right,
                  areaScroll: area.scrollWidth, areaClient: area.clientWidth};
        }""",
        picture,
    )


# On-screen size of an SVG's text: its font size in layout points times the shown pixels per point.
DRAW_DOT = """() => {
  const img = document.querySelector('.jp-OutputArea-output img');
  const svg = new DOMParser().parseFromString(decodeURIComponent(img.src.split(',')[1]), 'image/svg+xml');
  const points = svg.documentElement.viewBox.baseVal.width;
  const font = Number(svg.querySelector('text').getAttribute('font-size'));
  return font * img.getBoundingClientRect().width / points;
}"""
WIDGET = """() => {
  const svg = document.querySelector('.widget-html svg'), view = svg.closest('.widget-box');
  const text = svg.querySelector('g.node text');
  const shown = svg.getBoundingClientRect(), at = text.getBoundingClientRect();
  return {textPx: Number(text.getAttribute('font-size')) * shown.width / svg.viewBox.baseVal.width,
          svgWidth: shown.width, viewWidth: view.clientWidth, viewScroll: view.scrollWidth,
          scrollLeft: view.scrollLeft, textX: at.x, textY: at.y,
          caption: document.querySelector('.widget-html p').textContent};
}"""


def test_draw_dot_fits_the_cell_without_a_sideways_scroll(outputs: Any) -> None:
    m = _measure(outputs, ".jp-OutputArea-output img")
    assert m["areaScroll"] <= m["areaClient"] + 1
    assert m["picRight"] <= m["areaRight"] + 1
    if outputs.viewport_size["width"] >= 1400:  # with the file browser open, the cell is about 970 px wide
        assert outputs.evaluate(DRAW_DOT) >= MIN_TEXT_PX


def test_steps_widget_keeps_its_controls_and_caption_in_the_cell(outputs: Any) -> None:
    m = _measure(outputs, ".jp-OutputArea-output .widget-vbox")
    assert m["areaScroll"] <= m["areaClient"] + 1
    assert m["picRight"] <= m["areaRight"] + 1
    for part in (".widget-play", ".widget-slider", ".widget-toggle-buttons", ".widget-html p"):
        assert _measure(outputs, f".jp-OutputArea-output {part}")["picRight"] <= m["areaRight"] + 1, part


def _zoom(page: Any, name: str) -> dict[str, Any]:
    """Press the widget's zoom button name; the picture's measures once it is redrawn at that zoom."""
    page.locator(".widget-toggle-buttons button", has_text=name).click()
    shown = "===" if name == "fit" else "!=="
    page.wait_for_function(f"() => document.querySelector('.widget-html svg').style.minWidth {shown} ''")
    return dict(page.evaluate(WIDGET))


def test_steps_widget_text_is_readable_and_the_picture_scrolls_in_its_own_box(outputs: Any) -> None:
    readable = _zoom(outputs, "readable")
    assert MIN_TEXT_PX <= readable["textPx"] < MIN_TEXT_PX + 0.5
    assert readable["viewScroll"] > readable["viewWidth"]  # notebook 3's graph is wider than any cell
    fit = _zoom(outputs, "fit")
    assert abs(fit["svgWidth"] - fit["viewWidth"]) <= 1 and fit["viewScroll"] <= fit["viewWidth"] + 1
    assert fit["textPx"] < MIN_TEXT_PX  # the whole of it is too small to read: why readable is the default
    natural = _zoom(outputs, "100%")
    assert natural["textPx"] == pytest.approx(14 * 4 / 3, abs=0.1)
    _zoom(outputs, "readable")


def test_a_step_keeps_the_picture_and_its_scroll_where_they_were(outputs: Any) -> None:
    _zoom(outputs, "readable")
    scroll = "() => { document.querySelector('.widget-html svg').closest('.widget-box').scrollLeft = 99 }"
    outputs.evaluate(scroll)
    for _ in range(3):  # the captions of these steps take one, two and three lines in a narrow cell
        before = outputs.evaluate(WIDGET)
        outputs.locator(".widget-slider .noUi-handle").press("ArrowRight")
        new_caption = "caption => document.querySelector('.widget-html p').textContent !== caption"
        outputs.wait_for_function(new_caption, arg=before["caption"])
        after = outputs.evaluate(WIDGET)
        assert after["scrollLeft"] == before["scrollLeft"] > 0
        assert (after["textX"], after["textY"]) == (before["textX"], before["textY"])

