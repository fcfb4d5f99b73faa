"""The steps page in a real browser (Playwright driving Debian's Chromium): still, exact, readable.

Skipped, with the reason, when Playwright or /usr/bin/chromium is missing (``make test`` installs
Chromium with apt when it may). No browser is ever downloaded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from chromium import ALL_INSIDE, NEEDS_CHROMIUM_AND_DOT, SMALLEST_SVG_TEXT_PX
from graphs import forty_node_graph, notebook3_graph

from autograd_tiny import Value

viz = pytest.importorskip("autograd_tiny.viz.pictures")

pytestmark = NEEDS_CHROMIUM_AND_DOT


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return viz.write_steps(notebook3_graph(), tmp_path_factory.mktemp("steps") / "nb3.html")


class Page:
    """An open steps page, with the console's errors collected."""

    def __init__(self, browser: Any, path: Path, width: int = 1400, height: int = 900) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri())

    @property
    def step(self) -> int:
        return int(self.page.evaluate("document.body.dataset.step"))

    def box(self, label: str) -> dict[str, Any]:
        """Position, size, fill and class of the Value box whose first line is label."""
        return self.page.evaluate(
            """label => {
              for (const g of document.querySelectorAll('g.value')) {
                if (g.querySelector('text').textContent !== label) continue;
                const shape = g.querySelector('path, polygon');
                const r = shape.getBBox();
                return {x: r.x, y: r.y, w: r.width, h: r.height, cls: g.getAttribute('class'),
                        fill: getComputedStyle(shape).fill,
                        lines: Array.from(g.querySelectorAll('text')).map(t => t.textContent)};
              }
              return null;
            }""",
            label,
        )


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_nothing_moves_and_colours_and_texts_tell_the_truth(browser: Any, page_file: Path) -> None:
    from autograd_tiny.viz.stepping import STATUS_COLOURS, passes

    run = passes(notebook3_graph())
    labels = [v.label for v in run.nodes]
    p = Page(browser, page_file)
    first = {label: p.box(label) for label in labels}
    for k, step in enumerate(run.steps):
        p.page.evaluate(f"document.getElementById('slider').value = {k}; "
                        "document.getElementById('slider').dispatchEvent(new Event('input'))")  # fmt: skip
        assert p.step == k
        assert p.page.text_content("#title") == step.title
        assert p.page.text_content("#description") == step.text
        for i, label in enumerate(labels):
            box = p.box(label)
            assert (box["x"], box["y"], box["w"], box["h"]) == tuple(first[label][c] for c in "xywh")
            assert box["fill"] == rgb(STATUS_COLOURS[step.status[i]]), (k, label)
            assert box["lines"] == list(step.lines[i])
            assert ("current" in box["cls"]) == (i == step.current)
        hot_edges = p.page.evaluate("Array.from(document.querySelectorAll('g.edge.input.hot text'))"
                                    ".map(t => t.textContent)")  # fmt: skip
        assert sorted(t for t in hot_edges if t) == sorted(t for t in step.edge_text if t)
    assert p.errors == []


def test_edge_arithmetic_and_running_sum_read_as_the_chain_rule(browser: Any, page_file: Path) -> None:
    p = Page(browser, page_file)
    p.page.keyboard.press("End")
    while not p.page.text_content("#description").startswith("x*w (grad"):  # the step of x*w, going back
        p.page.keyboard.press("ArrowLeft")
    texts = p.page.evaluate(
        "Array.from(document.querySelectorAll('g.edge.input.hot text')).map(t => t.textContent)")
    assert sorted(texts) == ["-1.5 \u00d7 0.4757 = -0.7136", "0.5 \u00d7 0.4757 = 0.2379"]
    assert p.box("x")["lines"][-1] == "grad 1 + (-0.7136) = 0.2864"
    assert "+-" not in p.page.content()


def test_keys_buttons_and_slider_step_exactly_one_frame_whatever_has_focus(browser: Any, page_file: Path
                                                                          ) -> None:  # fmt: skip
    p = Page(browser, page_file)
    last = int(p.page.get_attribute("#slider", "max"))
    for focus in (None, "#slider", "#next", "#speed", "#zoom-in"):
        if focus:
            p.page.focus(focus)
        p.page.keyboard.press("Home")
        assert p.step == 0
        p.page.keyboard.press("ArrowRight")
        assert p.step == 1, focus
        p.page.keyboard.press("ArrowRight")
        assert p.step == 2, focus
        p.page.keyboard.press("ArrowLeft")
        assert p.step == 1, focus
        p.page.keyboard.press("End")
        assert p.step == last, focus
    p.page.click("#first")
    assert p.step == 0
    p.page.click("#next")
    p.page.click("#next")
    assert p.step == 2
    p.page.click("#prev")
    assert p.step == 1
    p.page.click("#last")
    assert p.step == last
    p.page.click("button.phase >> text=backward pass")
    assert p.page.text_content("#title") == "backward step 0 of 8"
    assert p.page.get_attribute("#description", "aria-live") == "polite"
    assert p.errors == []


def test_the_step_shown_is_numbered_as_the_notebooks_frames_and_the_widget_are(browser: Any,
                                                                               page_file: Path) -> None:
    frames = viz.backward_steps(notebook3_graph())  # notebook 3's frames: frame 0 the seed, frame k step k
    p = Page(browser, page_file)
    assert p.page.text_content("#step-number") == "forward 0"
    p.page.keyboard.press("ArrowRight")
    assert p.page.text_content("#step-number") == "forward 1"
    p.page.click("button.phase >> text=backward pass")
    for k, frame in enumerate(frames):
        title = p.page.text_content("#title")
        assert p.page.text_content("#step-number") == f"backward {k}", p.step  # the widget's "backward k"
        assert title == f"backward step {k} of {len(frames) - 1}" and title in frame.source
        assert not p.page.text_content("#description").lower().startswith(title)  # said once, not twice
        p.page.keyboard.press("ArrowRight")
    assert p.errors == []


