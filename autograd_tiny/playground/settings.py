"""What a playground run is made of: the data set, the network, the training step's knobs, the seed.

A `Settings` is frozen: changing the data, the network or the seed makes a new run (new initial
weights); the learning rate and the batch size may change during a run (`Playground.retune`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from autograd_tiny.checks import real, whole
from autograd_tiny.data import Dataset, make_circles, make_moons, make_spirals, make_xor
from autograd_tiny.nn import ACTIVATIONS


def _spirals(n: int, noise: float, seed: int) -> Dataset:
    return make_spirals(n, classes=2, noise=noise, seed=seed)  # two arms: the playground's classes are 0/1


DATASETS: dict[str, Callable[..., Dataset]] = {  # each called with n=, noise=, seed=
    "moons": make_moons,
    "circles": make_circles,
    "spirals": _spirals,
    "xor": make_xor,
}

RATES = (0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # TensorFlow Playground's choices
L2S = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1)


@dataclass(frozen=True)
class Settings:
    """One run's choices, checked on creation (ValueError or TypeError naming the field)."""

    dataset: str = "moons"
    noise: float = 0.1
    points: int = 200  # drawn in all; ``test_fraction`` of them are held out as the test set
    test_fraction: float = 0.5
    hidden: tuple[int, ...] = field(default=(8, 8))
    activation: str = "tanh"
    learning_rate: float = 0.1
    batch_size: int = 10
    l2: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"Settings: dataset must be one of {', '.join(DATASETS)}, got {self.dataset!r}")
        if self.activation not in ACTIVATIONS:
            choices = ", ".join(ACTIVATIONS)
            raise ValueError(f"Settings: activation must be one of {choices}, got {self.activation!r}")
        object.__setattr__(self, "hidden", tuple(_hidden_sizes(self.hidden)))
        _at_least(self.points, 4, "points")
        _at_least(self.batch_size, 1, "batch_size")
        whole(self.seed, "Settings: seed")
        if not 0 < real(self.test_fraction, "Settings: test_fraction") < 1:
            raise ValueError(f"Settings: test_fraction must lie in (0, 1), got {self.test_fraction!r}")
        for name in ("noise", "l2"):
            if not 0 <= real(getattr(self, name), f"Settings: {name}") < math.inf:
                got = getattr(self, name)
                raise ValueError(f"Settings: {name} must be a finite number >= 0, got {got!r}")
        if not 0 < real(self.learning_rate, "Settings: learning_rate") < math.inf:
            got = self.learning_rate
            raise ValueError(f"Settings: learning_rate must be a finite number > 0, got {got!r}")

    @property
    def sizes(self) -> list[int]:
        """The layer sizes after the two inputs: the hidden layers and the one output unit."""
        return [*self.hidden, 1]


def _at_least(n: int, least: int, name: str) -> None:
    if whole(n, f"Settings: {name}") < least:
        raise ValueError(f"Settings: {name} must be an int >= {least}, got {n!r}")


def _hidden_sizes(hidden: object) -> list[int]:
    """Hidden layer sizes from a sequence of ints or a text such as "8, 8" (empty: no hidden layer)."""
    if isinstance(hidden, str):
        parts = [part for part in hidden.replace(",", " ").split() if part]
        if not all(part.isdigit() for part in parts):
            raise ValueError(f"Settings: hidden must be layer sizes such as '8, 8', got {hidden!r}")
        hidden = [int(part) for part in parts]
    if not isinstance(hidden, (list, tuple)):
        raise TypeError(f"Settings: hidden must be a list of layer sizes, got {type(hidden).__name__}")
    sizes = [whole(n, "Settings: every hidden layer size") for n in hidden]
    if any(not 1 <= n <= 16 for n in sizes) or len(sizes) > 6:
        raise ValueError(f"Settings: hidden takes up to 6 layers of 1 to 16 units, got {list(hidden)!r}")
    return sizes
