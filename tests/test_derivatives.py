"""`grad` and `hessian`: gradients as values, and gradients of gradients to any order.

Second derivatives are checked against PyTorch's double backward in float64, third and higher
ones against closed forms.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from test_engine_properties import KINKED_UNARY, SMOOTH_UNARY, Step, programs, run

import autograd_tiny
from autograd_tiny import RULES, Value, backward_order, grad, hessian, is_grad_enabled, no_grad
from autograd_tiny.engine import CHOSEN_CASES

torch = pytest.importorskip("torch")

Fn = Callable[..., Any]

# name -> (expression written once for Values and tensors alike, points inside its domain).
# Together they use every rule in RULES, each constant rule with the constant on both sides.
SECOND_DERIVATIVE_CASES: dict[str, tuple[Fn, list[tuple[float, ...]]]] = {
    "+": (lambda x, y: (x + y) ** 3, [(0.5, -1.25)]),
    "-": (lambda x, y: (x - y) ** 3, [(0.5, -1.25)]),
    "*": (lambda x, y: x * y, [(1.5, -2.0), (0.0, 3.0)]),
    "/": (lambda x, y: x / y, [(1.5, -2.0), (0.0, 3.0)]),
    "**": (lambda x, y: x**y, [(1.5, -2.0), (0.5, 2.5), (3.0, 1.0)]),
    "+k": (lambda x: (x + 2.5) ** 2, [(-1.0,)]),
    "k+": (lambda x: (2.5 + x) ** 2, [(-1.0,)]),
    "-k": (lambda x: (x - 2.5) ** 2, [(-1.0,)]),
    "k-": (lambda x: (2.5 - x) ** 2, [(-1.0,)]),
    "*k": (lambda x: (x * -3) ** 2, [(0.5,)]),
    "k*": (lambda x: (-3 * x) ** 2, [(0.5,)]),
    "/k": (lambda x: (x / 4) ** 3, [(1.5,)]),
    "k/": (lambda x: 4 / x, [(-1.0,), (3.0,)]),
    "**k": (lambda x: x**3, [(-1.2,), (0.0,), (2.0,)]),
    "**-2": (lambda x: x**-2, [(-1.2,), (0.5,)]),
    "**0.5": (lambda x: x**0.5, [(0.3,), (4.0,)]),
    "k**": (lambda x: 2.0**x, [(-1.0,), (3.0,)]),
    "neg": (lambda x: (-x) ** 3, [(-1.5,)]),
    "exp": (lambda x: x.exp(), [(-2.0,), (1.3,)]),
    "log": (lambda x: x.log(), [(0.2,), (7.5,)]),
    "sqrt": (lambda x: x.sqrt(), [(0.04,), (9.0,)]),
    "tanh": (lambda x: x.tanh(), [(-3.0,), (0.0,), (0.7,)]),
    "sigmoid": (lambda x: x.sigmoid(), [(-40.0,), (-1.0,), (0.0,), (2.5,), (40.0,)]),
    "relu": (lambda x: x.relu() * x, [(-1.0,), (0.0,), (2.0,)]),
    "sin": (lambda x: x.sin(), [(-2.0,), (0.5,)]),
    "cos": (lambda x: x.cos(), [(-2.0,), (0.5,)]),
    "abs": (lambda x: abs(x) * x, [(-2.0,), (0.0,), (3.0,)]),
    "sum": (lambda x, y: total([x * y, x, y * y]) ** 2, [(0.5, -1.25)]),
}


def total(values: list[Any]) -> Any:
    """The n-ary sum for Values, a chain of + for tensors."""
    return autograd_tiny.sum(values) if isinstance(values[0], Value) else builtins.sum(values)


def torch_hessian_by_double_backward(fn: Fn, point: tuple[float, ...]) -> list[list[float]]:
    """PyTorch's double backward: grad(create_graph=True), then grad of each gradient."""
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    firsts = torch.autograd.grad(fn(*ts), ts, create_graph=True, materialize_grads=True)
    rows = []
    for g in firsts:
        if not g.requires_grad:  # a constant gradient: PyTorch will not differentiate it
            rows.append([0.0] * len(ts))
        else:
            rows.append(
                [s.item() for s in torch.autograd.grad(g, ts, retain_graph=True, materialize_grads=True)]
            )
    return rows


