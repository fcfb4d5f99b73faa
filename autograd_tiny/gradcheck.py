"""`gradcheck`: compare the engine's gradients with central finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autograd_tiny.engine import Value, is_real, no_grad


class GradcheckError(AssertionError):
    """The gradients from backward() disagree with the finite differences."""


def leaves_at(what: str, xs: Sequence[float]) -> list[Value]:
    """Fresh leaf Values at the numbers xs, after checking xs is a non-empty list of real numbers."""
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"{what}: expected a list of numbers, got {type(xs).__name__}: {xs!r}")
    if not xs:
        raise ValueError(f"{what}: needs at least one input")
    for x in xs:
        if not is_real(x):
            raise TypeError(f"{what}: inputs must be numbers, got {type(x).__name__}: {x!r}")
    return [Value(x) for x in xs]


def numerical_grad(fn: Callable[..., Value], inputs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """Central differences (f(x + eps) - f(x - eps)) / (2 eps) for each input in turn."""
    point = [float(x) for x in inputs]
    slopes = []
    with no_grad():
        for i, x in enumerate(point):
            up = fn(*[Value(x + eps if j == i else v) for j, v in enumerate(point)]).data
            down = fn(*[Value(x - eps if j == i else v) for j, v in enumerate(point)]).data
            slopes.append((up - down) / (2 * eps))
    return slopes


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check ``fn(*Values)``'s backward() gradients against central finite differences.

    Passes when |analytic - numeric| <= atol + rtol * |numeric| for every input (PyTorch's
    rule and defaults). Returns True, or raises GradcheckError with a table of the inputs
    that disagree.
    """
    leaves = leaves_at("gradcheck", inputs)
    out = fn(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
    out.backward()
    numeric = numerical_grad(fn, inputs, eps)
    rows = []
    for i, (leaf, num) in enumerate(zip(leaves, numeric)):
        err = abs(leaf.grad - num)
        if not err <= atol + rtol * abs(num) and not (leaf.grad == num or _both_nan(leaf.grad, num)):
            rows.append(f"{i:>5}  {leaf.data:>14.6g}  {leaf.grad:>14.8g}  {num:>14.8g}  {err:>10.3g}")
    if rows:
        header = f"{'input':>5}  {'at':>14}  {'backward()':>14}  {'numerical':>14}  {'abs error':>10}"
        raise GradcheckError(
            f"gradcheck: {len(rows)} of {len(leaves)} gradients disagree "
            f"(eps={eps}, atol={atol}, rtol={rtol}):\n" + "\n".join([header, *rows])
        )
    return True


def _both_nan(a: float, b: float) -> bool:
    return math.isnan(a) and math.isnan(b)
