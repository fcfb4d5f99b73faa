"""Random expression graphs: the engine agrees with finite differences and with PyTorch.

A program is a list of steps; each step applies an operation to earlier results (so results
are shared by later steps, as in real graphs). Operations keep their operands in the domain by
construction (log of x*x + 0.5, a base made positive before a Value exponent, ...), so every
program is valid at every input. Each program runs on autograd_tiny Values and on PyTorch
tensors through the same code, since both spell the operations alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optional import OnFirstUse

from autograd_tiny import Value, gradcheck

torch: Any = OnFirstUse("torch")  # the comparisons with PyTorch are skipped where it is missing

Op = Callable[..., Any]

SMOOTH_UNARY: dict[str, Op] = {
    "neg": lambda x: -x,
    "exp_tanh": lambda x: x.tanh().exp(),
    "log": lambda x: (x * x + 0.5).log(),
    "sqrt": lambda x: (x * x + 0.25).sqrt(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "square": lambda x: x**2,
    "cube": lambda x: x**3,
    "reciprocal": lambda x: 1.5 / (x * x + 1.0),
    "scale_shift": lambda x: 0.5 * x - 0.25,
    "shift_from": lambda x: 1.0 - x,
    "two_to_the": lambda x: 2.0 ** x.tanh(),
}
SMOOTH_BINARY: dict[str, Op] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (y * y + 1.0),
    # the exponent avoids exactly 0, where PyTorch's double backward masks a term (see test_derivatives)
    "pow": lambda x, y: (x * x + 0.5) ** (y.tanh() + 0.5),
}
KINKED_UNARY: dict[str, Op] = {"relu": lambda x: x.relu(), "abs": lambda x: abs(x)}

Step = tuple[str, int, int]


def programs(unary: dict[str, Op]) -> st.SearchStrategy[tuple[list[float], list[Step]]]:
    """Inputs and steps; a step names an operation and two earlier results (the second unused if unary)."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[list[float], list[Step]]:
        inputs = draw(st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=3))
        steps: list[Step] = []
        for i in range(draw(st.integers(1, 8))):
            available = len(inputs) + i
            op = draw(st.sampled_from(sorted(unary) + sorted(SMOOTH_BINARY)))
            steps.append((op, draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))))
        return inputs, steps

    return build()


def evaluate(steps: list[Step], unary: dict[str, Op], *inputs: Any) -> list[Any]:
    """The inputs followed by the result of every step."""
    results = list(inputs)
    for op, i, j in steps:
        results.append(unary[op](results[i]) if op in unary else SMOOTH_BINARY[op](results[i], results[j]))
    return results


def run(steps: list[Step], unary: dict[str, Op], *inputs: Any) -> Any:
    """Evaluate the program; the output sums every result so all of them matter."""
    results = evaluate(steps, unary, *inputs)
    total = results[0]
    for r in results[1:]:
        total = total + r
    return total


def assert_matches_pytorch(inputs: list[float], steps: list[Step], unary: dict[str, Op]) -> None:
    leaves = [Value(x) for x in inputs]
    out = run(steps, unary, *leaves)
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    expected = run(steps, unary, *tensors)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-12)
    for leaf, t in zip(leaves, tensors):
        assert leaf.grad == pytest.approx(t.grad.item(), rel=1e-9, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(programs(SMOOTH_UNARY))
def test_random_smooth_graphs_pass_gradcheck(program: tuple[list[float], list[Step]]) -> None:
    inputs, steps = program
    assert gradcheck(lambda *xs: run(steps, SMOOTH_UNARY, *xs), inputs, atol=1e-5, rtol=1e-4)


@settings(max_examples=150, deadline=None)
@given(programs(SMOOTH_UNARY))
def test_random_smooth_graphs_match_pytorch(program: tuple[list[float], list[Step]]) -> None:
    assert_matches_pytorch(*program, SMOOTH_UNARY)


@settings(max_examples=150, deadline=None)
@given(programs({**SMOOTH_UNARY, **KINKED_UNARY}))
def test_random_graphs_with_kinks_match_pytorch_even_at_zero(program: tuple[list[float], list[Step]]) -> None:
    assert_matches_pytorch(*program, {**SMOOTH_UNARY, **KINKED_UNARY})
