"""`fit(..., compile=...)`'s training step: one sample's loss compiled once, replayed over each batch.

Each objective whose loss can be written for one sample with operations alone (its label as
leaf Values, no decision taken on ``.data`` in Python) has a `SampleLoss`. Hinge and squared
error are the eager losses themselves, so a replayed step gives eager's losses and gradients
to the last bit (`compile_replay` adds the rows in eager's order; the mean's 1/n seeds the
gradient and the L2 penalty's gradients come first, as in `Value.backward()`). Cross-entropy
is rewritten with a one-hot label and a max made of relus (`replay_cross_entropy`): the same
function, agreeing to rounding. Binary cross-entropy picks its formula on the logit's sign in
Python, so it has no replayed form and `fit` trains it eagerly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from autograd_tiny.compile.graph import compile_graph
from autograd_tiny.compile.replay import SampleReplay, compile_replay
from autograd_tiny.engine import Value
from autograd_tiny.losses import l2_penalty
from autograd_tiny.modes import no_grad
from autograd_tiny.nn import Module

Output = Value | list[Value]


@dataclass(frozen=True)
class SampleLoss:
    """One sample's loss from operations only: the label as ``width(classes)`` leaves of ``label_row``."""

    width: Callable[[int], int]
    label_row: Callable[[int, int], list[float]]  # (label, classes) -> the label leaves' values
    loss: Callable[[Output, list[Value]], Value]  # (model output, label leaves) -> this sample's loss


def replay_cross_entropy(logits: Sequence[Value], onehot: Sequence[Value]) -> Value:
    """log sum_j e^(z_j) - sum_j t_j z_j, shifted by max_j z_j (built from relus) so e never overflows."""
    top = logits[0]
    for z in logits[1:]:
        top = top + (z - top).relu()
    exps = [(z - top).exp() for z in logits]
    picked = [t * z for t, z in zip(onehot, logits)]
    return sum(exps[1:], exps[0]).log() + top - sum(picked[1:], picked[0])


SAMPLE_LOSSES: dict[str, SampleLoss] = {
    # hinge: relu(1 - y s) for y = +-1; the leaf holds -y, the constant the eager loss folds in
    "hinge": SampleLoss(lambda k: 1, lambda label, k: [-1.0 if label else 1.0],
                        lambda out, t: (1 + t[0] * cast(Value, out)).relu()),
    # mse on the targets -1 / +1 of fit's "mse" objective
    "mse": SampleLoss(lambda k: 1, lambda label, k: [2.0 * label - 1],
                      lambda out, t: (cast(Value, out) - t[0]) ** 2),
    "cross_entropy": SampleLoss(lambda k: k, lambda label, k: [float(j == label) for j in range(k)],
                                lambda out, t: replay_cross_entropy(cast("list[Value]", out)[: len(t)], t)),
}  # fmt: skip


class Rows(Sequence[list[float]]):
    """Each row's watched values as floats, made when first read (a caller may want the loss only)."""

    def __init__(self, make: Callable[[], list[list[float]]]) -> None:
        self._make: Callable[[], list[list[float]]] | None = make
        self._rows: list[list[float]] = []

    def _all(self) -> list[list[float]]:
        if self._make is not None:
            self._rows, self._make = self._make(), None
        return self._rows

    def __getitem__(self, i: Any) -> Any:
        return self._all()[i]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[list[float]]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        return self._all() == (list(other) if isinstance(other, Rows) else other)

    __hash__ = None  # type: ignore[assignment]


class ReplayedStep:
    """A model's training step by replay: gradients into the parameters' ``.grad``, the loss returned."""

    def __init__(self, model: Module, sample_loss: SampleLoss, X: Sequence[Sequence[float]],
                 y: Sequence[int], classes: int, l2: float, batched: bool) -> None:  # fmt: skip
        self.params, self.l2, self.batched = model.parameters(), l2, batched
        features = [Value(float(v)) for v in X[0]]
        labels = [Value(v) for v in sample_loss.label_row(y[0], classes)]
        out = model(features)
        self.single_output = isinstance(out, Value)
        watch = [out] if isinstance(out, Value) else list(out)
        self.replay: SampleReplay = compile_replay(sample_loss.loss(out, labels), self.params,
                                                   [*features, *labels], watch)  # fmt: skip
        self.penalty = compile_graph(l2_penalty(self.params, l2), self.params) if l2 else None
        rows = [[float(v) for v in x] + sample_loss.label_row(t, classes) for x, t in zip(X, y)]
        self.rows: Any = rows
        self.stack: Any = None  # numpy.stack, for batched replay's per-row outputs
        if batched:
            try:
                import numpy
            except ImportError:
                raise ImportError("batched replay needs NumPy: pip install 'autograd_tiny[numpy]'") from None
            # one column per sample leaf: a batch's columns come out contiguous, as batched replay reads them
            self.rows = numpy.array(rows, dtype=numpy.float64).T.copy()
            self.stack = numpy.stack

    def __call__(self, batch: list[int]) -> tuple[float, Sequence[list[float]]]:
        """Set every parameter's ``.grad`` for the mean loss over ``batch`` (+ L2); the loss and outputs."""
        values, scale = [p.data for p in self.params], 1.0 / len(batch)
        start, penalty = None, 0.0
        if self.penalty is not None:  # backward() meets the penalty's nodes first: they start the sums
            penalty, start = self.penalty(values)
        if self.batched:
            result = self.replay.batched(values, self.rows[:, batch].T, scale=scale, start=start)
            losses = result.outputs.tolist()  # floats, converted in one call
            watched = result.watched
            outputs = Rows(lambda: self.stack(watched, axis=1).tolist())  # one list of watched values per row
        else:
            result = self.replay(values, [self.rows[i] for i in batch], scale=scale, start=start)
            losses, seen = result.outputs, result.watched
            outputs = Rows(lambda: [list(row) for row in seen])
        for p, g in zip(self.params, result.grads):
            p.grad = 0.0 + g  # as backward() adds this call's total to a zeroed .grad
        data_loss = sum(losses[1:], losses[0]) * scale
        return (data_loss + penalty if self.l2 else data_loss), outputs

    def as_output(self, values: list[float]) -> Output:
        """One row's replayed model outputs as the model returns them (Values), for ``predict``."""
        with no_grad():
            return Value(values[0]) if self.single_output else [Value(v) for v in values]


def replayed_step(model: Module, objective: str, X: Sequence[Sequence[float]], y: Sequence[int],
                  classes: int, l2: float, batched: bool) -> ReplayedStep | str:  # fmt: skip
    """The replayed training step, or the reason this model and objective cannot replay."""
    sample_loss = SAMPLE_LOSSES.get(objective)
    if sample_loss is None:
        return f"loss {objective!r} has no replayable form (it decides on values in Python)"
    try:
        return ReplayedStep(model, sample_loss, X, y, classes, l2, batched)
    except ValueError as e:
        return str(e)
    except ImportError as e:
        return str(e)