def test_play_runs_to_the_end_and_pause_stops(browser: Any, page_file: Path) -> None:
    p = Page(browser, page_file)
    p.page.select_option("#speed", "400")
    p.page.click("#play")
    assert p.page.get_attribute("#play", "aria-pressed") == "true"
    p.page.wait_for_function("Number(document.body.dataset.step) >= 2", timeout=10_000)
    p.page.click("#play")
    stopped = p.step
    p.page.wait_for_timeout(900)
    assert p.step == stopped and p.page.get_attribute("#play", "aria-pressed") == "false"


def text_px(p: Page) -> float:
    """The on-screen size, in CSS pixels, of the graph's text."""
    return float(p.page.evaluate(
        "(() => { const t = document.querySelector('g.value text');"
        " return parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a; })()"))  # fmt: skip


@pytest.mark.parametrize("width", [1400, 800])
def test_text_is_at_least_12_px_and_zoom_changes_the_scale(browser: Any, page_file: Path, width: int) -> None:
    p = Page(browser, page_file, width)
    assert text_px(p) >= 12 - 1e-6
    before = float(p.page.evaluate("document.body.dataset.scale"))
    p.page.click("#zoom-in")
    after = float(p.page.evaluate("document.body.dataset.scale"))
    assert after == pytest.approx(before * 1.25, abs=2e-4)  # the page shows its scale to 4 decimals
    assert text_px(p) == pytest.approx(14 * after, rel=1e-3)  # the graph's text is 14 units tall
    view = p.page.locator("#view").bounding_box()
    p.page.mouse.move(view["x"] + view["width"] / 2, view["y"] + view["height"] / 2)
    p.page.mouse.wheel(0, 300)
    p.page.wait_for_timeout(100)
    assert float(p.page.evaluate("document.body.dataset.scale")) < after
    assert p.errors == []


def test_a_small_graph_fits_the_width_and_a_small_mlps_page_stays_light(browser: Any, tmp_path: Path) -> None:
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    small = viz.write_steps(x * y, tmp_path / "small.html")
    p = Page(browser, small, 800)
    svg_width = p.page.evaluate("document.querySelector('#view svg').getBoundingClientRect().width")
    assert svg_width <= p.page.evaluate("document.getElementById('view').clientWidth") + 1
    nn = pytest.importorskip("autograd_tiny.nn")
    losses = pytest.importorskip("autograd_tiny.losses")
    model = nn.MLP(2, [3, 1], seed=0)
    page = viz.write_steps(losses.half_squared_error(model([1.0, -2.0]), 1.0), tmp_path / "mlp.html")
    assert page.stat().st_size < 1_000_000
    q = Page(browser, page)
    q.page.keyboard.press("End")
    assert re.match(r"backward step (\d+) of \1", q.page.text_content("#title"))
    assert q.errors == []


@pytest.mark.parametrize("size", [(1400, 900), (800, 600)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_text_is_at_least_12_px_at_the_default_view(browser: Any, page_file: Path,
                                                           size: tuple[int, int]) -> None:  # fmt: skip
    p = Page(browser, page_file, *size)
    assert p.page.evaluate(SMALLEST_SVG_TEXT_PX, "#view") >= 12 - 1e-6


def test_a_laptops_window_shows_all_of_notebook_3s_graph_at_once(browser: Any, page_file: Path) -> None:
    p = Page(browser, page_file, 1400, 900)
    assert p.page.evaluate(ALL_INSIDE, ["#view", "g.node"])
    assert p.page.evaluate("document.getElementById('view').getBoundingClientRect().bottom") > 900 * 0.9


def step_through_keeping_in_view(p: Page, selector: str) -> None:
    """Step from the first step to the last; at each with a node, the view glides until selector is inside."""
    last = int(p.page.get_attribute("#slider", "max"))
    for k in range(1, last + 1):
        p.page.keyboard.press("ArrowRight")
        assert p.step == k
        if p.page.evaluate("document.querySelector('#view g.node.current') !== null"):  # a step with a node
            p.page.wait_for_function(ALL_INSIDE, arg=["#view", selector], timeout=10_000)


@pytest.mark.parametrize("size", [(1400, 900), (800, 600)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_view_follows_each_steps_node_and_arrows_through_a_40_node_graph(
        browser: Any, tmp_path: Path, size: tuple[int, int]) -> None:  # fmt: skip
    forty = viz.write_steps(forty_node_graph(), tmp_path / "forty.html")
    p = Page(browser, forty, *size)
    step_through_keeping_in_view(p, ".current, .hot")
    assert p.errors == []


def test_at_800x600_the_view_keeps_each_step_of_notebook_3s_graph_in_sight(browser: Any, page_file: Path
                                                                           ) -> None:  # fmt: skip
    # The graph does not fit at 12 px: its view is 766x328 px, the graph at 12 px text 567x828 px top to
    # bottom (2404x179 px left to right). So the view follows: each step's value and operation are in sight,
    # with its arrows when they fit (the last step's arrow from x runs the graph's whole height).
    p = Page(browser, page_file, 800, 600)
    assert p.page.evaluate(SMALLEST_SVG_TEXT_PX, "#view") >= 12 - 1e-6
    assert not p.page.evaluate(ALL_INSIDE, ["#view", "g.node"])  # what the numbers above say
    step_through_keeping_in_view(p, "g.node.current")
    assert p.errors == []
