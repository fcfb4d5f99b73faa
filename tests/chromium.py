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
# Whether every element matching a selector lies inside the visible part (no scrollbars) of a scrolling box
# (the nth box matching its selector).
ALL_INSIDE = """([box, selector, nth = 0]) => {
  const view = document.querySelectorAll(box)[nth], frame = view.getBoundingClientRect();
  const left = frame.left + view.clientLeft, top = frame.top + view.clientTop;
  const shown = Array.from(view.querySelectorAll(selector)).map(el => el.getBoundingClientRect());
  return shown.length > 0 && shown.every(r => r.left >= left - 0.5 && r.top >= top - 0.5
    && r.right <= left + view.clientWidth + 0.5 && r.bottom <= top + view.clientHeight + 0.5);
}"""
# The smallest on-screen size, in CSS pixels, of the non-empty texts of the SVGs inside an element.
SMALLEST_SVG_TEXT_PX = """root => {
  const texts = Array.from(document.querySelector(root).querySelectorAll('svg text'))
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0);
  return Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a));
}"""
NEEDS_CHROMIUM_AND_DOT = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no {CHROMIUM}: apt-get install chromium"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed"),
]

