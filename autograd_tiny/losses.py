"""Loss functions on Values: squared errors, micrograd's max-margin loss, and the cross-entropies.

Each takes a batch of model outputs and their targets and returns one Value (the mean over the
batch unless ``reduction="sum"``), so ``loss.backward()`` reaches every parameter. The
cross-entropies are computed through log-sum-exp, so large logits neither overflow nor lose
their gradient; they agree with PyTorch's ``F.binary_cross_entropy_with_logits`` and ``F.cross_entropy``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, TypeAlias

from autograd_tiny.checks import brief, is_list, is_real, real, whole
from autograd_tiny.engine import Value
from autograd_tiny.ops import value_sum

Scalar: TypeAlias = "Value | float"
Reduction: TypeAlias = Literal["mean", "sum"]


def _as_batch(outputs: Scalar | Sequence[Scalar], targets: float | Sequence[float], where: str
              ) -> tuple[list[Value], list[float]]:  # fmt: skip
    """Outputs as Values and targets as floats, one pair per sample; a lone output is a batch of one."""
    outs = [outputs] if isinstance(outputs, Value) or is_real(outputs) else _listed(outputs, "outputs", where)
    ts = [targets] if is_real(targets) else _listed(targets, "targets", where)
    if len(outs) != len(ts):
        raise ValueError(f"{where}: {len(outs)} outputs but {len(ts)} targets")
    if not outs:
        raise ValueError(f"{where}: the batch is empty")
    values: list[Value] = []
    for o in outs:
        if not isinstance(o, Value) and not is_real(o):
            raise TypeError(f"{where}: outputs must be Values or numbers, got {type(o).__name__}: {brief(o)}")
        values.append(o if isinstance(o, Value) else Value(o))
    numbers: list[float] = []
    for t in ts:
        if not is_real(t):
            raise TypeError(f"{where}: targets must be numbers, got {type(t).__name__}: {brief(t)}")
        numbers.append(float(t))
    return values, numbers


def _listed(batch: object, what: str, where: str) -> list[object]:
    """A batch given as a list, tuple or other iterable, as a list; TypeError for anything else."""
    if isinstance(batch, (str, bytes)) or not isinstance(batch, Iterable):
        raise TypeError(f"{where}: {what} must be a number or a sequence of them, got {type(batch).__name__}")
    return list(batch)


def _reduce(terms: list[Value], reduction: Reduction, where: str) -> Value:
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{where}: reduction must be 'mean' or 'sum', got {reduction!r}")
    total = value_sum(terms)  # one node; the numbers of micrograd's chain of +, added in the same order
    out = total if reduction == "sum" else total * (1.0 / len(terms))
    out.label = f"{where} ({reduction})"  # the loss reads as such in a graph picture
    return out


def mse_loss(outputs: Scalar | Sequence[Scalar], targets: float | Sequence[float],
             reduction: Reduction = "mean") -> Value:  # fmt: skip
    """Mean squared error, mean of (y - t)^2 (PyTorch's ``F.mse_loss``)."""
    ys, ts = _as_batch(outputs, targets, "mse_loss")
    return _reduce([(y - t) ** 2 for y, t in zip(ys, ts)], reduction, "mse_loss")


def half_squared_error(outputs: Scalar | Sequence[Scalar], targets: float | Sequence[float]) -> Value:
    """The derivation's cost c = 1/2 sum_i (y_i - t_i)^2, whose gradient in y is simply y - t.

    Pass one sample's output vector (or one output); it is a sum, not a mean, as in the
    derivation of backpropagation's delta rules.
    """
    ys, ts = _as_batch(outputs, targets, "half_squared_error")
    return _reduce([(y - t) ** 2 for y, t in zip(ys, ts)], "sum", "half_squared_error") * 0.5


def hinge_loss(scores: Scalar | Sequence[Scalar], labels: float | Sequence[float],
               reduction: Reduction = "mean") -> Value:  # fmt: skip
    """micrograd's max-margin loss: mean of relu(1 - y * score), for labels y = +1 / -1.

    Label 0 counts as -1, so the 0/1 labels of `autograd_tiny.data` work as they are.
    """
    ss, ys = _as_batch(scores, labels, "hinge_loss")
    for y in ys:
        if y not in (-1.0, 0.0, 1.0):
            raise ValueError(f"hinge_loss: labels must be +1 or -1 (or 0 for -1), got {y!r}")
    terms = []
    for s, y in zip(ss, ys):
        margin = 1 + -(y or -1.0) * s
        margin.label = "margin"
        terms.append(margin.relu())
        terms[-1].label = "hinge"
    return _reduce(terms, reduction, "hinge_loss")


def binary_cross_entropy_with_logits(logits: Scalar | Sequence[Scalar], targets: float | Sequence[float],
                                     reduction: Reduction = "mean") -> Value:  # fmt: skip
    """-[t log s(z) + (1 - t) log(1 - s(z))] for logits z and targets t in [0, 1], s the sigmoid.

    Written as max(z, 0) - z t + log(1 + e^-|z|), with the branch chosen on z's value so
    that e never sees a positive exponent; the gradient is s(z) - t, exact even at z = 0.
    """
    zs, ts = _as_batch(logits, targets, "binary_cross_entropy_with_logits")
    for t in ts:
        if not 0 <= t <= 1:
            raise ValueError(f"binary_cross_entropy_with_logits: targets must lie in [0, 1], got {t!r}")
    terms = [
        (z * (1 - t) + ((-z).exp() + 1).log()) if z.data >= 0 else (z.exp() + 1).log() - z * t
        for z, t in zip(zs, ts)
    ]
    return _reduce(terms, reduction, "binary_cross_entropy_with_logits")


def cross_entropy(logits: Sequence[Sequence[Scalar]], targets: Sequence[int],
                  reduction: Reduction = "mean") -> Value:  # fmt: skip
    """Softmax cross-entropy: for each sample, log sum_j e^(z_j) - z_target (``F.cross_entropy``).

    ``logits`` holds one list of class scores per sample and ``targets`` the class indices.
    The log-sum-exp subtracts the largest score first (a constant, so the gradient is
    unchanged: softmax(z) - onehot(target)) and never overflows.
    """
    if not is_list(logits) or not logits or isinstance(logits[0], Value) or is_real(logits[0]):
        raise TypeError("cross_entropy: logits must be a batch: one list of class scores per sample")
    if len(logits) != len(targets):
        raise ValueError(f"cross_entropy: {len(logits)} samples of logits but {len(targets)} targets")
    terms = []
    for row, target in zip(logits, targets):
        zs = [z if isinstance(z, Value) else Value(z) for z in row]
        if not 0 <= whole(target, "cross_entropy: target") < len(zs):
            raise ValueError(f"cross_entropy: target must be a class index 0..{len(zs) - 1}, got {target!r}")
        top = max(z.data for z in zs)
        exps = [(z - top).exp() for z in zs]
        terms.append(value_sum(exps).log() + top - zs[target])
    return _reduce(terms, reduction, "cross_entropy")


def l2_penalty(parameters: Sequence[Value], alpha: float) -> Value:
    """alpha * sum of p^2: the weight penalty of micrograd's demo (gradient 2 alpha p)."""
    if not parameters:
        raise ValueError("l2_penalty: no parameters")
    alpha = real(alpha, "l2_penalty: alpha")
    return alpha * value_sum([p * p for p in parameters])
