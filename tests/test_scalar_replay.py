"""Per-sample replay's scalar code: relu written inline and values read once written into their reader.

Both are rewrites of the generated lines for speed; the numbers must stay eager's to the bit, at
signed zeros, infinities and nan too, and in operations of a user's own that call relu's maths.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_tiny import Value, compile_graph, compile_replay, define_op, nn
from autograd_tiny.compile import graph, replay, symbolic
from autograd_tiny.engine import record

SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e308, -1e308, math.inf, -math.inf, math.nan, 5e-324]

Model = Callable[[list[Value], list[Value]], Value]


def hexes(xs: list[float]) -> list[str]:
    return ["nan" if math.isnan(x) else x.hex() for x in xs]


@pytest.fixture
def shifted(own_rules: None) -> Callable[[Value], Value]:
    """A user's operation whose rules call relu's maths on an expression: 2 relu(x - 1)."""
    return define_op("shifted", lambda m, x, _: m.relu(x - 1.0) * 2.0,
                     lambda m, x, _, out: (m.step(x - 1.0) * 2.0,))  # fmt: skip


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


# ---- a zero gradient's lines are skipped (a dead relu's neuron, a row the hinge does not reach) ----


def hinge_mlp(model: nn.MLP, x: list[Value], sign: Value) -> Value:
    """fit()'s hinge term for one sample: relu(1 + sign * score), sign = -label."""
    return (1 + sign * model(x)).relu()


def eager_rows(weights: list[float], rows: list[list[float]]) -> list[float]:
    """Eager on the graph adding the rows in order: each row's loss, then each parameter's gradient."""
    model = nn.MLP(3, [6, 6, 1], seed=0)
    for p, w in zip(model.parameters(), weights):
        p.data = w
    terms = [hinge_mlp(model, [Value(a) for a in row[:3]], Value(row[3])) for row in rows]
    sum(terms[1:], terms[0]).backward()
    return [*(t.data for t in terms), *(p.grad for p in model.parameters())]


@pytest.fixture(scope="module")
def hinge_replay() -> replay.SampleReplay:
    model = nn.MLP(3, [6, 6, 1], seed=0)
    x, sign = [Value(0.0) for _ in range(3)], Value(1.0)
    return compile_replay(hinge_mlp(model, x, sign), model.parameters(), [*x, sign])


def test_the_lines_of_a_zero_gradient_sit_under_a_test_of_it(hinge_replay: replay.SampleReplay) -> None:
    source = hinge_replay.source()
    guards = [line.strip() for line in source.splitlines() if line.strip().startswith("if g")]
    assert len(guards) >= 12 and all(line.endswith(" or _live:") for line in guards)  # each neuron's run
    assert "_live = _live_always or not _isfinite(" in source


def test_skipping_dead_neurons_and_rows_keeps_eagers_bits(hinge_replay: replay.SampleReplay) -> None:
    rng = random.Random(40)
    n = len(nn.MLP(3, [6, 6, 1], seed=0).parameters())
    for trial in range(40):
        weights = [rng.gauss(0.0, 1.0) for _ in range(n)]
        rows = [[rng.uniform(-3, 3) for _ in range(3)] + [rng.choice([-1.0, 1.0])] for _ in range(12)]
        got = hinge_replay(weights, rows)
        assert hexes([*got.outputs, *got.grads]) == hexes(eager_rows(weights, rows)), trial


@pytest.mark.parametrize("row", [
    [math.inf, 1.0, 1.0, 1.0],   # an infinite sample: 0 * inf is nan in the dead neurons' weights' gradients
    [1e300, 1e300, -1e300, 1.0],  # finite samples, activations that overflow to inf
    [math.nan, 0.0, 1.0, -1.0],  # nan: every relu of it is alive (nan <= 0 is False)
    [-0.0, 0.0, -0.0, -1.0],
    [5e-324, -5e-324, 1e-300, 1.0],  # products that underflow to signed zeros
])  # fmt: skip
def test_skipping_keeps_eagers_bits_where_a_local_derivative_is_not_finite(
    hinge_replay: replay.SampleReplay, row: list[float]
) -> None:
    rng = random.Random(41)
    n = len(nn.MLP(3, [6, 6, 1], seed=0).parameters())
    for _ in range(20):
        weights = [rng.gauss(0.0, 1.0) * rng.choice([1.0, 1e200]) for _ in range(n)]
        rows = [[rng.uniform(-3, 3) for _ in range(3)] + [1.0], row, [0.5, -0.5, 0.25, -1.0]]
        got = hinge_replay(weights, rows)
        assert hexes([*got.outputs, *got.grads]) == hexes(eager_rows(weights, rows))


