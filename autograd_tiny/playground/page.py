"""What the web page calls inside Pyodide: the `Controller`, with the controls' values arriving as text.

An HTML control's value is a string; `PageController.change_text` reads it as the setting's
type and hands it to the same `Controller.change` the Jupyter widget uses. `choices` gives the
page its menus and their starting values; `PageController.graph_dot` the chosen unit's graph.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from autograd_tiny.nn import ACTIVATIONS
from autograd_tiny.playground.controller import Controller
from autograd_tiny.playground.settings import DATASETS, L2S, RATES, Settings
from autograd_tiny.playground.unit_graph import unit_graph

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

    def graph_dot(self) -> str:
        """DOT text of the chosen unit for the batch's first sample (`unit_graph`), "" before a step.

        Drawn by ``draw_dot`` (needs the ``graphviz`` package, which only writes the text); the
        page lays it out with viz-js, as Graphviz's ``dot`` program cannot run in a browser.
        """
        from autograd_tiny.viz import draw_dot

        share = unit_graph(self.pg, self.selected)
        return "" if share is None else str(draw_dot(share).source)


def choices(settings: Settings | None = None) -> dict[str, Any]:
    """The menus' options and every control's starting value, as JSON-ready data."""
    values = asdict(settings or Settings())
    values["hidden"] = ", ".join(map(str, values["hidden"]))
    return {
        "options": {"dataset": list(DATASETS), "activation": list(ACTIVATIONS),
                    "learning_rate": list(RATES), "l2": list(L2S)},
        "values": {name: values[name] for name in READERS},
    }  # fmt: skip
