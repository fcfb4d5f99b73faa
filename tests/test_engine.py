"""The engine's specification: values, gradients, conventions and errors of every operation."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest
from optional import OnFirstUse

from autograd_tiny import (
    RULES,
    Value,
    backward_order,
    compile_graph,
    define_op,
    enable_grad,
    grad,
    gradcheck,
    is_grad_enabled,
    no_grad,
)
from autograd_tiny.autodiff.gradcheck import GradcheckError

torch: Any = OnFirstUse("torch")  # the comparisons with PyTorch are skipped where it is missing

# name -> (autograd_tiny expression, torch expression, points inside the domain)
UNARY: dict[str, tuple[Callable[[Value], Value], Callable[[object], object], list[float]]] = {
    "neg": (lambda x: -x, lambda x: -x, [-1.5, 0.3]),
    "exp": (lambda x: x.exp(), lambda x: x.exp(), [-2.0, 0.0, 1.3]),
    "log": (lambda x: x.log(), lambda x: x.log(), [0.2, 1.0, 7.5]),
    "sqrt": (lambda x: x.sqrt(), lambda x: x.sqrt(), [0.04, 2.0, 9.0]),
    "tanh": (lambda x: x.tanh(), lambda x: x.tanh(), [-3.0, 0.0, 0.7]),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: x.sigmoid(), [-40.0, -1.0, 0.0, 2.5, 40.0]),
    "relu": (lambda x: x.relu(), lambda x: x.relu(), [-1.0, 0.0, 2.0]),
    "sin": (lambda x: x.sin(), lambda x: x.sin(), [-2.0, 0.5, 3.0]),
    "cos": (lambda x: x.cos(), lambda x: x.cos(), [-2.0, 0.5, 3.0]),
    "abs": (lambda x: abs(x), lambda x: x.abs(), [-2.0, 0.0, 3.0]),
    "**3": (lambda x: x**3, lambda x: x**3, [-1.2, 0.0, 2.0]),
    "**-2": (lambda x: x**-2, lambda x: x**-2, [-1.2, 0.5]),
    "**0.5": (lambda x: x**0.5, lambda x: x**0.5, [0.3, 4.0]),
    "+k": (lambda x: x + 2.5, lambda x: x + 2.5, [-1.0, 3.0]),
    "k+": (lambda x: 2.5 + x, lambda x: 2.5 + x, [-1.0, 3.0]),
    "-k": (lambda x: x - 2.5, lambda x: x - 2.5, [-1.0, 3.0]),
    "k-": (lambda x: 2.5 - x, lambda x: 2.5 - x, [-1.0, 3.0]),
    "*k": (lambda x: x * -3, lambda x: x * -3, [-1.0, 3.0]),
    "k*": (lambda x: -3 * x, lambda x: -3 * x, [-1.0, 3.0]),
    "/k": (lambda x: x / 4, lambda x: x / 4, [-1.0, 3.0]),
    "k/": (lambda x: 4 / x, lambda x: 4 / x, [-1.0, 3.0]),
    "k**": (lambda x: 2.0**x, lambda x: 2.0**x, [-1.0, 3.0]),
}

BINARY: dict[str, tuple[Callable[[Value, Value], Value], list[tuple[float, float]]]] = {
    "+": (lambda x, y: x + y, [(1.0, -2.0)]),
    "-": (lambda x, y: x - y, [(1.0, -2.0)]),
    "*": (lambda x, y: x * y, [(1.5, -2.0), (0.0, 3.0)]),
    "/": (lambda x, y: x / y, [(1.5, -2.0), (0.0, 3.0)]),
    "**": (lambda x, y: x**y, [(1.5, -2.0), (0.5, 2.5), (2.0, 0.0), (-2.0, 3.0)]),
}


def torch_grads(fn: Callable[..., object], *xs: float) -> tuple[float, list[float]]:
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward()  # type: ignore[attr-defined]
    return out.item(), [t.grad.item() for t in ts]  # type: ignore[attr-defined]


def close(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_the_rule_table_covers_every_operation_tested_here() -> None:
    assert set(RULES) == {
        "+", "+k", "-", "-k", "k-", "*", "*k", "/", "/k", "k/", "**", "**k", "k**",
        "neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "abs", "sum",
        "step", "sign",  # relu's and abs's derivatives, as operations in graphs of gradients
    }  # fmt: skip


@pytest.mark.parametrize(("name", "x"), [(n, x) for n, (_, _, xs) in UNARY.items() for x in xs])
def test_unary_value_and_gradient_match_pytorch(name: str, x: float) -> None:
    ours, theirs, _ = UNARY[name]
    v = Value(x)
    out = ours(v)
    out.backward()
    expected, (grad,) = torch_grads(theirs, x)
    assert close(out.data, expected)
    assert close(v.grad, grad), f"{name}'({x}) = {v.grad}, PyTorch says {grad}"


@pytest.mark.parametrize(("name", "xy"), [(n, p) for n, (_, ps) in BINARY.items() for p in ps])
def test_binary_value_and_gradients_match_pytorch(name: str, xy: tuple[float, float]) -> None:
    fn, _ = BINARY[name]
    a, b = Value(xy[0]), Value(xy[1])
    out = fn(a, b)
    out.backward()
    expected, (ga, gb) = torch_grads(fn, *xy)
    assert close(out.data, expected)
    assert close(a.grad, ga), (name, xy, a.grad, ga)
    assert close(b.grad, gb), (name, xy, b.grad, gb)


def test_a_node_used_several_times_accumulates_every_use() -> None:
    def f(x: object, y: object) -> object:
        z = x * y + x  # type: ignore[operator]
        return z * z + z.tanh() * x - y / z  # type: ignore[attr-defined,operator]

    a, b = Value(0.7), Value(-1.3)
    out = f(a, b)
    out.backward()  # type: ignore[attr-defined]
    expected, (ga, gb) = torch_grads(f, 0.7, -1.3)
    assert close(out.data, expected)  # type: ignore[attr-defined]
    assert close(a.grad, ga) and close(b.grad, gb)


def test_x_times_x_counts_both_edges() -> None:
    x = Value(3.0)
    y = x * x
    y.backward()
    assert y.parents == (x, x)
    assert x.grad == 6.0


@pytest.mark.parametrize(
    ("op", "x", "grad"),
    [("relu", 0.0, 0.0), ("abs", 0.0, 0.0), ("relu", -0.0, 0.0), ("abs", -0.0, 0.0)],
)
def test_kinks_follow_pytorch(op: str, x: float, grad: float) -> None:
    v = Value(x)
    getattr(v, op)().backward()
    assert v.grad == grad
    _, (torch_grad,) = torch_grads(lambda t: getattr(t, op)(), x)
    assert torch_grad == grad


def test_sqrt_at_zero_has_an_infinite_gradient_like_pytorch() -> None:
    v = Value(0.0)
    out = v.sqrt()
    out.backward()
    assert out.data == 0.0 and v.grad == math.inf


def test_sigmoid_is_stable_far_from_zero_and_its_derivative_is_s_times_one_minus_s() -> None:
    for x in (-800.0, -3.0, 0.0, 3.0, 800.0):
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert 0.0 <= s.data <= 1.0
        assert v.grad == pytest.approx(s.data * (1 - s.data), abs=1e-300)


def test_python_numbers_work_on_either_side() -> None:
    x = Value(2.0)
    assert [e.data for e in (x + 1, 1 + x, x - 1, 1 - x, x * 3, 3 * x, x / 4, 4 / x, x**2, 2**x)] == [
        3.0, 3.0, 1.0, -1.0, 6.0, 6.0, 0.5, 2.0, 4.0, 4.0,
    ]  # fmt: skip


def test_constants_make_no_extra_nodes_and_show_in_the_op_name() -> None:
    x = Value(2.0)
    assert (x * 3).parents == (x,)
    assert [(x * 3).op, (x**2).op, (2 - x).op, (x / 4).op, x.tanh().op, (x + x).op, x.op] == [
        "*3", "**2", "2-", "/4", "tanh", "+", "",
    ]  # fmt: skip


def test_builtin_sum_of_values() -> None:
    xs = [Value(float(i)) for i in range(5)]
    total = sum(xs)
    assert isinstance(total, Value) and total.data == 10.0
    total.backward()
    assert [x.grad for x in xs] == [1.0] * 5


def test_backward_twice_doubles_every_grad_like_pytorch_with_retained_graph() -> None:
    x = Value(0.5)
    y = (x * 3).tanh()
    z = y * y
    z.backward()
    first = (x.grad, y.grad)
    z.backward()
    assert (x.grad, y.grad) == (2 * first[0], 2 * first[1])
    tx = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    tz = (tx * 3).tanh() ** 2
    tz.backward(retain_graph=True)
    tz.backward()
    assert close(x.grad, tx.grad.item())


def test_backward_order_puts_every_node_before_its_parents() -> None:
    x, y = Value(1.0), Value(2.0)
    a = x * y
    b = a + x
    c = b * a
    order = backward_order(c)
    assert order[0] is c and set(order) == {x, y, a, b, c}
    position = {node: i for i, node in enumerate(order)}
    assert all(position[n] < position[p] for n in order for p in n.parents)


def test_a_million_operation_chain_backpropagates_without_recursion() -> None:
    x = Value(1.0)
    y = x
    for _ in range(500_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert y.data == 1.0 and x.grad == 1.0


def test_a_200000_term_sum_backpropagates() -> None:
    rng = random.Random(0)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(200_000)]
    total = sum(x * 2.0 for x in xs)
    assert isinstance(total, Value)
    total.backward()
    assert all(x.grad == 2.0 for x in xs)
    assert total.data == pytest.approx(sum(2.0 * x.data for x in xs))


def test_no_grad_records_no_graph_and_restores_itself() -> None:
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + 1
        with pytest.raises(RuntimeError), no_grad():
            raise RuntimeError("leaving by an exception still restores the mode")
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert y.data == 5.0 and y.parents == () and y.local_grads == ()
    y.backward()
    assert x.grad == 0.0


def test_enable_grad_records_again_inside_no_grad() -> None:
    x = Value(2.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            y = x * x
        assert not is_grad_enabled()
        z = x * x
    assert y.parents == (x, x) and z.parents == ()


def test_comparisons_use_data_and_build_no_graph_while_equality_stays_identity() -> None:
    a, b = Value(1.0), Value(2.0)
    assert a < b and b > 1 and a <= 1.0 and b >= a
    assert a != Value(1.0) and a == a
    assert max([a, b]) is b
    assert len({a, b, a}) == 2


def test_value_shows_its_data_grad_and_label() -> None:
    v = Value(1.5, label="w")
    assert repr(v) == "Value(data=1.5, grad=0.0, label='w')"
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"
    assert isinstance(Value(2).data, float)


@pytest.mark.parametrize("bad", ["abc", None, [1.0], True, 1j])
def test_value_rejects_non_numbers_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)  # type: ignore[arg-type]


def test_value_of_a_value_is_refused_with_a_hint() -> None:
    with pytest.raises(TypeError, match=r"use its \.data"):
        Value(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "expression",
    [
        lambda x: x + "a",
        lambda x: "a" * x,
        lambda x: x - None,
        lambda x: x / [1],
        lambda x: x ** "2",
        lambda x: {} ** x,
    ],
)
def test_unsupported_operands_raise_type_error(expression: Callable[[Value], object]) -> None:
    with pytest.raises(TypeError):
        expression(Value(2.0))


@pytest.mark.parametrize(
    ("expression", "error", "message"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log.*0\.0"),
        (lambda: Value(-2.0).log(), ValueError, r"log.*-2\.0"),
        (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt.*-1\.0"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"pow.*-8\.0"),
        (lambda: Value(-8.0) ** Value(0.5), ValueError, r"pow.*-8\.0"),
        (lambda: (-8.0) ** Value(0.5), ValueError, r"pow.*-8\.0"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, r"pow: 0\.0 to the negative power -1"),
        (lambda: Value(-0.0) ** -1, ZeroDivisionError, r"pow: -0\.0 to the negative power -1"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"division.*1\.0"),
        (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, r"division"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, r"division"),
    ],
)
def test_out_of_domain_math_raises_at_the_forward_call(
    expression: Callable[[], Value], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        expression()


def test_negative_base_to_an_integer_power_is_fine() -> None:
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_nan_and_inf_data_propagate_as_ieee() -> None:
    assert math.isnan((Value(math.nan) * 2).data)
    assert (Value(math.inf) + 1).data == math.inf
    assert math.isnan((Value(math.inf) * 0).data)
    assert Value(math.inf).tanh().data == 1.0


def test_gradcheck_passes_for_the_engine_and_reports_a_wrong_derivative() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + (x / y).exp(), [0.3, -1.2])

    def cube_with_wrong_derivative(x: Value) -> Value:
        out = x**3
        out._dx = 2 * x.data**2  # the true derivative is 3 x^2
        return out

    with pytest.raises(GradcheckError, match=r"1 of 1 gradients disagree"):
        gradcheck(cube_with_wrong_derivative, [1.5])


def test_gradcheck_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match="str"):
        gradcheck(lambda x: x, ["a"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda x: 1.0, [1.0])  # type: ignore[arg-type,return-value]


def test_define_op_adds_an_operation_that_backward_grad_and_compile_all_use(own_rules: None) -> None:
    softplus = define_op(
        "softplus", lambda m, x, _: m.log(1.0 + m.exp(x)), lambda m, x, _, out: (m.sigmoid(x),)
    )
    x = Value(0.3)
    y = softplus(x * 2)
    y.backward()
    t = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    ty = torch.nn.functional.softplus(t * 2)
    ty.backward()
    assert y.op == "softplus" and RULES["softplus"][0] is not None
    assert close(y.data, ty.item()) and close(x.grad, t.grad.item())
    assert gradcheck(lambda a: softplus(a * a), [0.7])
    (slope,) = grad(softplus(x), x, create_graph=True)
    assert close(grad(slope, x)[0], math.exp(-0.3) / (1 + math.exp(-0.3)) ** 2)  # sigmoid'(0.3)
    replay = compile_graph(y, [x])
    assert replay([0.3]) == (y.data, [x.grad])


def test_a_defined_op_that_branches_is_decided_at_replay_time(own_rules: None) -> None:
    leaky = define_op(
        "leaky", lambda m, x, _: x if x > 0 else 0.1 * x, lambda m, x, _, out: (1.0 if x > 0 else 0.1,)
    )
    x = Value(2.0)
    replay = compile_graph(leaky(x * 3), [x])
    assert replay([2.0]) == (6.0, [3.0])
    assert replay([-1.0]) == (-0.30000000000000004, [0.30000000000000004])


def test_define_op_takes_two_operands_and_wraps_numbers(own_rules: None) -> None:
    hypot = define_op(
        "hypot", lambda m, x, y: m.sqrt(x * x + y * y), lambda m, x, y, out: (x / out, y / out)
    )
    a = Value(3.0)
    out = hypot(a, 4)
    out.backward()
    assert (out.data, a.grad, len(out.parents)) == (5.0, 0.6, 2)


def test_define_op_refuses_bad_definitions_and_bad_rules(own_rules: None) -> None:
    with pytest.raises(ValueError, match="'tanh' is already an operation"):
        define_op("tanh", lambda m, x, _: x, lambda m, x, _, out: (1.0,))
    with pytest.raises(TypeError, match="non-empty string"):
        define_op("", lambda m, x, _: x, lambda m, x, _, out: (1.0,))
    with pytest.raises(TypeError, match="must be functions"):
        define_op("twice", 2.0, lambda m, x, _, out: (2.0,))  # type: ignore[arg-type]
    too_many = define_op("too_many", lambda m, x, _: 2.0 * x, lambda m, x, _, out: (2.0, 1.0))
    with pytest.raises(ValueError, match=r"too_many: local must return 1 derivative"):
        too_many(Value(1.0))
    not_float = define_op("not_float", lambda m, x, _: "x", lambda m, x, _, out: (1.0,))
    with pytest.raises(TypeError, match="not_float: forward must return a float, got str"):
        not_float(Value(1.0))
