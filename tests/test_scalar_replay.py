"""Per-sample replay's scalar code: relu written inline and values read once written into their reader.

Both are rewrites of the generated lines for speed; the numbers must stay eager's to the bit, at
signed zeros, infinities and nan too, and in operations of a user's own that call relu's maths.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator

import pytest

from autograd_tiny import RULES, Value, compile_graph, compile_replay, define_op, nn
from autograd_tiny.compile import graph, replay, symbolic
from autograd_tiny.engine import record

SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e308, -1e308, math.inf, -math.inf, math.nan, 5e-324]

Model = Callable[[list[Value], list[Value]], Value]


def hexes(xs: list[float]) -> list[str]:
    return ["nan" if math.isnan(x) else x.hex() for x in xs]


@pytest.fixture
def shifted() -> Iterator[Callable[[Value], Value]]:
    """A user's operation whose rules call relu's maths on an expression: 2 relu(x - 1)."""
    before = dict(RULES)
    yield define_op("shifted", lambda m, x, _: m.relu(x - 1.0) * 2.0,
                    lambda m, x, _, out: (m.step(x - 1.0) * 2.0,))  # fmt: skip
    RULES.clear()
    RULES.update(before)


def relu_model(shifted: Callable[[Value], Value]) -> Model:
    """relu of a neuron times a sample that may be inf or nan (a masked 0 stays 0), plus step and shifted."""

    def model(p: list[Value], s: list[Value]) -> Value:
        w, b = p
        x, k = s
        hidden = (w * x + b).relu()
        return hidden * k + record("step", x * w) * b + shifted(x * b) * w + hidden.relu()

    return model


def eager_row(model: Model, weights: list[float], row: list[float]) -> list[float]:
    """The eager engine on one row: the output, then each parameter's gradient."""
    params = [Value(w) for w in weights]
    out = model(params, [Value(x) for x in row])
    out.backward()
    return [out.data, *(p.grad for p in params)]


def special_points(rng: random.Random, n: int) -> list[tuple[list[float], list[float]]]:
    pick = lambda: rng.choice(SPECIAL) if rng.random() < 0.6 else rng.uniform(-3.0, 3.0)
    return [([pick(), pick()], [pick(), pick()]) for _ in range(n)]


def test_relu_inline_replays_eagers_bits_at_signed_zeros_infinities_and_nan(
    shifted: Callable[[Value], Value],
) -> None:
    model = relu_model(shifted)
    params, samples = [Value(0.5), Value(-0.25)], [Value(1.0), Value(2.0)]
    out = model(params, samples)
    per_sample = compile_replay(out, params, samples)
    whole = compile_graph(model(params, [Value(1.0), Value(2.0)]), params)  # samples frozen at 1, 2
    source = per_sample.source()
    assert "_m.relu(" not in source and "_m.step(" not in source  # written inline, not called
    for weights, row in special_points(random.Random(24), 300):
        got = per_sample(weights, [row])
        assert hexes([*got.outputs, *got.grads]) == hexes(eager_row(model, weights, row))
    for weights, _ in special_points(random.Random(25), 100):
        assert hexes([whole(weights)[0], *whole(weights)[1]]) == hexes(eager_row(model, weights, [1.0, 2.0]))


def test_inline_relu_is_the_called_relu_to_the_bit(shifted: Callable[[Value], Value],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    model = relu_model(shifted)
    params, samples = [Value(0.5), Value(-0.25)], [Value(1.0), Value(2.0)]
    inline = compile_replay(model(params, samples), params, samples)
    monkeypatch.setattr(graph, "SCALAR_SYMBOLS", symbolic.FLOAT_SYMBOLS)  # FloatMath.relu and .step, called
    called = compile_replay(model(params, samples), params, samples)
    assert "_m.relu(" in called.source()
    for weights, row in special_points(random.Random(26), 300):
        a, b = inline(weights, [row, row[::-1]]), called(weights, [row, row[::-1]])
        assert hexes([*a.outputs, *a.grads]) == hexes([*b.outputs, *b.grads])


def test_a_product_read_only_by_its_neurons_sum_is_written_into_the_sum() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    x, t = [Value(0.0), Value(0.0)], Value(0.0)
    compiled = compile_replay((model(x) - t) ** 2, model.parameters(), [*x, t])
    source = compiled.source()
    neuron = next(line for line in source.splitlines() if "* v" in line and " + " in line)
    assert neuron.count("(") >= 2 and neuron.count(" * ") == 2  # b + (w1 * x1) + (w2 * x2), one line
    rng = random.Random(5)
    rows = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(7)]
    weights = [rng.uniform(-1, 1) for _ in model.parameters()]
    got = compiled(weights, rows)
    params = [Value(w) for w in weights]
    eager_model = nn.MLP(2, [3, 1], seed=0)
    for p, q in zip(eager_model.parameters(), params):
        p.data = q.data
    losses = [(eager_model([Value(a), Value(b)]) - Value(c)) ** 2 for a, b, c in rows]
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    total.backward()
    assert got.outputs == [loss.data for loss in losses]
    assert got.grads == [p.grad for p in eager_model.parameters()]


def test_a_long_chain_of_values_read_once_is_written_at_most_max_nesting_deep() -> None:
    w, x = Value(0.5), Value(1.0)
    compiled = compile_replay(_chain(w, x), [w], [x])  # no derivative reads a value: all read once
    deepest = max(line.count("(") for line in compiled.source().splitlines())
    assert replay.MAX_NESTING <= deepest <= 2 * replay.MAX_NESTING  # nested, never too deep to parse
    got = compiled([0.75], [[0.3], [-0.4]])
    want = [eager_row(lambda p, s: _chain(p[0], s[0]), [0.75], [r]) for r in (0.3, -0.4)]
    assert got.outputs == [want[0][0], want[1][0]]
    assert got.grads == [want[1][1] + want[0][1]]  # the last row first, as backward() adds them


def _chain(w: Value, x: Value) -> Value:
    z = w * x
    for _ in range(3000):
        z = z * 0.999 + x
    return z