def our_hessian_by_double_grad(fn: Fn, point: tuple[float, ...]) -> list[list[float]]:
    xs = [Value(x) for x in point]
    firsts = grad(fn(*xs), xs, create_graph=True)
    return [list(grad(g, xs, materialize_grads=True)) for g in firsts]


def assert_close(ours: list[list[float]], theirs: list[list[float]]) -> None:
    for row, expected_row in zip(ours, theirs):
        for a, b in zip(row, expected_row):
            assert a == pytest.approx(b, rel=1e-12, abs=1e-12), f"{ours} != {theirs}"


def test_the_second_derivative_cases_use_every_rule() -> None:
    used = set()
    for fn, points in SECOND_DERIVATIVE_CASES.values():
        leaves = [Value(x) for x in points[0]]
        out = fn(*leaves)
        used |= {node.rule for node in backward_order(out)}
        for g in grad(out, leaves, create_graph=True, materialize_grads=True):  # relu' and abs' (step, sign)
            used |= {node.rule for node in backward_order(g)}
    assert used - {""} - CHOSEN_CASES == set(RULES)


@pytest.mark.parametrize(
    ("name", "point"), [(n, p) for n, (_, ps) in SECOND_DERIVATIVE_CASES.items() for p in ps]
)
def test_second_derivatives_of_every_operation_match_pytorch_double_backward(
    name: str, point: tuple[float, ...]
) -> None:
    fn = SECOND_DERIVATIVE_CASES[name][0]
    assert_close(our_hessian_by_double_grad(fn, point), torch_hessian_by_double_backward(fn, point))


def test_a_power_at_exponent_zero_follows_pytorchs_mask_one_order_up_too() -> None:
    # PyTorch holds d/dx x**y at 0 where y = 0, so its derivative there is 0 too: the Hessian of
    # x**y at (2, 0) is not symmetric, and (1 + x/2) ** x has f''(0) = 0.5, not the exact 1.
    assert hessian(lambda v: v[0] ** v[1], [2.0, 0.0]) == [[0.0, 0.0], [0.5, math.log(2.0) ** 2]]
    assert hessian(lambda v: (v[0] * 0.5 + 1.0) ** v[0], [0.0]) == [[0.5]]


def test_the_second_derivative_of_x_to_the_first_at_zero_is_zero() -> None:
    assert hessian(lambda v: v[0] ** 1, [0.0]) == [[0.0]]


@settings(max_examples=60, deadline=None)
@given(programs({**SMOOTH_UNARY, **KINKED_UNARY}))
def test_hessians_of_random_graphs_match_pytorch(program: tuple[list[float], list[Step]]) -> None:
    inputs, steps = program
    unary = {**SMOOTH_UNARY, **KINKED_UNARY}
    point = tuple(torch.tensor(x, dtype=torch.float64) for x in inputs)
    expected = torch.autograd.functional.hessian(lambda *ts: run(steps, unary, *ts), point)
    ours = hessian(lambda xs: run(steps, unary, *xs), inputs)
    assert_close(ours, [[float(e) for e in row] for row in expected])


def nth_derivative(fn: Callable[[Value], Value], x: float, n: int) -> float:
    v = Value(x)
    d = fn(v)
    for _ in range(n - 1):
        (d,) = grad(d, v, create_graph=True)
    return grad(d, v)[0]


THIRD_DERIVATIVES: dict[str, tuple[Callable[[Value], Value], Callable[[float], float]]] = {
    "x**4": (lambda x: x**4, lambda x: 24 * x),
    "sin": (lambda x: x.sin(), lambda x: -math.cos(x)),
    "exp(2x)": (lambda x: (2 * x).exp(), lambda x: 8 * math.exp(2 * x)),
    "log": (lambda x: x.log(), lambda x: 2 / x**3),
    "1/x": (lambda x: 1 / x, lambda x: -6 / x**4),
    "sqrt": (lambda x: x.sqrt(), lambda x: 3 / 8 * x**-2.5),
    "tanh": (lambda x: x.tanh(), lambda x: -2 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2)),
    "sigmoid": (
        lambda x: x.sigmoid(),
        lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s) * (1 - 6 * s + 6 * s * s),
    ),
}


