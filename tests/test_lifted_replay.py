"""Batched replay with layers lifted to matrix code gives the per-sample replay's numbers to 1e-12.

`find_layers` turns neurons ``act(b + w1 x1 + ...)`` over shared inputs into one matrix product
and one element-wise operation; everything else stays node by node. These tests compare
`SampleReplay.batched` with the per-sample replay (eager's numbers to the bit) on random MLPs,
on layers whose activation is an operation of the user's own, and on graphs that are only
partly layers, and check that the layers were in fact lifted (so a silent fallback fails them).
"""

from __future__ import annotations

import operator
import random
import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_tiny import Value, compile_replay, define_op, nn
from autograd_tiny.ops import value_sum

np = pytest.importorskip("numpy")
arraymath = pytest.importorskip("autograd_tiny.compile.arraymath")


def agree(replay: Any, params: list[float], rows: list[list[float]]) -> None:
    """Batched and per-sample replay give the same outputs, watched values and gradients to 1e-12 relative."""
    each = replay(params, rows, scale=0.5, start=[0.25] * len(params))
    batched = replay.batched(params, np.array(rows), scale=0.5, start=[0.25] * len(params))
    assert batched.outputs.tolist() == pytest.approx(each.outputs, rel=1e-12, abs=1e-13)
    assert batched.grads == pytest.approx(each.grads, rel=1e-12, abs=1e-13)
    for k, column in enumerate(batched.watched):
        assert column.tolist() == pytest.approx([row[k] for row in each.watched], rel=1e-12, abs=1e-13)


def lifted(replay: Any) -> list[tuple[int, int]]:
    """(neurons, inputs) of each layer the batched code runs as a matrix product."""
    layers = replay._batched_code().layers
    source = replay.batched_source()
    assert len(re.findall(r"Z\d+ = _matmul\(W\d+, X\d+, ", source)) == len(layers)
    return [(len(layer.sums), len(layer.inputs)) for layer in layers]


def mlp_replay(nin: int, sizes: list[int], activation: str, seed: int) -> tuple[Any, list[float]]:
    """One sample's squared error through MLP(nin, sizes), compiled with its outputs watched."""
    model = nn.MLP(nin, sizes, activation=activation, seed=seed)
    features = [Value(0.0) for _ in range(nin)]
    target = Value(0.0)
    out = model(features)
    outputs = [out] if isinstance(out, Value) else list(out)
    loss = value_sum([(o - target) ** 2 for o in outputs])
    params = model.parameters()
    return compile_replay(loss, params, [*features, target], outputs), [p.data for p in params]


def random_rows(rng: random.Random, n: int, width: int) -> list[list[float]]:
    return [[rng.uniform(-2, 2) for _ in range(width)] for _ in range(n)]


@settings(max_examples=40, deadline=None)
@given(
    nin=st.integers(1, 4),
    sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    n=st.integers(1, 12),
    seed=st.integers(0, 10**6),
)
def test_random_mlps_lift_every_layer_and_agree_with_per_sample_replay(
    nin: int, sizes: list[int], activation: str, n: int, seed: int
) -> None:
    replay, params = mlp_replay(nin, sizes, activation, seed)
    assert lifted(replay) == list(zip(sizes, [nin, *sizes[:-1]]))
    agree(replay, params, random_rows(random.Random(seed), n, nin + 1))


def test_the_moons_step_lifts_its_three_layers() -> None:
    replay, params = mlp_replay(2, [16, 16, 1], "relu", 1)
    assert lifted(replay) == [(16, 2), (16, 16), (1, 16)]
    agree(replay, params, random_rows(random.Random(3), 50, 3))


@pytest.fixture
def softsign(own_rules: None) -> Callable[..., Value]:
    """x / (1 + |x|) as an operation of the user's own (its rule branches on the sign), removed afterwards."""
    return define_op(
        "softsign_lifted",
        lambda m, x, _: x / (1.0 + abs(x)),
        lambda m, x, _, out: (1.0 / ((1.0 + x) * (1.0 + x)) if x > 0 else 1.0 / ((1.0 - x) * (1.0 - x)),),
    )


