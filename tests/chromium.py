"""Debian's Chromium for the browser tests (the `browser` fixture is in conftest): never a download.

Importing this module skips the importing test module, with the reason, when Playwright,
/usr/bin/chromium or Graphviz's dot is missing (``make test`` installs Chromium and dot with apt
when it may).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (the test extra)")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
NEEDS_CHROMIUM_AND_DOT = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no {CHROMIUM}: apt-get install chromium"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed"),
]

