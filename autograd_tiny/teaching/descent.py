"""Notebook 4b's checks: one step of gradient descent, and the largest rate that does not diverge.

A loss here is a function of Values, loss(w, b), one per coordinate of a point, returning a Value, so the
checks differentiate it with the engine, as the learner's answer is meant to.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autograd_tiny.autodiff.grad import hessian
from autograd_tiny.engine import Value
from autograd_tiny.teaching.feedback import (
    call_answer,
    check_all_close,
    check_close,
    require_function,
)

Loss = Callable[..., Value]


def gradient_at(loss: Loss, point: Sequence[float]) -> list[float]:
    """d loss / d coordinate at point, by backward() on fresh leaves."""
    leaves = [Value(p) for p in point]
    loss(*leaves).backward()
    return [leaf.grad for leaf in leaves]


def descent_step(loss: Loss, point: Sequence[float], lr: float) -> list[float]:
    """One step of gradient descent: point - lr * gradient."""
    return [p - lr * g for p, g in zip(point, gradient_at(loss, point))]


def check_descent_step(fn: object, losses: Sequence[Loss], points: Sequence[Sequence[float]]) -> None:
    """fn(loss, point, lr) is one step of gradient descent, for every loss, point and a few rates."""
    f = require_function("descent_step", fn)
    for loss in losses:
        for point in points:
            for lr in (0.01, 0.3):
                got = call_answer("descent_step", f, loss, list(point), lr)
                check_all_close(
                    f"descent_step({getattr(loss, '__name__', 'loss')}, {list(point)}, {lr})",
                    got,
                    descent_step(loss, point, lr),
                    rel_tol=1e-9,
                    abs_tol=1e-12,
                )


def largest_stable_rate(loss: Loss, point: Sequence[float]) -> float:
    """2 / (the largest eigenvalue of loss's Hessian at point), for a loss of two coordinates."""
    (a, b), (_, d) = hessian(lambda values: loss(*values), list(point))
    top = (a + d) / 2 + math.sqrt(((a - d) / 2) ** 2 + b * b)
    return 2 / top


def check_largest_stable_rate(answer: object, loss: Loss, point: Sequence[float]) -> None:
    """answer = the largest learning rate for which gradient descent on a quadratic loss does not diverge."""
    check_close(
        "largest_stable_rate",
        answer,
        largest_stable_rate(loss, point),
        rel_tol=1e-6,
        hint="a step multiplies the distance along each eigenvector of the Hessian by 1 - lr * eigenvalue; "
        "which eigenvalue sets the limit, and at what factor does the distance start to grow?",
    )