def layer(xs: Sequence[Value], weights: list[list[Value]], biases: list[Value] | None) -> list[Value]:
    """Neurons b + w . x (no activation), written as nn.Neuron writes them."""
    return [value_sum([*([b] if biases else []), *map(operator.mul, w, xs)])
            for w, b in zip(weights, biases or [None] * len(weights))]  # fmt: skip


def parameters(rng: random.Random, rows: int, columns: int) -> list[list[Value]]:
    return [[Value(rng.uniform(-1, 1)) for _ in range(columns)] for _ in range(rows)]


def test_a_user_operation_as_activation_is_lifted_and_agrees(softsign: Callable[..., Value]) -> None:
    rng = random.Random(5)
    xs = [Value(0.0) for _ in range(3)]
    w1, b1 = parameters(rng, 4, 3), [Value(rng.uniform(-1, 1)) for _ in range(4)]
    hidden = [softsign(z) for z in layer(xs, w1, b1)]
    w2 = parameters(rng, 2, 4)
    out = value_sum([o.exp() for o in layer(hidden, w2, None)])  # exp after a layer without bias
    params = [p for row in w1 + w2 for p in row] + b1
    replay = compile_replay(out, params, xs, hidden)
    assert lifted(replay) == [(4, 3), (2, 4)]
    assert "A0 = _a0(_m, Z0, None)" in replay.batched_source()
    agree(replay, [p.data for p in params], random_rows(rng, 9, 3))


def test_irregular_graphs_lift_what_is_a_layer_and_run_the_rest_node_by_node() -> None:
    rng = random.Random(7)
    xs = [Value(0.0) for _ in range(3)]
    const = Value(0.75)  # a constant leaf among a layer's inputs
    w1, b1 = parameters(rng, 3, 4), [Value(rng.uniform(-1, 1)) for _ in range(3)]
    sums1 = layer([xs[0], const, xs[2], xs[0]], w1, b1)  # x0 twice
    acts = [sums1[0].tanh(), sums1[1].tanh(), sums1[2].relu()]  # mixed: two layers over the same X
    shared = Value(0.3)  # one weight used twice in a layer: its gradient adds both
    w2 = [[shared, Value(0.2), shared], [Value(-0.4), Value(0.5), Value(0.6)]]
    sums2 = layer([acts[2], acts[0], acts[1]], w2, None)  # a permutation: stacked, not the matrix itself
    watched_product = w1[0][0] * xs[1]  # a product read by the caller is never hidden
    skip = acts[0] * xs[1] + sums2[0].sigmoid() * sums2[1] + watched_product  # a neuron read twice
    params = [p for row in w1 for p in row] + b1 + [shared, *w2[0][1:2], *w2[1]]
    replay = compile_replay(skip * skip, params, xs, [*acts, watched_product])
    # tanh and relu neurons over one X are two layers, and so are a sigmoid neuron and a linear one
    assert lifted(replay) == [(2, 4), (1, 4), (1, 3), (1, 3)]
    source = replay.batched_source()
    assert "_add_at(_T, _W" in source  # the shared weight
    assert "_fill(_work(" in source  # the permuted inputs
    agree(replay, [p.data for p in params], random_rows(rng, 11, 3))


def test_sums_that_are_not_layers_stay_node_by_node() -> None:
    x, w = Value(0.5), Value(2.0)
    twice = w * x
    out = value_sum([w, twice]) * twice  # the product has a second reader: not hidden in a layer
    replay = compile_replay(out, [w], [x])
    assert lifted(replay) == []
    agree(replay, [2.0], [[0.5], [-1.5], [3.0]])


def test_a_model_output_as_the_replayed_output_is_seeded_node_by_node() -> None:
    model = nn.MLP(2, [3, 1], seed=3)
    xs = [Value(0.0), Value(0.0)]
    out = model(xs)
    assert isinstance(out, Value)
    replay = compile_replay(out, model.parameters(), xs)  # the last sum is the root: not lifted
    assert lifted(replay) == [(3, 2)]
    agree(replay, [p.data for p in model.parameters()], random_rows(random.Random(1), 6, 2))


