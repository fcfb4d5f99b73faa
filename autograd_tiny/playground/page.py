"""What the web page calls inside Pyodide: the `Controller`, with the controls' values arriving as text.

An HTML control's value is a string; `PageController.change_text` reads it as the setting's
type and hands it to the same `Controller.change` the Jupyter widget uses. `choices` gives the
page its menus and their starting values.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from autograd_tiny.nn import ACTIVATIONS
from autograd_tiny.playground.controller import Controller
from autograd_tiny.playground.settings import DATASETS, L2S, RATES, Settings

READERS = {"dataset": str, "activation": str, "hidden": str, "noise": float, "learning_rate": float,
           "l2": float, "batch_size": int, "seed": int}  # fmt: skip


class PageController(Controller):
    """The Controller as the page drives it."""

    def change_text(self, name: str, text: str) -> str:
        """Set control ``name`` from its text: "" when done, else why not (the run is kept)."""
        read = READERS.get(name)
        if read is None:
            return f"no control {name!r}; the controls are {', '.join(READERS)}"
        try:
            value = read(text)
        except ValueError:
            return f"{name} must be a number, got {text!r}"
        return self.change(name, value)


def choices(settings: Settings | None = None) -> dict[str, Any]:
    """The menus' options and every control's starting value, as JSON-ready data."""
    values = asdict(settings or Settings())
    values["hidden"] = ", ".join(map(str, values["hidden"]))
    return {
        "options": {"dataset": list(DATASETS), "activation": list(ACTIVATIONS),
                    "learning_rate": list(RATES), "l2": list(L2S)},
        "values": {name: values[name] for name in READERS},
    }  # fmt: skip