@pytest.mark.parametrize("name", THIRD_DERIVATIVES)
@pytest.mark.parametrize("x", [0.3, 1.7])
def test_third_derivatives_match_closed_forms(name: str, x: float) -> None:
    fn, closed_form = THIRD_DERIVATIVES[name]
    assert nth_derivative(fn, x, 3) == pytest.approx(closed_form(x), rel=1e-12)


@pytest.mark.parametrize("n", range(1, 9))
def test_derivatives_to_any_order_sin_cycles_through_cos_and_back(n: int) -> None:
    assert nth_derivative(lambda x: x.sin(), 0.4, n) == pytest.approx(
        math.sin(0.4 + n * math.pi / 2), rel=1e-12
    )


def test_mixed_third_derivatives_match_closed_forms() -> None:
    x, y, z = Value(0.8), Value(1.3), Value(-0.6)
    (dx,) = grad(x * y * z, x, create_graph=True)
    (dxy,) = grad(dx, y, create_graph=True)
    assert grad(dxy, z) == (1.0,)
    # f = x**y: d3f / dx dy2 = x**(y-1) log x (2 + y log x)
    (dx,) = grad(x**y, x, create_graph=True)
    (dxy,) = grad(dx, y, create_graph=True)
    expected = 0.8**0.3 * math.log(0.8) * (2 + 1.3 * math.log(0.8))
    assert grad(dxy, y)[0] == pytest.approx(expected, rel=1e-12)


def test_hessian_matches_pytorch_on_the_rosenbrock_function() -> None:
    def rosenbrock(a: Any, b: Any) -> Any:
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2

    expected = torch.autograd.functional.hessian(
        rosenbrock, (torch.tensor(-1.2, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64))
    )
    ours = hessian(lambda v: rosenbrock(*v), [-1.2, 1.0])
    assert_close(ours, [[float(e) for e in row] for row in expected])
    assert ours == [[1330.0, 480.0], [480.0, 200.0]]  # by hand: 2 - 400 (b - 3a^2), -400 a, 200


def test_hessian_of_a_linear_function_is_zero_and_unused_inputs_give_zero_rows() -> None:
    assert hessian(lambda v: 3 * v[0] - v[1] + 2, [1.0, 2.0]) == [[0.0, 0.0], [0.0, 0.0]]
    assert hessian(lambda v: v[0] ** 3, [2.0, 5.0]) == [[12.0, 0.0], [0.0, 0.0]]


# ---- grad: the first-order contract --------------------------------------------------------------


def mixed(x: Value, y: Value) -> Value:
    z = x * y + x.exp()
    return (z.tanh() + z / (y * y + 1.0)).sigmoid() * (x - 2.0) ** 2


def test_grad_without_create_graph_gives_exactly_the_floats_backward_gives() -> None:
    x, y = Value(0.7), Value(-1.3)
    out = mixed(x, y)
    gx, gy = grad(out, [x, y])
    out.backward()
    assert (gx, gy) == (x.grad, y.grad)
    assert type(gx) is float


def test_grad_with_create_graph_gives_values_with_the_same_numbers() -> None:
    x, y = Value(0.7), Value(-1.3)
    out = mixed(x, y)
    as_floats = grad(out, [x, y])
    as_values = grad(out, [x, y], create_graph=True)
    assert all(isinstance(g, Value) for g in as_values)
    assert [g.data for g in as_values] == pytest.approx(list(as_floats), rel=1e-14)


def test_grad_touches_no_grad_and_no_data() -> None:
    x, y = Value(0.7), Value(-1.3)
    out = mixed(x, y)
    nodes = backward_order(out)
    for i, node in enumerate(nodes):
        node.grad = float(i)
    before = [(n.data, n.grad) for n in nodes]
    grad(out, [x, y])
    (gx, _) = grad(out, [x, y], create_graph=True)
    grad(gx, [x, y])
    assert [(n.data, n.grad) for n in nodes] == before


def test_grad_with_respect_to_an_intermediate_value_and_to_the_output_itself() -> None:
    x = Value(0.4)
    z = x * 3.0
    out = z.sin() + z
    assert grad(out, [z, x, out]) == pytest.approx((math.cos(1.2) + 1, 3 * (math.cos(1.2) + 1), 1.0))