SPECIAL = [0.0, -0.0, 1.5, -1.5, float("inf"), -float("inf"), float("nan"), 1e-300, -1e-300]


def bits(x: Any) -> list[int]:
    return np.asarray(x, dtype=np.float64).view(np.uint64).ravel().tolist()  # type: ignore[no-any-return]


def test_array_relu_step_and_masked_product_are_the_where_forms_to_the_bit() -> None:
    xs = np.array([a for a in SPECIAL for _ in SPECIAL])
    gs = np.array([b for _ in SPECIAL for b in SPECIAL])
    with np.errstate(all="ignore"):
        step = np.where(xs <= 0, 0.0, 1.0)
        assert bits(arraymath.ArrayMath.relu(xs)) == bits(np.where(xs <= 0, 0.0, xs))
        assert bits(arraymath.ArrayMath.step(xs)) == bits(step)
        masked = np.where(step == 0, 0.0, step * gs)
        assert bits(arraymath.ArrayMath.step(xs) * gs) == bits(masked)
        assert bits(gs * arraymath.ArrayMath.step(xs)) == bits(masked)
        assert bits(arraymath.ArrayMath.step(np.float64(-1.0)) * float("inf")) == bits(0.0)


def test_a_layers_relu_and_its_masked_derivative_written_in_place_are_arraymaths_to_the_bit() -> None:
    batched = pytest.importorskip("autograd_tiny.compile.batched")
    z = np.array([[a for a in SPECIAL for _ in SPECIAL]] * 2)
    g = np.array([[b for _ in SPECIAL for b in SPECIAL]] * 2)
    with np.errstate(all="ignore"):
        out = np.full_like(z, 7.0)
        assert batched._relu(z, out) is out and bits(out) == bits(arraymath.ArrayMath.relu(z))
        want = arraymath.ArrayMath.step(z) * g
        flat, keep = np.empty(z.shape, np.uint8), np.empty(z.shape, np.uint64)
        assert batched._relu_backward(z, g, flat, keep) is g and bits(g) == bits(want)


def test_the_workspace_is_reused_per_row_count_and_no_result_is_overwritten_by_a_later_call() -> None:
    replay, params = mlp_replay(2, [5, 4, 1], "relu", 3)
    rng = random.Random(4)
    small, other, large = random_rows(rng, 7, 3), random_rows(rng, 7, 3), random_rows(rng, 40, 3)
    first = replay.batched(params, np.array(small))
    kept = (first.outputs.copy(), [w.copy() for w in first.watched], list(first.grads))
    tables = (other, large, small, other, large)
    again = [replay.batched(params, np.array(rows)) for rows in tables]
    for got, rows in zip(again, tables):
        each = replay(params, rows)
        assert got.outputs.tolist() == pytest.approx(each.outputs, rel=1e-12, abs=1e-13)
        assert got.grads == pytest.approx(each.grads, rel=1e-12, abs=1e-13)
    assert bits(first.outputs) == bits(kept[0]) and first.grads == kept[2]  # a result stays as it was
    assert all(bits(w) == bits(k) for w, k in zip(first.watched, kept[1]))
    assert bits(again[2].outputs) == bits(first.outputs)  # the same rows again: the same bits


def test_threads_replaying_at_once_each_get_their_own_rows_results() -> None:
    import sys
    import threading

    replay, params = mlp_replay(3, [6, 6, 1], "relu", 5)
    tables = [random_rows(random.Random(k), 2000, 4) for k in range(4)]  # one size: one workspace shape
    want = [replay.batched(params, np.array(rows)).grads for rows in tables]
    got: dict[int, list[list[float]]] = {k: [] for k in range(4)}

    def work(k: int) -> None:
        for _ in range(10):
            got[k].append(replay.batched(params, np.array(tables[k])).grads)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert all(grads == want[k] for k in range(4) for grads in got[k])
