"""draw_dot and steps_widget in a real JupyterLab (Playwright driving Debian's Chromium): fitted and readable.

A JupyterLab server runs a notebook on notebook 3's graph and a 40-node graph in a laptop's window,
1280x800 with the file browser open (a notebook column about 848 px wide); the checks read the
rendered outputs' sizes, text sizes and scroll. Skipped, with the reason, when JupyterLab,
ipywidgets, Playwright, Chromium or dot is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import ALL_INSIDE, KERNEL_IDLE, NEEDS_CHROMIUM_AND_DOT, SMALLEST_SVG_TEXT_PX, jupyterlab

pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (the test extra)")
pytest.importorskip("ipywidgets", reason="ipywidgets is not installed (the test extra)")

pytestmark = NEEDS_CHROMIUM_AND_DOT

CELLS = [
    f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
    "from graphs import forty_node_graph, notebook3_graph\n"
    "from autograd_tiny.viz.pictures import draw_dot, steps_widget\nL = notebook3_graph()\nL.backward()",
    "draw_dot(L)",
    "steps_widget(L)",
    "steps_widget(forty_node_graph())",
]
MIN_TEXT_PX = 12
VIEW = ".autograd-tiny-steps-view"  # the box steps_widget scrolls its picture in


def _notebook() -> dict[str, Any]:
    code = [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
             "source": source} for i, source in enumerate(CELLS)]  # fmt: skip
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": code, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of fits.ipynb open in a fresh JupyterLab server."""
    root = tmp_path_factory.mktemp("lab")
    (root / "notebooks").mkdir()
    (root / "notebooks" / "fits.ipynb").write_text(json.dumps(_notebook()), encoding="utf-8")
    with jupyterlab(root) as (base, token):
        yield f"{base}/lab/tree/fits.ipynb?token={token}"