def test_a_single_value_as_inputs_gives_a_one_tuple() -> None:
    x = Value(2.0)
    assert grad(x * x, x) == (4.0,)


def test_an_unused_input_is_an_error_unless_allowed() -> None:
    x, w = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=r"grad: input 1 \(Value\(data=2.0.*not used.*allow_unused=True"):
        grad(x * x, [x, w])
    assert grad(x * x, [x, w], allow_unused=True) == (2.0, None)
    assert grad(x * x, [x, w], materialize_grads=True) == (2.0, 0.0)
    zero = grad(x * x, [x, w], create_graph=True, materialize_grads=True)[1]
    assert isinstance(zero, Value) and zero.data == 0.0
    with pytest.raises(ValueError, match=r"materialize_grads=True .* needs allow_unused=True"):
        grad(x * x, [x, w], allow_unused=False, materialize_grads=True)


def test_a_constant_gradient_does_not_depend_on_the_input_like_pytorch() -> None:
    x = Value(1.5)
    (slope,) = grad(3 * x + 1, x, create_graph=True)
    assert isinstance(slope, Value) and slope.data == 3.0
    with pytest.raises(ValueError, match="not used"):
        grad(slope, x)
    assert grad(slope, x, materialize_grads=True) == (0.0,)


def test_values_made_under_no_grad_are_leaves() -> None:
    x = Value(1.5)
    with no_grad():
        out = x * x
        with pytest.raises(ValueError, match="not used"):
            grad(out, x)
    assert grad(out, out) == (1.0,)


def test_create_graph_records_the_gradient_even_under_no_grad_as_pytorch_does() -> None:
    x = Value(2.0)
    y = x**3
    with no_grad():
        (slope,) = grad(y, x, create_graph=True)
        assert not is_grad_enabled()
    assert slope.data == 12.0
    assert grad(slope, x) == (12.0,)  # d/dx 3 x^2 = 6 x


@pytest.mark.parametrize(
    ("output", "inputs", "error", "message"),
    [
        (1.0, [Value(1.0)], TypeError, "grad: output must be a Value, got float"),
        (Value(1.0), [1.0], TypeError, "grad: input 0 must be a Value, got float"),
        (Value(1.0), "x", TypeError, "grad: inputs must be a Value or a list of Values, got str"),
        (Value(1.0), 2.0, TypeError, "grad: inputs must be a Value or a list of Values, got float"),
        (Value(1.0), [], ValueError, "grad: inputs is empty"),
    ],
)
def test_grad_rejects_bad_arguments(output: Any, inputs: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        grad(output, inputs)


@pytest.mark.parametrize(
    ("fn", "xs", "error", "message"),
    [
        (lambda v: 1.0, [1.0], TypeError, "hessian: fn must return a Value, got float"),
        (lambda v: v[0], [], ValueError, "hessian: needs at least one input"),
        (lambda v: v[0], 1.0, TypeError, "hessian: expected a list of numbers, got float"),
        (lambda v: v[0], ["a"], TypeError, "hessian: inputs must be numbers, got str"),
        (lambda v: v[0], [True], TypeError, "hessian: inputs must be numbers, got bool"),
    ],
)
def test_hessian_rejects_bad_arguments(fn: Fn, xs: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        hessian(fn, xs)


def test_an_infinite_gradient_is_differentiated_further_as_pytorch_does() -> None:
    """sqrt's derivative at 0 is inf (a pole): one order up it is a Value of inf, as on floats, and the
    second derivative is -inf, PyTorch's (float64) answers; a relu below masks them to 0, as PyTorch's."""
    x = Value(0.0)
    assert grad(x.sqrt(), x) == (math.inf,)  # first order, on floats, as backward() and PyTorch
    (first,) = grad(x.sqrt(), x, create_graph=True)
    assert first.data == math.inf and grad(first, x) == (-math.inf,)
    assert hessian(lambda v: v[0] ** 0.5, [0.0]) == [[-math.inf]]
    masked = lambda v: v[0].relu().sqrt()
    assert hessian(masked, [-1.0]) == hessian(masked, [0.0]) == [[0.0]]