@pytest.mark.parametrize("special", [math.inf, -math.inf, math.nan, 1e308])
def test_skipping_keeps_eagers_bits_where_a_parameter_is_not_finite(
    hinge_replay: replay.SampleReplay, special: float
) -> None:
    rng = random.Random(42)
    n = len(nn.MLP(3, [6, 6, 1], seed=0).parameters())
    for j in range(0, n, 5):
        weights = [rng.gauss(0.0, 1.0) for _ in range(n)]
        weights[j] = special
        rows = [[rng.uniform(-3, 3) for _ in range(3)] + [rng.choice([-1.0, 1.0])] for _ in range(4)]
        got = hinge_replay(weights, rows)
        assert hexes([*got.outputs, *got.grads]) == hexes(eager_rows(weights, rows)), j


def test_a_sum_started_at_negative_zero_ends_as_eagers(hinge_replay: replay.SampleReplay) -> None:
    """Eager's sums start at +0.0, so a -0.0 start (a penalty's gradient at w = -0.0) adds to +0.0."""
    n = len(nn.MLP(3, [6, 6, 1], seed=0).parameters())
    weights = [-1.0] * n  # every neuron dead on positive samples: every gradient zero
    row = [1.0, 1.0, 1.0, 1.0]
    got = hinge_replay(weights, [row], start=[-0.0] * n)
    assert hexes(got.grads) == hexes([0.0 + -0.0 + g for g in eager_rows(weights, [row])[1:]])
    assert all(math.copysign(1.0, g) == 1.0 for g in got.grads)


def test_a_local_derivative_written_as_an_expression_is_never_skipped() -> None:
    """log's 1 / u is inf at a subnormal u: 0 * inf is nan, which eager adds even behind a dead relu."""

    def model(p: list[Value], x: list[Value]) -> Value:
        u = p[0] * x[0]
        return (u.log() + u * p[1] + u * p[2]).relu()  # three contributions to u's gradient, log's is 1 / u

    a, b, c, s = Value(1.0), Value(1.0), Value(1.0), Value(1.0)
    compiled = compile_replay(model([a, b, c], [s]), [a, b, c], [s])
    line = next(line for line in compiled.source().splitlines() if "(1.0 / v" in line)
    assert len(line) - len(line.lstrip()) == 8  # in the loop over rows, under no test of a gradient
    for weights in ([1e-310, 1.0, 1.0], [1e-310, -1.0, 2.0], [0.5, 1.0, 1.0], [2.0, -3.0, 1.0]):
        got = compiled(weights, [[1.0], [0.5]])
        want = [eager_row(model, weights, [r]) for r in (1.0, 0.5)]
        assert hexes(got.grads) == hexes([x + y for x, y in zip(want[1][1:], want[0][1:])])


def any_float(rng: random.Random) -> float:
    """Mostly ordinary numbers, sometimes a special one (signed zeros, huge, tiny, inf, nan)."""
    return rng.choice(SPECIAL) if rng.random() < 0.15 else rng.uniform(-2.0, 2.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(1, 5), min_size=1, max_size=3), st.integers(0, 2**32))
def test_random_relu_networks_replay_eagers_bits_with_zeros_skipped(
    nin: int, widths: list[int], seed: int
) -> None:
    rng = random.Random(seed)
    model = nn.MLP(nin, [*widths, 1], seed=seed)
    params = model.parameters()
    x, sign = [Value(0.0) for _ in range(nin)], Value(1.0)
    compiled = compile_replay((1 + sign * model(x)).relu(), params, [*x, sign])
    weights = [any_float(rng) for _ in params]
    rows = [[any_float(rng) for _ in range(nin)] + [rng.choice([-1.0, 1.0])] for _ in range(6)]
    got = compiled(weights, rows)
    for p, w in zip(params, weights):
        p.data, p.grad = w, 0.0
    terms = [(1 + Value(row[-1]) * model([Value(a) for a in row[:-1]])).relu() for row in rows]
    sum(terms[1:], terms[0]).backward()
    assert hexes([*got.outputs, *got.grads]) == hexes([*(t.data for t in terms), *(p.grad for p in params)])
