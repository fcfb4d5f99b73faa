"""Toy 2-D classification datasets (moons, circles, spirals, XOR) and a train/test split, in plain lists.

Written from their geometric definitions, with no NumPy or scikit-learn: ``X`` is a list of
``[x, y]`` points and ``y`` a list of integer class labels ``0 .. k-1``. Every function takes
``seed``: an int (same data every run), a ``random.Random``, or None to draw from the global
``random`` state (so a single ``random.seed(...)`` makes a whole script reproducible).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Protocol, TypeAlias, TypeVar

from autograd_tiny.checks import is_whole, real, whole


class RandomSource(Protocol):
    """What the datasets and weight initialisation draw from: a ``random.Random`` or the module."""

    def uniform(self, a: float, b: float) -> float: ...

    def gauss(self, mu: float, sigma: float) -> float: ...

    def shuffle(self, x: list[int]) -> None: ...


Seed: TypeAlias = "int | random.Random | None"
Dataset: TypeAlias = tuple[list[list[float]], list[int]]
T = TypeVar("T")
L = TypeVar("L")


def as_random(seed: Seed, where: str) -> random.Random | None:
    """``seed`` as a Random to pass on (Random(seed), or the Random itself), or None for the global one."""
    if seed is None or isinstance(seed, random.Random):
        return seed
    if is_whole(seed):
        return random.Random(int(seed))  # a numpy integer too, which random.Random refuses
    kind = type(seed).__name__
    raise TypeError(f"{where}: seed must be an int, a random.Random or None, got {kind}: {seed!r}")


def make_rng(seed: Seed, where: str) -> RandomSource:
    """The random source ``seed`` names: a Random, or the global ``random`` module for None."""
    rng = as_random(seed, where)
    if rng is None:
        return random
    return rng


def _check(where: str, n: int, noise: float, minimum: int = 1) -> None:
    if whole(n, f"{where}: n") < minimum:
        raise ValueError(f"{where}: n must be an int >= {minimum}, got {n!r}")
    if not 0 <= real(noise, f"{where}: noise") < math.inf:
        raise ValueError(f"{where}: noise must be a finite number >= 0, got {noise!r}")


def linspace(start: float, stop: float, count: int) -> list[float]:
    """count evenly spaced numbers from start to stop inclusive (one number: start)."""
    if count == 1:
        return [start]
    step = (stop - start) / (count - 1)
    return [start + i * step for i in range(count)]


def _jitter_and_shuffle(points: list[tuple[float, float, int]], noise: float, rng: RandomSource,
                        where: str) -> Dataset:  # fmt: skip
    """Add N(0, noise^2) to each coordinate, then shuffle the points into a random order.

    ValueError naming ``where`` for a noise so large that a coordinate overflows to inf.
    """
    order = list(range(len(points)))
    rng.shuffle(order)
    X, y = [], []
    for i in order:
        a, b, label = points[i]
        point = [a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] if noise else [a, b]
        if not (math.isfinite(point[0]) and math.isfinite(point[1])):
            raise ValueError(f"{where}: noise {noise!r} puts a point at inf; use a smaller noise")
        X.append(point)
        y.append(label)
    return X, y


def make_moons(n: int = 100, noise: float = 0.1, seed: Seed = None) -> Dataset:
    """Two interleaving half circles: class 0 the upper arc, class 1 the lower one shifted right.

    The upper arc is (cos t, sin t) and the lower (1 - cos t, 1/2 - sin t) for t in [0, pi];
    class 0 gets n // 2 points, class 1 the rest.
    """
    _check("make_moons", n, noise, minimum=2)
    rng = make_rng(seed, "make_moons")
    upper, lower = n // 2, n - n // 2
    points = [(math.cos(t), math.sin(t), 0) for t in linspace(0.0, math.pi, upper)]
    points += [(1.0 - math.cos(t), 0.5 - math.sin(t), 1) for t in linspace(0.0, math.pi, lower)]
    return _jitter_and_shuffle(points, noise, rng, "make_moons")


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = None) -> Dataset:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` (0 < factor < 1)."""
    _check("make_circles", n, noise, minimum=2)
    if not 0 < real(factor, "make_circles: factor") < 1:
        raise ValueError(f"make_circles: factor must lie strictly between 0 and 1, got {factor!r}")
    rng = make_rng(seed, "make_circles")
    outer, inner = n // 2, n - n // 2
    points = []
    for label, count, radius in ((0, outer, 1.0), (1, inner, factor)):
        for i in range(count):
            t = 2 * math.pi * i / count
            points.append((radius * math.cos(t), radius * math.sin(t), label))
    return _jitter_and_shuffle(points, noise, rng, "make_circles")