@pytest.fixture(scope="module")
def outputs(browser: Any, lab: str) -> Iterator[Any]:
    """The notebook run in a laptop's window, 1280x800; yields the page once its outputs are drawn."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(90_000)
    page.goto(lab)
    page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')")
    page.wait_for_function(KERNEL_IDLE)
    # Not awaited: evaluate() has no timeout, and the command would wait on any dialog JupyterLab opened.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_selector(".jp-OutputArea-output img", state="visible")
    page.wait_for_function(f"() => Array.from(document.querySelectorAll('{VIEW}'))"
                           ".filter(view => view.querySelector('svg text')).length === 2")  # fmt: skip
    yield page
    page.close()


def _measure(page: Any, picture: str) -> dict[str, float]:
    """Sizes of the first element matching the selector and of the output area that holds it."""
    return page.evaluate(
        """selector => {
          const pic = document.querySelector(selector);
          const area = pic.closest('.jp-OutputArea-output');
          const p = pic.getBoundingClientRect(), a = area.getBoundingClientRect();
          return {picRight: p.right, picWidth: p.width, areaRight: a.right, areaWidth: a.width,
                  areaScroll: area.scrollWidth, areaClient: area.clientWidth};
        }""",
        picture,
    )


# On-screen size of an SVG image's smallest text: its font size in points times the shown pixels per point.
DRAW_DOT = """() => {
  const img = document.querySelector('.jp-OutputArea-output img');
  const svg = new DOMParser().parseFromString(decodeURIComponent(img.src.split(',')[1]), 'image/svg+xml');
  const points = svg.documentElement.viewBox.baseVal.width;
  const fonts = Array.from(svg.querySelectorAll('text'), t => Number(t.getAttribute('font-size')));
  return Math.min(...fonts) * img.getBoundingClientRect().width / points;
}"""
# Where the widget's picture is in its box, and where a text is in the picture (nothing else may move it).
WIDGET = """nth => {
  const view = document.querySelectorAll('.autograd-tiny-steps-view')[nth], svg = view.querySelector('svg');
  const shown = svg.getBoundingClientRect();
  const at = svg.querySelector('g.node text').getBoundingClientRect();
  return {svgWidth: shown.width, svgHeight: shown.height,
          viewWidth: view.clientWidth, viewScroll: view.scrollWidth,
          textInSvg: [at.x - shown.x, at.y - shown.y]};
}"""
# The step the nth widget's caption names; whether its picture shows the same step, another than `was`.
CAPTION = """nth => document.querySelectorAll('.autograd-tiny-steps-view')[nth].parentElement
  .querySelector('.widget-html p b').textContent"""
SHOWS_NEW_STEP = """([nth, was]) => {
  const box = document.querySelectorAll('.autograd-tiny-steps-view')[nth].parentElement;
  const caption = box.querySelector('.widget-html p b').textContent;
  return caption !== was && box.querySelector('svg g.graph > text').textContent === caption;
}"""


def test_draw_dot_fits_the_column_with_text_of_12_px_and_no_sideways_scroll(outputs: Any) -> None:
    m = _measure(outputs, ".jp-OutputArea-output img")
    assert m["areaWidth"] < 900  # a laptop's column, the file browser open
    assert m["areaScroll"] <= m["areaClient"] + 1
    assert m["picRight"] <= m["areaRight"] + 1
    assert outputs.evaluate(DRAW_DOT) >= MIN_TEXT_PX


def test_steps_widget_keeps_its_controls_and_caption_in_the_cell(outputs: Any) -> None:
    m = _measure(outputs, ".jp-OutputArea-output .widget-vbox")
    assert m["areaScroll"] <= m["areaClient"] + 1
    assert m["picRight"] <= m["areaRight"] + 1
    for part in (".widget-play", ".widget-slider", ".widget-toggle-buttons", ".widget-html p"):
        assert _measure(outputs, f".jp-OutputArea-output {part}")["picRight"] <= m["areaRight"] + 1, part


def _zoom(page: Any, name: str) -> dict[str, Any]:
    """Press the first widget's zoom button name; the picture's measures once it is redrawn at that zoom."""
    page.locator(".widget-toggle-buttons").first.locator("button", has_text=name).click()
    shown = "===" if name == "fit" else "!=="
    page.wait_for_function(f"() => document.querySelector('{VIEW} svg').style.minWidth {shown} ''")
    return dict(page.evaluate(WIDGET, 0))


def test_steps_widget_text_is_at_least_12_px_by_default_and_the_zooms_scale_it(outputs: Any) -> None:
    assert outputs.evaluate(SMALLEST_SVG_TEXT_PX, VIEW) >= MIN_TEXT_PX - 1e-3
    fit = _zoom(outputs, "fit")
    assert fit["svgWidth"] <= fit["viewWidth"] + 1 and fit["viewScroll"] <= fit["viewWidth"] + 1
    _zoom(outputs, "100%")
    assert outputs.evaluate(SMALLEST_SVG_TEXT_PX, VIEW) == pytest.approx(12 * 4 / 3, abs=0.05)  # 12 pt
    _zoom(outputs, "readable")
    assert outputs.evaluate(SMALLEST_SVG_TEXT_PX, VIEW) >= MIN_TEXT_PX - 1e-3


def _step(page: Any, nth: int) -> None:
    """Press the right arrow on the nth widget's slider; return when caption and picture show the next step.

    The kernel sends the new caption and the new picture as two messages: waiting for the caption
    alone would race the picture.
    """
    was = page.evaluate(CAPTION, nth)
    page.locator(".widget-slider .noUi-handle").nth(nth).press("ArrowRight")
    page.wait_for_function(SHOWS_NEW_STEP, arg=[nth, was])


def test_a_step_moves_nothing_inside_the_picture(outputs: Any) -> None:
    _zoom(outputs, "readable")
    before = outputs.evaluate(WIDGET, 0)
    for _ in range(3):
        _step(outputs, 0)
        after = outputs.evaluate(WIDGET, 0)
        assert (after["svgWidth"], after["svgHeight"]) == (before["svgWidth"], before["svgHeight"])
        assert after["textInSvg"] == before["textInSvg"]


def test_the_widget_follows_each_steps_node_and_arrows_through_a_40_node_graph(outputs: Any) -> None:
    readout = outputs.locator(".widget-slider .widget-readout").nth(1)
    while not readout.text_content().startswith("backward"):
        _step(outputs, 1)
    assert readout.text_content() == "backward 0"
    for k in range(1, 41):
        _step(outputs, 1)
        assert readout.text_content() == f"backward {k}"
        outputs.wait_for_function(ALL_INSIDE, arg=[VIEW, "svg .current", 1], timeout=10_000)


def test_the_widget_keeps_each_step_of_notebook_3s_graph_in_sight(outputs: Any) -> None:
    # It does not fit at 12 px: its box is at most 848x520 px (65% of 800), the graph at 12 px text 567x828 px
    # top to bottom (2404x179 px left to right). So the box follows: each step's value and operation are in
    # sight, with its arrows when they fit (the last step's arrow from x runs the graph's whole height).
    readout = outputs.locator(".widget-slider .widget-readout").first
    while readout.text_content() != "backward 8":
        _step(outputs, 0)
        shown = f"() => document.querySelector('{VIEW}').querySelector('svg g.node.current') !== null"
        if outputs.evaluate(shown):
            outputs.wait_for_function(ALL_INSIDE, arg=[VIEW, "svg g.node.current", 0], timeout=10_000)
    assert outputs.evaluate(SMALLEST_SVG_TEXT_PX, VIEW) >= MIN_TEXT_PX - 1e-3
