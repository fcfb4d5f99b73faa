"""`PlaygroundWidget`: the playground in Jupyter (ipywidgets, the picture an anywidget) around a `Controller`.

Play trains in a background thread, one epoch at a time, and redraws at most every
``REDRAW_SECONDS``; every control goes through the same `Controller` the web page uses. A weight
is chosen by clicking its edge in the picture (or a unit, for its bias) or from the menu.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

import ipywidgets as w  # type: ignore[import-untyped, unused-ignore]

from autograd_tiny.nn import ACTIVATIONS
from autograd_tiny.playground.clickable import ClickablePicture
from autograd_tiny.playground.controller import Controller
from autograd_tiny.playground.picture import VIEWS
from autograd_tiny.playground.settings import DATASETS, L2S, RATES, Settings

REDRAW_SECONDS = 0.3


class PlaygroundWidget:
    """The controls, the picture, the status line and a chosen weight's update; ``view`` shows them all."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.controller = Controller(settings)
        self._lock = threading.RLock()  # the play thread and the controls take turns with the Controller
        self._thread: threading.Thread | None = None
        s = self.controller.pg.settings
        self.play = w.ToggleButton(value=False, description="play", icon="play")
        self.step_button = w.Button(description="step", icon="step-forward")
        self.reset_button = w.Button(description="reset", icon="undo", tooltip="the same initial weights")
        self.controls: dict[str, Any] = {
            "dataset": w.Dropdown(options=list(DATASETS), value=s.dataset, description="data"),
            "noise": w.FloatSlider(value=s.noise, min=0.0, max=0.5, step=0.01, description="noise"),
            "hidden": w.Text(value=", ".join(map(str, s.hidden)), description="hidden",
                             continuous_update=False),
            "activation": w.Dropdown(options=list(ACTIVATIONS), value=s.activation, description="activation"),
            "l2": w.Dropdown(options=sorted({*L2S, s.l2}), value=s.l2, description="L2"),
            "seed": w.BoundedIntText(value=s.seed, min=0, max=2**31 - 1, description="seed"),
            "learning_rate": w.Dropdown(options=sorted({*RATES, s.learning_rate}), value=s.learning_rate,
                                        description="rate"),
            "batch_size": w.IntSlider(value=s.batch_size, min=1, max=30, description="batch"),
        }  # fmt: skip
        self.view_choice = w.ToggleButtons(options=list(VIEWS), value="forward")
        self.weight = w.Dropdown(options=self.controller.pg.names, value=self.controller.selected,
                                 description="weight")  # fmt: skip
        self.status, self.picture, self.update_text = w.HTML(), ClickablePicture(), w.HTML()
        self.play.observe(self._on_play, "value")
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self.change(name, change["new"]), "value")
        self.view_choice.observe(lambda change: self._act(self.controller.set_view, change["new"]), "value")
        self.weight.observe(lambda change: self._act(self.controller.select, change["new"]), "value")
        self.picture.observe(self._on_click, "clicked")
        settings_boxes = [w.VBox(list(self.controls.values())[:4]), w.VBox(list(self.controls.values())[4:])]
        self.view = w.VBox([
            w.HBox([self.play, self.step_button, self.reset_button, self.view_choice]),
            w.HBox(settings_boxes), self.status, self.picture, self.weight, self.update_text,
        ])  # fmt: skip
        self.redraw()

    def _act(self, action: Any, *args: Any) -> None:
        with self._lock:
            action(*args)
        self.redraw()

    # ---- what the buttons do (and what the tests drive) ------------------------------------------

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` epochs and redraw."""
        self._act(self.controller.step, epochs)

    def reset(self) -> None:
        """Back to the run's initial weights and epoch 0."""
        self._act(self.controller.reset)

    def change(self, name: str, value: Any) -> None:
        """Apply a control's new value through the Controller; say why in the status line if it cannot."""
        with self._lock:
            problem = self.controller.change(name, value)
            if self.weight.options != tuple(self.controller.pg.names):
                self.weight.options = self.controller.pg.names
                self.weight.value = self.controller.selected
        self.redraw()
        if problem:
            self.status.value = f"<b>not changed</b>: {html.escape(problem)}"

    def redraw(self) -> None:
        """Draw the picture, the status line and the chosen weight's last update."""
        with self._lock:
            self.picture.svg = self.controller.picture()
            self.status.value = html.escape(self.controller.status())
            self.update_text.value = f"<code>{html.escape(self.controller.update_text())}</code>"

    def _on_click(self, change: dict[str, Any]) -> None:
        """A click on the picture chooses that parameter, as the menu does (which then shows it)."""
        if change["new"]:
            self.weight.value = change["new"]
            self.picture.clicked = ""  # so that clicking the same parameter again is seen

    # ---- play --------------------------------------------------------------------------------------

    def _on_play(self, change: dict[str, Any]) -> None:
        self.play.description, self.play.icon = ("pause", "pause") if change["new"] else ("play", "play")
        if change["new"] and (self._thread is None or not self._thread.is_alive()):
            self._thread = threading.Thread(target=self._play, daemon=True)
            self._thread.start()

    def _play(self) -> None:
        drawn = time.perf_counter()
        while self.play.value:
            with self._lock:
                self.controller.step()
            if time.perf_counter() - drawn >= REDRAW_SECONDS:
                self.redraw()
                drawn = time.perf_counter()
        self.redraw()

    def wait(self) -> None:
        """Wait for the play thread to finish after play was switched off."""
        if self._thread is not None:
            self._thread.join()
