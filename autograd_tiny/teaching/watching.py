"""Notebook 4c's checks: the class a model predicts over a grid of the plane, and how much of it changed.

The grid is the picture of a decision boundary: row j holds the classes along the line y = ys[j],
one per x in xs, as a contour plot reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd_tiny.checks import brief
from autograd_tiny.nn import MLP
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    check_close,
    check_equal,
    require_answer,
    require_function,
)
from autograd_tiny.train import predict

Grid = list[list[int]]


def class_grid(model: MLP, xs: Sequence[float], ys: Sequence[float]) -> Grid:
    """The class model predicts at each (x, y): row j for ys[j], column i for xs[i]."""
    return [predict(model, [[x, y] for x in xs]) for y in ys]


def check_class_grid(fn: object) -> None:
    """fn(model, xs, ys) = class_grid(model, xs, ys), on two models and two grids."""
    f = require_function("class_grid", fn)
    grids = [([-1.0, 0.0, 1.5], [-0.5, 0.5]), ([-2.0, -0.5, 0.5, 2.0], [-1.0, 0.0, 1.0])]
    for seed, (xs, ys) in zip([0, 3], grids):
        model = MLP(2, [4, 1], seed=seed)
        got = call_answer("class_grid", f, model, xs, ys)
        require_answer("class_grid(...)", got)
        expected = class_grid(model, xs, ys)
        if not isinstance(got, list) or len(got) != len(ys):
            raise ExerciseError(
                f"class_grid: expected one row per y ({len(ys)} rows), got {brief(got)}; rows go with ys"
            )
        hint = "column i is the class at (xs[i], ys[j]); predict reads the sign of the score"
        for j, (row, y) in enumerate(zip(got, expected)):
            check_equal(f"class_grid row {j} (y = {ys[j]:g})", row, y, hint=hint)


def changed_fraction(before: Grid, after: Grid) -> float:
    """The fraction of grid cells whose class differs between two grids of the same shape."""
    cells = [(a, b) for row_a, row_b in zip(before, after) for a, b in zip(row_a, row_b)]
    return sum(a != b for a, b in cells) / len(cells)


def check_changed_fraction(fn: object) -> None:
    """fn(before, after) = the fraction of cells whose class changed, on a few pairs of grids."""
    f = require_function("changed_fraction", fn)
    cases = [
        ([[0, 0], [1, 1]], [[0, 1], [1, 1]]),
        ([[0, 1, 1]], [[1, 0, 0]]),
        ([[1]], [[1]]),
        ([[0, 0, 0], [0, 0, 0]], [[1, 0, 0], [0, 0, 1]]),
    ]
    for before, after in cases:
        got = call_answer("changed_fraction", f, before, after)
        check_close(f"changed_fraction({before}, {after})", got, changed_fraction(before, after),
                    hint="count the cells that differ, over all cells of the grid")  # fmt: skip