def make_spirals(n: int = 150, classes: int = 3, noise: float = 0.02, turns: float = 0.6,
                 seed: Seed = None) -> Dataset:  # fmt: skip
    """``classes`` spiral arms from the origin, arm j rotated by j/classes of a full turn.

    Point i of an arm lies at radius r = i / count and angle 2 pi (turns r + j / classes);
    the points are spread over the arms as evenly as n allows.
    """
    _check("make_spirals", n, noise)
    if not 2 <= whole(classes, "make_spirals: classes") <= n:
        raise ValueError(f"make_spirals: classes must be an int from 2 to n={n}, got {classes!r}")
    if not math.isfinite(real(turns, "make_spirals: turns")):
        raise ValueError(f"make_spirals: turns must be a finite number, got {turns!r}")
    rng = make_rng(seed, "make_spirals")
    points = []
    for j in range(classes):
        count = n // classes + (j < n % classes)
        for i in range(count):
            r = (i + 1) / count
            angle = 2 * math.pi * (turns * r + j / classes)
            points.append((r * math.cos(angle), r * math.sin(angle), j))
    return _jitter_and_shuffle(points, noise, rng, "make_spirals")


def make_xor(n: int = 4, noise: float = 0.0, seed: Seed = None) -> Dataset:
    """The XOR problem: the corners (+-1, +-1) taken in turn until there are n points.

    Class 1 where the two coordinates have different signs, class 0 where they agree;
    with n=4 and noise=0 this is exactly the truth table (in a shuffled order).
    """
    _check("make_xor", n, noise)
    rng = make_rng(seed, "make_xor")
    corners = [(-1.0, -1.0, 0), (-1.0, 1.0, 1), (1.0, -1.0, 1), (1.0, 1.0, 0)]
    return _jitter_and_shuffle([corners[i % 4] for i in range(n)], noise, rng, "make_xor")


def train_test_split(
    X: Sequence[T], y: Sequence[L], test_fraction: float = 0.25, seed: Seed = None
) -> tuple[list[T], list[T], list[L], list[L]]:
    """Shuffle (X, y) together and return X_train, X_test, y_train, y_test (scikit-learn's order).

    The test set gets round(test_fraction * len(X)) points, at least one and leaving at least one.
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} points but y has {len(y)} labels")
    if len(X) < 2:
        raise ValueError(f"train_test_split: needs at least 2 points, got {len(X)}")
    if not 0 < real(test_fraction, "train_test_split: test_fraction") < 1:
        raise ValueError(f"train_test_split: test_fraction must lie in (0, 1), got {test_fraction!r}")
    rng = make_rng(seed, "train_test_split")
    order = list(range(len(X)))
    rng.shuffle(order)
    n_test = min(max(round(test_fraction * len(X)), 1), len(X) - 1)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def load_digits() -> Dataset:
    """scikit-learn's 8x8 handwritten digits: 1,797 images of 64 pixels scaled to [0, 1], labels 0-9.

    The images ship inside the scikit-learn package (no download): install the ``digits``
    extra, ``pip install 'autograd_tiny[digits]'``.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        raise ImportError("load_digits needs scikit-learn: pip install 'autograd_tiny[digits]'") from None
    images = sklearn_digits()
    return [[float(v) / 16.0 for v in row] for row in images.data], [int(t) for t in images.target]
