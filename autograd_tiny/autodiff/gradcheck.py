"""`gradcheck` and `gradgradcheck`: compare the engine's derivatives with central finite differences.

`gradcheck` checks first derivatives (`backward()`, the rules evaluated on floats);
`gradgradcheck` checks second derivatives (`grad(create_graph=True)`, the same rules evaluated on
Values) against finite differences of the first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autograd_tiny.autodiff.grad import grad
from autograd_tiny.checks import numbers_list
from autograd_tiny.engine import Value
from autograd_tiny.modes import enable_grad, no_grad


class GradcheckError(AssertionError):
    """The gradients from backward() disagree with the finite differences."""


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
    leaves = [Value(x) for x in numbers_list("gradcheck", inputs)]
    with enable_grad():  # fn's graph is what is checked, even inside no_grad()
        out = fn(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
    out.backward()
    numeric = numerical_grad(fn, inputs, eps)
    rows = []
    for i, (leaf, num) in enumerate(zip(leaves, numeric)):
        err = abs(leaf.grad - num)
        if _disagree(leaf.grad, num, atol, rtol):
            rows.append(f"{i:>5}  {leaf.data:>14.6g}  {leaf.grad:>14.8g}  {num:>14.8g}  {err:>10.3g}")
    if rows:
        header = f"{'input':>5}  {'at':>14}  {'backward()':>14}  {'numerical':>14}  {'abs error':>10}"
        raise GradcheckError(
            f"gradcheck: {len(rows)} of {len(leaves)} gradients disagree "
            f"(eps={eps}, atol={atol}, rtol={rtol}):\n" + "\n".join([header, *rows])
        )
    return True


def gradgradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check ``fn(*Values)``'s second derivatives against finite differences of its first ones.

    d2 fn / dx_i dx_j from `grad` twice (the first with ``create_graph=True``) must match
    (g_i(x + eps e_j) - g_i(x - eps e_j)) / (2 eps), where g is the gradient `backward()` gives,
    within atol + rtol * |numeric| (as HIPS autograd's ``check_grads(order=2)``). This catches a
    local rule right on floats but wrong on Values, e.g. one calling ``math.cos`` instead of
    ``m.cos``. Returns True, or raises GradcheckError with a table of the entries that disagree.
    """

    leaves = [Value(x) for x in numbers_list("gradgradcheck", inputs)]
    with enable_grad():  # both sides need the graph, even when called inside no_grad()
        out = fn(*leaves)
        if not isinstance(out, Value):
            raise TypeError(f"gradgradcheck: fn must return a Value, got {type(out).__name__}")
        firsts = grad(out, leaves, create_graph=True, materialize_grads=True)
        analytic = [grad(g, leaves, materialize_grads=True) for g in firsts]
        numeric = _second_differences(fn, [leaf.data for leaf in leaves], eps)
    rows, detached = [], []
    for i, (row, numeric_row) in enumerate(zip(analytic, numeric)):
        for j, (ana, num) in enumerate(zip(row, numeric_row)):
            err = abs(ana - num)
            if _disagree(ana, num, atol, rtol):
                at = leaves[j].data
                rows.append(f"{i:>3},{j:<3}  {at:>14.6g}  {ana:>14.8g}  {num:>14.8g}  {err:>10.3g}")
                if not firsts[i].parents and i not in detached:
                    detached.append(i)
    if rows:
        header = f"{'i,j':<7}  {'at x_j':>14}  {'grad(grad)':>14}  {'numerical':>14}  {'abs error':>10}"
        hint = (
            f"\nThe first derivatives with respect to inputs {detached} are constants in the graph of "
            "the gradient (Values with no parents): a local rule leaves the Value path (math.cos "
            "instead of m.cos, or .data), so grad(create_graph=True) cannot differentiate through it."
            if detached
            else ""
        )
        raise GradcheckError(
            f"gradgradcheck: {len(rows)} of {len(leaves) ** 2} second derivatives disagree "
            f"(eps={eps}, atol={atol}, rtol={rtol}):\n" + "\n".join([header, *rows]) + hint
        )
    return True


def _second_differences(fn: Callable[..., Value], point: list[float], eps: float) -> list[list[float]]:
    """Central differences of the backward() gradient: entry [i][j] is d g_i / dx_j."""
    columns = []
    for j, x in enumerate(point):
        up = _backward_gradient(fn, [x + eps if k == j else v for k, v in enumerate(point)])
        down = _backward_gradient(fn, [x - eps if k == j else v for k, v in enumerate(point)])
        columns.append([(a - b) / (2 * eps) for a, b in zip(up, down)])
    return [list(row) for row in zip(*columns)]


def _backward_gradient(fn: Callable[..., Value], point: list[float]) -> list[float]:
    leaves = [Value(x) for x in point]
    fn(*leaves).backward()
    return [leaf.grad for leaf in leaves]


def _disagree(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    """PyTorch's rule, |analytic - numeric| > atol + rtol |numeric|; equal infinities and two NaNs agree."""
    if analytic == numeric or (math.isnan(analytic) and math.isnan(numeric)):
        return False
    return not abs(analytic - numeric) <= atol + rtol * abs(numeric)
