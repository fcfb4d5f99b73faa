"""`Controller`: what the controls of both views do, written once for the Jupyter widget and the web page.

It holds the `Playground`, the chosen view (forward or backprop) and the chosen parameter, and
turns a control's new value into a new run (data, network, seed) or a retuned one (learning
rate, batch size). The widget calls it from Python; the web page calls the same object inside
Pyodide from JavaScript, and shows the same `picture`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from autograd_tiny.playground.backprop import WeightUpdate
from autograd_tiny.playground.picture import VIEWS, picture
from autograd_tiny.playground.session import Playground
from autograd_tiny.playground.settings import Settings

NEW_RUN = ("dataset", "noise", "hidden", "activation", "l2", "seed")  # changing these draws new weights
RETUNE = ("learning_rate", "batch_size")


class Controller:
    """A playground run as its views show it: ``step``, ``reset``, ``change``, ``select``, ``picture``."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.pg = Playground(settings)
        self.view = "forward"
        self.selected = self.pg.names[0]

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` epochs."""
        self.pg.step(epochs)

    def reset(self) -> None:
        """Back to the run's initial weights, epoch 0 and the first batch order."""
        self.pg.reset()

    def change(self, name: str, value: object) -> str:
        """Set the control ``name`` to ``value``: "" when done, else why not (the run is kept)."""
        if name not in NEW_RUN + RETUNE:
            return f"no control {name!r}; the controls are {', '.join(NEW_RUN + RETUNE)}"
        changes: dict[str, Any] = {name: value}
        try:
            if name in RETUNE:
                self.pg.retune(**changes)
            else:
                self.pg = Playground(replace(self.pg.settings, **changes))
                if self.selected not in self.pg.names:
                    self.selected = self.pg.names[0]
        except (TypeError, ValueError) as error:
            return str(error)
        return ""

    def select(self, name: str) -> None:
        """Choose the parameter whose update is written out (and marked in the picture)."""
        if name not in self.pg.names:
            raise KeyError(f"select: no parameter {name!r}")
        self.selected = name

    def set_view(self, view: str) -> None:
        """Show the forward view (outputs, weights) or the backprop view (deltas, dc/dw)."""
        if view not in VIEWS:
            raise ValueError(f"set_view: view must be one of {', '.join(VIEWS)}, got {view!r}")
        self.view = view

    def picture(self) -> str:
        """The SVG of the current state in the current view."""
        return picture(self.pg, self.view, self.selected)

    def status(self) -> str:
        """One line: the epoch and the latest train and test losses."""
        pg = self.pg
        return f"epoch {pg.epoch}, train loss {pg.train_loss[-1]:.4f}, test loss {pg.test_loss[-1]:.4f}"

    @property
    def epoch(self) -> int:
        """The epochs trained since the run started or was reset."""
        return self.pg.epoch

    @property
    def losses(self) -> tuple[float, float]:
        """The latest train and test losses."""
        return self.pg.train_loss[-1], self.pg.test_loss[-1]

    def update(self) -> WeightUpdate | None:
        """The chosen parameter's last update (None before the first step)."""
        return self.pg.update(self.selected)

    def update_text(self) -> str:
        """The chosen parameter's last update written out, or what to do to see one."""
        update = self.update()
        if update is None:
            return f"{self.selected}: take a step to see its update"
        return f"{self.selected}: {update.text}"
