"""A playground: watch and nudge a small network learn a 2-D data set, every number from the engine.

`Playground` (the state: data, model, one epoch of training, reset to the same initial weights,
each unit's output over the plane, the last step's deltas and a weight's update in numbers) is
plain Python on the engine, so the same code drives the Jupyter widget (`playground()`, needs
ipywidgets and anywidget) and the web page that runs the package in the browser (Pyodide). `picture` draws
its state as one SVG for both.
"""

from __future__ import annotations

from typing import Any

from autograd_tiny.playground.backprop import Backprop, WeightUpdate
from autograd_tiny.playground.grids import Extent, UnitGrids
from autograd_tiny.playground.session import Playground
from autograd_tiny.playground.settings import DATASETS, Settings

__all__ = ["DATASETS", "Backprop", "Extent", "Playground", "Settings", "UnitGrids", "WeightUpdate",
           "playground"]  # fmt: skip


def playground(**settings: Any) -> Any:
    """The playground as a Jupyter widget (ipywidgets, anywidget), from ``Settings(**settings)``."""
    from autograd_tiny.playground.widget import PlaygroundWidget

    return PlaygroundWidget(Settings(**settings)).view
