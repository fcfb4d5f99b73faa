"""The playground widget in a real JupyterLab (Playwright, Debian's Chromium), pressed as a learner would.

It reuses test_jupyterlab's JupyterLab server (its ``lab`` fixture), puts a notebook holding the
widget there through the server's contents API, runs it, and presses the widget's buttons.
Skipped, with the reason, when JupyterLab, ipywidgets, Playwright, Chromium or dot is missing.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from chromium import NEEDS_CHROMIUM_AND_DOT
from test_jupyterlab import KERNEL_IDLE, lab  # noqa: F401  (lab: the fixture, used by name)

from autograd_tiny.playground import Playground, Settings

pytestmark = NEEDS_CHROMIUM_AND_DOT

SETTINGS = "points=60, hidden=(4, 3)"
CELL = ("from autograd_tiny.playground import Settings\n"
        "from autograd_tiny.playground.widget import PlaygroundWidget\n"
        f"PlaygroundWidget(Settings({SETTINGS})).view")  # fmt: skip
WEIGHT = "layers.1.neurons.2.w.1"


def reference() -> Playground:
    return Playground(Settings(points=60, hidden=(4, 3)))


def _put_notebook(lab_url: str) -> str:
    """Save the widget's notebook on the running server; its URL in JupyterLab."""
    parts = urlsplit(lab_url)
    token = dict(p.split("=", 1) for p in parts.query.split("&"))["token"]
    base = f"{parts.scheme}://{parts.netloc}"
    cell = {"cell_type": "code", "execution_count": None, "id": "c0", "metadata": {}, "outputs": [],
            "source": CELL}  # fmt: skip
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    content = {"cells": [cell], "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    body = json.dumps({"type": "notebook", "format": "json", "content": content}).encode()
    request = urllib.request.Request(f"{base}/api/contents/playground.ipynb?token={token}", data=body,
                                     method="PUT", headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30):
        pass
    return f"{base}/lab/tree/playground.ipynb?token={token}"


@pytest.fixture(scope="module")
def widget(browser: Any, lab: str) -> Iterator[Any]:  # noqa: F811  (the imported fixture, by name)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(90_000)
    page.goto(_put_notebook(lab))
    page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')")
    page.wait_for_function(KERNEL_IDLE)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_selector(".jp-OutputArea-output svg.playground", state="attached")
    yield page
    page.close()


def status(page: Any) -> str:
    return str(page.evaluate("() => document.querySelectorAll('.jp-OutputArea-output .widget-html')[0]"
                             ".textContent"))  # fmt: skip


def press(page: Any, name: str) -> None:
    page.locator(".jp-OutputArea-output button", has_text=re.compile(rf"^\s*{name}\s*$")).first.click()


def wait_for_epoch(page: Any, epoch: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-OutputArea-output .widget-html')[0].textContent"
        ".startsWith(`epoch ${n},`)", arg=epoch)  # fmt: skip


def test_step_and_reset_give_the_same_losses_as_the_first_time(widget: Any) -> None:
    first = status(widget)
    run = reference()
    assert first == f"epoch 0, train loss {run.train_loss[0]:.4f}, test loss {run.test_loss[0]:.4f}"
    for epoch in (1, 2, 3):
        press(widget, "step")
        wait_for_epoch(widget, epoch)
    after_three = status(widget)
    press(widget, "reset")
    wait_for_epoch(widget, 0)
    assert status(widget) == first
    for epoch in (1, 2, 3):
        press(widget, "step")
        wait_for_epoch(widget, epoch)
    assert status(widget) == after_three
    run.step(3)
    assert after_three == f"epoch 3, train loss {run.train_loss[-1]:.4f}, test loss {run.test_loss[-1]:.4f}"


def test_play_advances_epochs_until_paused(widget: Any) -> None:
    press(widget, "reset")
    wait_for_epoch(widget, 0)
    widget.locator(".jp-OutputArea-output .widget-toggle-button", has_text="play").click()
    widget.wait_for_function("() => /^epoch ([3-9]|\\d\\d+),/.test(document.querySelectorAll("
                             "'.jp-OutputArea-output .widget-html')[0].textContent)")  # fmt: skip
    widget.locator(".jp-OutputArea-output .widget-toggle-button", has_text="pause").click()
    widget.wait_for_selector(".jp-OutputArea-output .widget-toggle-button:has-text('play')")
    widget.wait_for_timeout(1000)
    paused = status(widget)
    widget.wait_for_timeout(1000)
    assert status(widget) == paused


def shown_update(page: Any) -> str:
    return str(page.evaluate("() => document.querySelector('.jp-OutputArea-output code').textContent"))


@pytest.mark.parametrize("how", ["menu", "click"])
def test_a_chosen_weight_shows_the_engines_update(widget: Any, how: str) -> None:
    press(widget, "reset")
    wait_for_epoch(widget, 0)
    press(widget, "step")
    wait_for_epoch(widget, 1)
    name = WEIGHT if how == "menu" else "layers.0.neurons.3.w.1"
    if how == "menu":
        widget.locator(".jp-OutputArea-output .widget-dropdown:has-text('weight') select").select_option(name)
    else:  # on the picture, as the learner clicks an edge
        widget.locator(f".jp-OutputArea-output svg.playground line.hit[data-param='{name}']").dispatch_event(
            "click")  # fmt: skip
    widget.wait_for_function("name => document.querySelector('.jp-OutputArea-output code')"
                             ".textContent.startsWith(name + ':')", arg=name)  # fmt: skip
    run = reference()
    run.step(1)
    update, steps = run.update(name), run.backprop()
    assert update is not None and steps is not None and update.grad == steps.grads[name]
    assert shown_update(widget) == f"{name}: {update.text}"
