"""Forward mode: `jvp` and `jacobian` agree with reverse mode, with PyTorch and with closed forms.

Random programs come from test_engine_properties; here every step's result is an output, so
one program is a function of a few inputs with many outputs.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_properties import KINKED_UNARY, SMOOTH_UNARY, Step, evaluate, programs

from autograd_tiny import RULES, Value, define_op, grad, jacobian, jvp, no_grad
from autograd_tiny.autodiff.forward import TangentTape, parents_first

torch = pytest.importorskip("torch")
# torch.func's first use scripts a helper with torch.jit, which warns that it is deprecated
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

UNARY = {**SMOOTH_UNARY, **KINKED_UNARY}
Program = tuple[list[float], list[Step]]
Case = tuple[list[float], list[Step], list[float]]  # a program and a direction in its input space


def outputs(steps: list[Step], *inputs: Any) -> list[Any]:
    """Every step's result: the program as a function with one output per step."""
    return evaluate(steps, UNARY, *inputs)[len(inputs) :]


@st.composite
def programs_with_directions(draw: st.DrawFn) -> Case:
    inputs, steps = draw(programs(UNARY))
    direction = draw(st.lists(st.floats(-2.0, 2.0), min_size=len(inputs), max_size=len(inputs)))
    return inputs, steps, direction


