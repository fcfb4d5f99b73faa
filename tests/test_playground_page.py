"""The playground web page (site/, built by ``make site``) in Chromium: autograd_tiny running in Pyodide.

The page is served from 127.0.0.1 and every request it makes is checked to stay there. Its
numbers are compared with the same `Playground` run in CPython: the engine's gradient and
SGD's update for a clicked weight to 1e-12 (the browser's libm may round tanh in the last bit).
Skipped, with the reason, when the page is not built or Chromium or Playwright is missing.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from chromium import CHROMIUM

from autograd_tiny.playground import Playground

BUILD = Path(__file__).resolve().parent.parent / "site" / "build"
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no {CHROMIUM}: apt-get install chromium"),
    pytest.mark.skipif(not (BUILD / "index.html").exists(), reason="the page is not built: run 'make site'"),
]
LOCAL = {"127.0.0.1", "localhost"}


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        """Say nothing per request."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    handler = functools.partial(Quiet, directory=str(BUILD))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    httpd.shutdown()


class Page:
    """The open page, every request's host and every console error."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.hosts: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_function("document.body.dataset.state !== 'loading'", timeout=120_000)

    def _route(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname or route.request.url
        self.hosts.append(host)
        if host in LOCAL or route.request.url.startswith("data:"):
            route.continue_()
        else:
            route.abort()

    def data(self, selector: str) -> dict[str, str]:
        return dict(self.page.evaluate(f"({{...document.querySelector('{selector}').dataset}})"))

    @property
    def epoch(self) -> int:
        return int(self.data("body")["epoch"])

    def click(self, selector: str) -> None:
        self.page.locator(selector).first.dispatch_event("click")

    def step(self) -> None:
        epoch = self.epoch
        self.click("#step")
        self.page.wait_for_function(f"document.body.dataset.epoch === '{epoch + 1}'")

    def reset(self) -> None:
        self.click("#reset")
        self.page.wait_for_function("document.body.dataset.epoch === '0'")

    def boundary(self) -> str:
        return str(self.page.evaluate("document.querySelectorAll('#picture image')[document.querySelectorAll("
                                      "'#picture image').length - 1].getAttribute('href')"))  # fmt: skip


@pytest.fixture(scope="module")
def page(browser: Any, server: str) -> Iterator[Page]:
    opened = Page(browser, server)
    yield opened
    opened.context.close()


def test_the_engine_loads_from_localhost_only(page: Page) -> None:
    assert page.data("body")["state"] == "ready", page.page.text_content("#status")
    assert page.epoch == 0 and page.page.locator("#picture svg").count() == 1
    assert set(page.hosts) <= LOCAL, set(page.hosts)
    assert page.errors == []


def test_play_advances_epochs_and_changes_the_boundary(page: Page) -> None:
    page.reset()
    before = page.boundary()
    page.click("#play")
    page.page.wait_for_function("Number(document.body.dataset.epoch) >= 3", timeout=60_000)
    page.click("#play")
    page.page.wait_for_function("document.getElementById('play').textContent === 'play'")
    assert page.epoch >= 3 and page.boundary() != before
    assert page.errors == []


def test_reset_gives_the_same_losses_as_the_first_time_and_as_cpython(page: Page) -> None:
    runs = []
    for _ in range(2):
        page.reset()
        for _ in range(3):
            page.step()
        runs.append((float(page.data("body")["trainLoss"]), float(page.data("body")["testLoss"])))
    assert runs[0] == runs[1]
    cpython = Playground()
    cpython.step(3)
    assert runs[0] == pytest.approx((cpython.train_loss[-1], cpython.test_loss[-1]), abs=1e-12)
    assert page.errors == []


@pytest.mark.parametrize("name", ["layers.1.neurons.2.w.3", "layers.2.neurons.0.w.5", "layers.0.neurons.4.b"])
def test_a_clicked_weight_shows_the_engines_gradient_and_sgds_update(page: Page, name: str) -> None:
    page.reset()
    page.step()
    page.click(f"#picture [data-param='{name}']")
    page.page.wait_for_function(f"document.getElementById('update').dataset.param === '{name}'")
    shown = {key: float(value) for key, value in page.data("#update").items() if key != "param"}
    cpython = Playground()
    cpython.step(1)
    update, steps = cpython.update(name), cpython.backprop()
    assert update is not None and steps is not None
    assert shown["grad"] == pytest.approx(steps.grads[name], abs=1e-12)
    assert shown["grad"] == pytest.approx(update.grad, abs=1e-12)
    assert shown["before"] == pytest.approx(update.before, abs=1e-12) and shown["rate"] == update.rate
    assert shown["after"] == pytest.approx(shown["before"] - shown["rate"] * shown["grad"], abs=1e-12)
    assert shown["after"] == pytest.approx(update.after, abs=1e-12)
    assert f"{update.after:.4g}" in page.page.text_content("#update")  # type: ignore[operator]
    assert page.errors == []


def test_the_chosen_units_graph_is_drawn_by_viz_js_from_draw_dots_text(page: Page) -> None:
    from autograd_tiny.engine import backward_order
    from autograd_tiny.playground.unit_graph import unit_graph

    name = "layers.1.neurons.2.w.3"
    page.reset()
    page.step()
    page.click(f"#picture [data-param='{name}']")
    page.page.wait_for_function(f"document.getElementById('graph').dataset.param === '{name}'")
    texts = page.page.eval_on_selector_all("#graph svg text", "ts => ts.map(t => t.textContent)")
    cpython = Playground()
    cpython.step(1)
    share = unit_graph(cpython, name)
    assert share is not None
    weight = next(v for v in backward_order(share) if v.label == "w.3")
    assert "this sample's share" in texts and "w.3" in texts
    assert f"grad {weight.grad:.4f}" in texts and f"data {weight.data:.4f}" in texts
    assert page.errors == []


def test_the_backprop_view_shows_deltas(page: Page) -> None:
    page.reset()
    page.step()
    page.page.select_option("#view", "backprop")
    page.page.wait_for_function("document.querySelector('#picture').textContent.includes('\u03b4')")
    page.page.select_option("#view", "forward")
    assert page.errors == []


def test_a_new_data_set_makes_a_new_run_and_a_bad_value_is_refused(page: Page) -> None:
    page.page.fill("#hidden", "8, x")
    page.page.dispatch_event("#hidden", "change")
    assert "not changed" in page.page.text_content("#status")  # type: ignore[operator]
    page.page.select_option("#dataset", "circles")
    page.page.wait_for_function("document.body.dataset.epoch === '0'")
    assert Playground().test_loss[0] != float(page.data("body")["testLoss"])
    page.page.select_option("#dataset", "moons")
    page.page.fill("#hidden", "8, 8")
    page.page.dispatch_event("#hidden", "change")
    assert page.errors == []


def test_every_text_is_at_least_12_px_at_1280_by_800(page: Page) -> None:
    page.step()  # so that every part has text: the update, the deltas, the chosen unit's graph
    page.page.select_option("#view", "backprop")
    page.click("#picture [data-param='layers.0.neurons.1.w.0']")
    page.page.wait_for_function("document.querySelectorAll('#graph svg text').length > 5")
    sizes = page.page.evaluate("""() => {
      const small = [];
      for (const element of document.querySelectorAll('body *')) {
        const own = Array.from(element.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
        if (!own || element.closest('title')) continue;  // a tooltip, not text on the page
        let px = parseFloat(getComputedStyle(element).fontSize);
        if (element instanceof SVGGraphicsElement) px *= element.getScreenCTM().a;
        if (px < 12) small.push(`${element.tagName} ${px} ${element.textContent.slice(0, 30)}`);
      }
      return small;
    }""")
    assert sizes == []
