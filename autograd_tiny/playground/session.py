"""`Playground`: one training run to watch and nudge, the state behind the Jupyter widget and the web page.

It holds the data (train and test), the model, its initial weights (for `reset`), the seeded
order of the batches, and the loss history. `step` trains one epoch of mini-batch SGD on the
mean squared error against targets -1 / +1 (the network's output unit is tanh, as in
TensorFlow Playground) by compiled replay (`ReplayedStep`, eager's gradients to the bit), and
keeps the last batch and the weights it started from, so that `backprop` can show that step's
deltas and `update` can write out any weight's change with its numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from autograd_tiny.data import train_test_split
from autograd_tiny.nn import MLP
from autograd_tiny.optim import SGD
from autograd_tiny.playground.backprop import Backprop, WeightUpdate, backprop_of
from autograd_tiny.playground.grids import Extent, GridReplay, UnitGrids, extent_of
from autograd_tiny.playground.settings import DATASETS, Settings
from autograd_tiny.replay_training import SAMPLE_LOSSES, ReplayedStep

OBJECTIVE = "mse"  # (output - t)^2 with t = 2 label - 1, the mean over the batch


@dataclass(frozen=True)
class LastStep:
    """The latest SGD step: its batch (indices into the training set), the weights before, the gradients."""

    batch: list[int]
    before: list[float]  # each parameter's value before the step, in `parameters()` order
    grads: list[float]  # the gradient the step used, likewise
    rate: float  # the learning rate the step used


class Playground:
    """A seeded run: ``Playground(Settings(dataset="circles"))``, then `step`, `reset`, `unit_grids`, ..."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings = settings or Settings()
        X, y = DATASETS[settings.dataset](n=settings.points, noise=settings.noise, seed=settings.seed)
        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(
            X, y, settings.test_fraction, seed=settings.seed)  # fmt: skip
        self.extent: Extent = extent_of(X)
        self.model = MLP(2, settings.sizes, activation=settings.activation, output_activation="tanh",
                         seed=settings.seed)  # fmt: skip
        self.initial = self.model.state_dict()
        self.names = [name for name, _ in self.model.named_parameters()]
        self.params = self.model.parameters()
        self._train_step = self._replayed(self.X_train, self.y_train, settings.l2)
        self._losses = self._replayed(self.X_train + self.X_test, self.y_train + self.y_test, 0.0)
        self._grids = GridReplay(self.model)
        self.reset()

    def _replayed(self, X: list[list[float]], y: list[int], l2: float) -> ReplayedStep:
        return ReplayedStep(self.model, SAMPLE_LOSSES[OBJECTIVE], X, y, classes=2, l2=l2, batched=False)

    def reset(self) -> None:
        """Back to the initial weights, epoch 0 and the same batch order as the first time."""
        self.model.load_state_dict(self.initial)
        self.model.zero_grad()
        self.optimizer = SGD(self.model.parameters(), lr=self.settings.learning_rate)
        self._order = random.Random(self.settings.seed)
        self.epoch = 0
        self.last: LastStep | None = None
        self.train_loss: list[float] = []
        self.test_loss: list[float] = []
        self._record_losses()

    def retune(self, learning_rate: float | None = None, batch_size: int | None = None) -> None:
        """Change the learning rate or the batch size from the next step on, keeping the run."""
        changes: dict[str, Any] = {"learning_rate": learning_rate, "batch_size": batch_size}
        self.settings = replace(self.settings, **{k: v for k, v in changes.items() if v is not None})
        self.optimizer.lr = self.settings.learning_rate

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` epochs: the training set in a seeded shuffled order, one SGD step per batch."""
        size = self.settings.batch_size
        for _ in range(epochs):
            order = list(range(len(self.X_train)))
            self._order.shuffle(order)
            for start in range(0, len(order), size):
                self._sgd_step(order[start:start + size])
            self.epoch += 1
            self._record_losses()

    def _sgd_step(self, batch: list[int]) -> None:
        before = [p.data for p in self.params]
        self._train_step(batch)  # every parameter's .grad: d (mean loss over the batch + L2) / d p
        grads = [p.grad for p in self.params]
        self.optimizer.step()
        self.last = LastStep(batch, before, grads, self.optimizer.lr)

    def _record_losses(self) -> None:
        """Append the mean squared error over the training and the test set (no L2) to the curves.

        The replayed per-sample losses of both sets in one call, each set's added in order and
        times 1/n: `mse_loss`'s numbers.
        """
        losses = self._losses.replay.values([p.data for p in self.params], self._losses.rows).outputs
        n = len(self.X_train)
        for curve, part in ((self.train_loss, losses[:n]), (self.test_loss, losses[n:])):
            curve.append(float(sum(part[1:], part[0]) * (1.0 / len(part))))

    # ---- what the views show ---------------------------------------------------------------------

    def accuracy(self, which: str = "test") -> float:
        """The fraction of the test (or training) points on their class's side (output > 0: class 1)."""
        X, y = (self.X_test, self.y_test) if which == "test" else (self.X_train, self.y_train)
        return sum((out > 0) == bool(label) for out, label in zip(self.outputs(X), y)) / len(y)

    def outputs(self, points: list[list[float]]) -> list[float]:
        """The network's output at each point (by the compiled forward pass)."""
        return self._grids.outputs(points)

    def unit_grids(self, size: int = 25) -> UnitGrids:
        """Every unit's output over a ``size x size`` grid of the plane the data lies in."""
        return self._grids.unit_grids(self.extent, size)

    def backprop(self) -> Backprop | None:
        """The last step's deltas and dc/dw, recomputed eagerly with ``backward()``; None before a step."""
        if self.last is None:
            return None
        batch = [self.X_train[i] for i in self.last.batch]
        targets = [2.0 * self.y_train[i] - 1 for i in self.last.batch]
        before = dict(zip(self.names, self.last.before))
        return backprop_of(self.model, before, batch, targets, self.settings.l2)

    def update(self, name: str) -> WeightUpdate | None:
        """Parameter ``name``'s last SGD update written out with its numbers; None before a step."""
        if self.last is None:
            return None
        if name not in self.names:
            raise KeyError(f"update: no parameter {name!r}; the parameters are {', '.join(self.names)}")
        k, last = self.names.index(name), self.last
        return WeightUpdate(name, last.before[k], last.rate, last.grads[k], self.params[k].data)
