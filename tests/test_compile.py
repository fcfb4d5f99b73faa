"""compile_graph: a graph recorded once, replayed on new floats with the eager engine's numbers."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

import autograd_tiny
from autograd_tiny import RULES, Value, compile_graph, nn, no_grad
from autograd_tiny.engine import record


def eager(fn: Callable[..., Value], point: list[float]) -> tuple[float, list[float]]:
    """Value and gradients of fn at point, from the eager engine."""
    xs = [Value(x) for x in point]
    out = fn(*xs)
    out.backward()
    return out.data, [x.grad for x in xs]


def assert_close(got: tuple[float, list[float]], want: tuple[float, list[float]]) -> None:
    assert got[0] == pytest.approx(want[0], rel=1e-12, abs=1e-12)
    assert got[1] == pytest.approx(want[1], rel=1e-12, abs=1e-12)


# One function per entry of RULES, on two inputs; the recorded point and the replayed one differ.
USES: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda x, y: x + y,
    "+k": lambda x, y: x + 2.5,
    "-": lambda x, y: x - y,
    "-k": lambda x, y: x - 2.5,
    "k-": lambda x, y: 2.5 - x,
    "*": lambda x, y: x * y,
    "*k": lambda x, y: x * 2.5,
    "/": lambda x, y: x / y,
    "/k": lambda x, y: x / 2.5,
    "k/": lambda x, y: 2.5 / x,
    "**": lambda x, y: x**y,
    "**k": lambda x, y: x**3.0,
    "k**": lambda x, y: 2.5**x,
    "neg": lambda x, y: -x,
    "exp": lambda x, y: x.exp(),
    "log": lambda x, y: x.log(),
    "sqrt": lambda x, y: x.sqrt(),
    "tanh": lambda x, y: x.tanh(),
    "sigmoid": lambda x, y: x.sigmoid(),
    "relu": lambda x, y: x.relu(),
    "sin": lambda x, y: x.sin(),
    "cos": lambda x, y: x.cos(),
    "abs": lambda x, y: abs(x),
    "sum": lambda x, y: autograd_tiny.sum([x, y, x * y, 2.0]),
    "step": lambda x, y: record("step", x - 1.0) * x,  # relu' and abs', as graphs of gradients hold them
    "sign": lambda x, y: record("sign", x - 1.0) * x,
}


def test_every_rule_is_covered_here() -> None:
    assert set(USES) == set(RULES)


@pytest.mark.parametrize("op", sorted(USES))
def test_each_operation_replays_with_the_eager_numbers(op: str) -> None:
    fn = lambda x, y: USES[op](x, y) * y  # y always matters: both gradients are real
    x, y = Value(1.3), Value(0.7)
    replay = compile_graph(fn(x, y), [x, y])
    for point in ([1.3, 0.7], [0.4, 1.9], [2.2, -0.6]):
        assert_close(replay(point), eager(fn, point))


def test_relu_and_abs_decide_their_branch_at_replay_time() -> None:
    fn = lambda x: x.relu() * 3.0 + abs(x) * x
    x = Value(2.0)  # recorded on the positive side
    replay = compile_graph(fn(x), [x])
    assert replay([-1.5]) == eager(fn, [-1.5]) == (1.5 * -1.5, [3.0])  # relu off: d(|x| x) = 2|x|
    assert replay([0.0]) == eager(fn, [0.0])  # relu'(0) = abs'(0) = 0, as eager


def test_a_random_expression_graph_matches_the_eager_engine() -> None:
    rng = random.Random(6)
    ops = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: (a * b).tanh(),
           lambda a, b: a.sigmoid() * b, lambda a, b: (a + b).relu(),
           lambda a, b: a / (b * b + 1.0)]  # fmt: skip
    picks = [(rng.randrange(len(ops)), rng.random(), rng.random()) for _ in range(200)]

    def fn(*xs: Value) -> Value:
        pool = list(xs)
        for k, i, j in picks:
            pool.append(ops[k](pool[int(i * len(pool))], pool[int(j * len(pool))]))
        return sum(pool[-20:], Value(0.0))

    point = [rng.uniform(-1, 1) for _ in range(5)]
    leaves = [Value(x) for x in point]
    replay = compile_graph(fn(*leaves), leaves)
    for _ in range(3):
        point = [rng.uniform(-1, 1) for _ in range(5)]
        assert_close(replay(point), eager(fn, point))


def test_an_mlp_training_step_replays_like_the_eager_step() -> None:
    model = nn.MLP(2, [4, 4, 1], seed=0)
    xs, ys = [[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8]], [1.0, -1.0, 1.0]

    def loss() -> Value:
        scores = [model(row) for row in xs]
        return sum(((1 + -y * s).relu() for y, s in zip(ys, scores)), Value(0.0)) * (1 / 3)  # type: ignore[union-attr]

    params = model.parameters()
    replay = compile_graph(loss(), params)
    weights = [p.data for p in params]
    for _ in range(3):
        value, grads = replay(weights)
        model.zero_grad()
        out = loss()
        out.backward()
        assert_close((value, grads), (out.data, [p.grad for p in params]))
        weights = [w - 0.1 * g for w, g in zip(weights, grads)]
        for p, w in zip(params, weights):
            p.data = w


def test_leaves_that_are_not_inputs_are_frozen_constants() -> None:
    x, c = Value(2.0), Value(10.0)
    replay = compile_graph(x * c + c, [x])
    c.data = 99.0  # changing it afterwards does not reach the compiled function
    assert replay([3.0]) == (40.0, [10.0])


def test_a_value_used_many_times_sums_its_gradients() -> None:
    x = Value(1.0)
    y = x + x
    replay = compile_graph(y * x - x, [x])
    assert replay([3.0]) == (15.0, [11.0])  # d(2x^2 - x) = 4x - 1


def test_the_output_itself_may_be_the_input() -> None:
    x = Value(1.0)
    assert compile_graph(x, [x])([4.0]) == (4.0, [1.0])


def test_nodes_made_under_no_grad_are_constants() -> None:
    x = Value(2.0)
    with no_grad():
        k = x * 5.0
    replay = compile_graph(x * k, [x])
    assert replay([3.0]) == (30.0, [10.0])


def test_inf_and_nan_constants_survive_compilation() -> None:
    x = Value(1.0)
    replay = compile_graph(x * math.inf + Value(math.nan) * 0.0, [x])
    value, grads = replay([2.0])
    assert math.isnan(value) and grads == [math.inf]


def test_bad_graphs_and_inputs_are_reported_by_name() -> None:
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    out = x * 3.0
    with pytest.raises(TypeError, match=r"output must be a Value.*float"):
        compile_graph(1.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"input 0 must be a Value.*str"):
        compile_graph(out, ["x"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"input 1, Value\(data=2.0.*label='y'\), is not in the graph"):
        compile_graph(out, [x, y])
    with pytest.raises(ValueError, match=r"input 0, .* is made by '\*3'; inputs must be leaves"):
        compile_graph(out + 1.0, [out])
    with pytest.raises(ValueError, match=r"input 1, .* is listed twice"):
        compile_graph(out, [x, x])
    strange = x * 2.0
    strange._op = "cube"
    with pytest.raises(ValueError, match=r"node Value\(data=2.0.*made by 'cube', which is not in RULES"):
        compile_graph(strange, [x])


def test_the_compiled_function_checks_its_argument_count() -> None:
    x, y = Value(1.0), Value(2.0)
    replay = compile_graph(x * y, [x, y])
    with pytest.raises(ValueError, match="expects 2 input values, got 1"):
        replay([1.0])


def test_deep_graphs_compile() -> None:
    x = Value(0.5)
    z = x
    for _ in range(3000):
        z = z * 0.999 + x
    value, (grad,) = compile_graph(z, [x])([0.5])
    z.backward()
    assert (value, grad) == pytest.approx((z.data, x.grad), rel=1e-12)
