"""Regenerate the README's screenshots in docs/: ``make screenshots`` (needs the dev extras, Chromium, dot).

The step page at 1400x900 (notebook 3's graph, a backward step), steps_widget in JupyterLab at
1280x800 with the file browser open, and the network view's page: taken with the browser set-up
of the tests (tests/chromium.py), so a reader sees the pictures as a learner gets them.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
TESTS = HERE.parent / "tests"
sys.path.insert(0, str(TESTS))

from chromium import ARGS, CHROMIUM, KERNEL_IDLE, jupyterlab  # noqa: E402
from graphs import notebook3_graph  # noqa: E402
from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from autograd_tiny.nn import MLP  # noqa: E402
from autograd_tiny.viz.pictures import write_network_steps, write_steps  # noqa: E402

BACKWARD_STEP = 4  # x*w's step: two arrows with their products, x's running sum

# The widget's cell as a learner writes it: notebook 3's expression (tests/graphs.py builds the same graph).
WIDGET_CELL = """from autograd_tiny import Value
from autograd_tiny.viz import steps_widget
x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
xw = x * w; z = xw + b; y = z.tanh(); y2 = y**2; L = y2 + x  # L = tanh(x w + b)^2 + x
for node, name in [(xw, "x*w"), (z, "z"), (y, "y"), (y2, "y^2"), (L, "L")]:
    node.label = name
steps_widget(L)"""


def step_page(browser: Browser, scratch: Path, shot: Path) -> Path:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(write_steps(notebook3_graph(), scratch / "steps.html").as_uri())
    page.click("button.phase >> text=backward pass")
    for _ in range(BACKWARD_STEP):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(1000)  # the view's glide to the step (a screenshot, not a test)
    page.screenshot(path=shot)
    return shot


def network_page(browser: Browser, scratch: Path, shot: Path) -> Path:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    page.goto(write_network_steps(model, [1.0, -2.0], 0.5, scratch / "network.html").as_uri())
    page.keyboard.press("End")
    page.screenshot(path=shot)
    return shot


def widget_in_jupyterlab(browser: Browser, scratch: Path, shot: Path) -> Path:
    source = WIDGET_CELL
    cell = {"cell_type": "code", "execution_count": None, "id": "c0", "metadata": {}, "outputs": [],
            "source": source}  # fmt: skip
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"cells": [cell], "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    (scratch / "notebooks").mkdir()
    (scratch / "notebooks" / "steps_widget.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    with jupyterlab(scratch) as (base, token):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(120_000)
        page.goto(f"{base}/lab/tree/steps_widget.ipynb?token={token}")
        page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')")
        page.wait_for_function(KERNEL_IDLE)
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        page.wait_for_selector(".autograd-tiny-steps-view svg text", state="attached")
        handle = page.locator(".widget-slider .noUi-handle")
        while not page.locator(".widget-readout").text_content().startswith("backward"):
            handle.press("ArrowRight")
        for _ in range(BACKWARD_STEP):
            handle.press("ArrowRight")
        page.wait_for_function(f"() => document.querySelector('.widget-html p b').textContent"
                               f".startsWith('backward step {BACKWARD_STEP} ')")  # fmt: skip
        page.wait_for_timeout(1500)  # the picture's glide to the step
        page.screenshot(path=shot)
    return shot


def main(directory: Path = HERE) -> list[Path]:
    """Take the three screenshots into directory (docs/ by default) and return their paths."""
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        scratch = Path(tmp)
        shots = [step_page(browser, scratch, directory / "steps_page.png"),
                 widget_in_jupyterlab(browser, scratch, directory / "steps_widget.png"),
                 network_page(browser, scratch, directory / "network_page.png")]  # fmt: skip
        browser.close()
    return shots


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path}")
