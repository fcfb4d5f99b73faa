"""Every unit's output over a grid of the input plane, computed by compiled replay of one input's graph.

The picture of a unit is its output at each point of an ``n x n`` grid; the output unit's grid is
the decision boundary (class 1 where it is above 0). One input's forward pass is compiled once
per network (`compile_replay`, watching every unit) and replayed over the grid's points with
the current weights (`SampleReplay.values`: the forward pass alone), so a frame costs no graph
building; the numbers are the model's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd_tiny.compile.replay import SampleReplay, compile_replay
from autograd_tiny.data import linspace
from autograd_tiny.engine import Value
from autograd_tiny.nn import MLP
from autograd_tiny.playground.units import forward_units


@dataclass(frozen=True)
class Extent:
    """The square of the input plane that the pictures show."""

    low: float
    high: float

    def axis(self, n: int) -> list[float]:
        """n evenly spaced coordinates from low to high."""
        return linspace(self.low, self.high, n)

    def points(self, n: int) -> list[list[float]]:
        """The grid's points row by row, top row first (y from high to low), x from low to high."""
        xs = self.axis(n)
        return [[x, y] for y in reversed(xs) for x in xs]


def extent_of(points: list[list[float]], margin: float = 0.25) -> Extent:
    """The smallest square around the points' coordinates, widened by ``margin`` on every side."""
    coordinates = [c for point in points for c in point]
    return Extent(min(coordinates) - margin, max(coordinates) + margin)


@dataclass(frozen=True)
class UnitGrids:
    """Each unit's output at each grid point: ``values[n][j][k]`` for unit j of layer n, point k.

    Layer 0 holds the two inputs (the point's coordinates); the last layer is the output unit,
    whose grid is the decision boundary. Points are ``extent.points(size)``'s.
    """

    extent: Extent
    size: int
    values: list[list[list[float]]]

    @property
    def boundary(self) -> list[float]:
        """The network's output at each grid point (class 1 where it is above 0)."""
        return self.values[-1][0]


class GridReplay:
    """One input's forward pass through ``model``, compiled to evaluate every unit on many points."""

    def __init__(self, model: MLP) -> None:
        self.params = model.parameters()
        point = [Value(0.0), Value(0.0)]
        units = forward_units(model, point)
        self.shape = [len(layer) for layer in units.outputs[1:]]
        watched = [out for layer in units.outputs[1:] for out in layer]
        self.replay: SampleReplay = compile_replay(units.output, self.params, point, watched)

    def outputs(self, points: list[list[float]]) -> list[float]:
        """The network's output at each point, with the current weights."""
        seen = self.replay.values([p.data for p in self.params], points).watched
        return [row[-1] for row in seen]

    def unit_grids(self, extent: Extent, size: int) -> UnitGrids:
        """Every unit's output at the ``size x size`` grid over ``extent``, with the current weights."""
        points = extent.points(size)
        seen = self.replay.values([p.data for p in self.params], points).watched
        values = [[[point[i] for point in points] for i in range(2)]]
        start = 0
        for width in self.shape:
            values.append([[row[start + j] for row in seen] for j in range(width)])
            start += width
        return UnitGrids(extent, size, values)