@settings(max_examples=150, deadline=None)
@given(programs_with_directions())
def test_jvp_is_the_directional_derivative_reverse_mode_gives(case: Case) -> None:
    inputs, steps, direction = case
    values, tangents = jvp(lambda xs: outputs(steps, *xs), inputs, direction)
    leaves = [Value(x) for x in inputs]
    for y, value, tangent in zip(outputs(steps, *leaves), values, tangents):
        gradient = grad(y, leaves, materialize_grads=True)  # one vector-Jacobian product per output
        assert value == y.data
        assert tangent == pytest.approx(sum(g * v for g, v in zip(gradient, direction)), rel=1e-9, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(programs_with_directions())
def test_jvp_matches_torch_func_jvp_in_float64(case: Case) -> None:
    inputs, steps, direction = case
    values, tangents = jvp(lambda xs: outputs(steps, *xs), inputs, direction)
    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in inputs)
    seeds = tuple(torch.tensor(v, dtype=torch.float64) for v in direction)
    expected_values, expected_tangents = torch.func.jvp(lambda *t: tuple(outputs(steps, *t)), primals, seeds)
    assert values == pytest.approx([t.item() for t in expected_values], rel=1e-12, abs=1e-12)
    assert tangents == pytest.approx([t.item() for t in expected_tangents], rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(programs(UNARY))
def test_both_jacobian_modes_agree_and_match_pytorch(program: Program) -> None:
    inputs, steps = program
    forward = jacobian(lambda xs: outputs(steps, *xs), inputs, mode="fwd")
    reverse = jacobian(lambda xs: outputs(steps, *xs), inputs, mode="rev")
    point = tuple(torch.tensor(x, dtype=torch.float64) for x in inputs)
    expected = torch.autograd.functional.jacobian(lambda *ts: tuple(outputs(steps, *ts)), point)
    assert len(forward) == len(steps) and all(len(row) == len(inputs) for row in forward)
    for row_f, row_r, row_t in zip(forward, reverse, expected):
        assert row_f == pytest.approx(row_r, rel=1e-12, abs=1e-15)
        assert row_f == pytest.approx([t.item() for t in row_t], rel=1e-9, abs=1e-12)


def test_jvp_of_a_function_with_one_output_returns_two_floats() -> None:
    # f(x, y) = x y + sin x; along (1, 0) the derivative is y + cos x
    value, tangent = jvp(lambda v: v[0] * v[1] + v[0].sin(), [0.5, 2.0], [1.0, 0.0])
    assert (value, tangent) == (1.0 + math.sin(0.5), 2.0 + math.cos(0.5))


def test_jacobian_of_several_outputs_has_one_row_per_output_in_both_modes() -> None:
    def f(v: list[Value]) -> list[Value]:
        x, y = v
        return [x * y, x.exp(), y, (x + y).tanh()]

    t = math.tanh(2.5)
    expected = [[2.0, 0.5], [math.exp(0.5), 0.0], [0.0, 1.0], [1 - t * t, 1 - t * t]]
    assert jacobian(f, [0.5, 2.0], mode="fwd") == expected
    assert jacobian(f, [0.5, 2.0], mode="rev") == expected
    assert jacobian(f, [0.5, 2.0]) == expected  # reverse is the default, as in PyTorch


def test_a_single_output_gives_a_one_row_jacobian() -> None:
    assert jacobian(lambda v: v[0] * v[1], [3.0, 4.0], mode="fwd") == [[4.0, 3.0]]


def test_outputs_that_do_not_depend_on_the_inputs_have_zero_derivatives() -> None:
    weight = Value(3.0)  # a leaf made outside fn: a constant for the Jacobian

    def f(v: list[Value]) -> list[Value]:
        with no_grad():
            detached = v[0] * 2.0
        return [weight * v[0], Value(7.0), detached, weight * weight]

    for mode in ("fwd", "rev"):
        assert jacobian(f, [1.5], mode=mode) == [[3.0], [0.0], [0.0], [0.0]]  # type: ignore[arg-type]
    assert jvp(f, [1.5], [2.0]) == ([4.5, 7.0, 3.0, 9.0], [6.0, 0.0, 0.0, 0.0])


def test_forward_and_reverse_share_one_rule_even_a_wrong_one() -> None:
    # a user rule with a wrong derivative (2 instead of 3 x^2): both modes carry the same mistake,
    # because both multiply the local derivative the node recorded from RULES
    cube_wrong = define_op("forward_test_cube_wrong", lambda m, x, _: x * x * x, lambda m, x, _, out: (2.0,))
    try:
        assert jvp(lambda v: cube_wrong(v[0]).sin(), [0.3], [1.0])[1] == 2.0 * math.cos(0.027)
        assert jacobian(lambda v: [cube_wrong(v[0]).sin()], [0.3], mode="rev") == [[2.0 * math.cos(0.027)]]
    finally:
        del RULES["forward_test_cube_wrong"]  # other tests see the engine's own table


def test_forward_mode_runs_on_a_chain_of_a_hundred_thousand_operations() -> None:
    def chain(v: list[Value]) -> Value:
        y = v[0]
        for _ in range(50_000):
            y = y * 1.0001 + 0.0
        return y

    value, tangent = jvp(chain, [1.0], [1.0])
    assert value == pytest.approx(1.0001**50_000, rel=1e-9)
    assert tangent == pytest.approx(1.0001**50_000, rel=1e-9)


def test_a_tape_costs_one_multiply_add_per_edge_per_direction() -> None:
    x, y = Value(2.0), Value(3.0)
    products = [x * y, x * 2.0, (x * y).tanh()]  # edges: 2, 1, 2 + 1
    tape = TangentTape([x, y], products)
    assert tape.multiply_adds == 6
    assert tape.push([1.0, 0.0]) == [3.0, 2.0, 3.0 * (1 - math.tanh(6.0) ** 2)]


def test_parents_come_first_and_each_node_once_for_shared_subgraphs() -> None:
    x = Value(1.0)
    shared = x.exp()
    a, b = shared * x, shared + 1.0
    order = parents_first([a, b, shared])
    assert len(order) == len(set(order)) == 4
    for i, node in enumerate(order):
        assert all(order.index(p) < i for p in node.parents)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: jvp(lambda v: v[0], [1.0], [1.0, 2.0]),
            ValueError,
            r"jvp: vs must have one number per input \(1\)",
        ),
        (lambda: jvp(lambda v: v[0], [1.0], ["a"]), TypeError, "jvp: vs must hold numbers, got str"),
        (lambda: jvp(lambda v: v[0], [1.0], 1.0), TypeError, "jvp: vs must be a list of numbers, got float"),
        (lambda: jvp(lambda v: v[0], [], []), ValueError, "jvp: needs at least one input"),
        (lambda: jvp(lambda v: 2.0, [1.0], [1.0]), TypeError, "jvp: fn must return a Value or a non-empty"),
        (lambda: jacobian(lambda v: [], [1.0]), TypeError, "jacobian: fn must return a Value or a"),
        (
            lambda: jacobian(lambda v: [v[0], 1.0], [1.0]),
            TypeError,
            "jacobian: output 1 of fn must be a Value",
        ),
        (lambda: jacobian(lambda v: v[0], ["x"]), TypeError, "jacobian: inputs must be numbers, got str"),
        (
            lambda: jacobian(lambda v: v[0], [1.0], mode="sideways"),
            ValueError,
            "mode must be 'fwd' or 'rev', got 'sideways'",
        ),
    ],
)
def test_bad_arguments_are_reported_with_the_function_and_the_value(
    call: Any, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        call()
