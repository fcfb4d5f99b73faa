"""An n-ary sum in generated code is a chain of + (up to INLINE_SUM_TERMS terms): the call's bits exactly."""

from __future__ import annotations

import math
import random

import pytest

from autograd_tiny import Value, compile_graph, compile_replay
from autograd_tiny.compile import symbolic
from autograd_tiny.ops import value_sum

SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e308, -1e308, math.inf, -math.inf, math.nan, 5e-324]


def hexes(xs: list[float]) -> list[str]:
    return ["nan" if math.isnan(x) else x.hex() for x in xs]


@pytest.mark.parametrize("terms", [1, 2, 17, symbolic.INLINE_SUM_TERMS, symbolic.INLINE_SUM_TERMS + 1, 3000])
def test_sums_compile_to_the_bits_of_the_call_and_to_eagers_numbers(
    terms: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(terms)
    leaves = [Value(0.0) for _ in range(terms)]
    out = value_sum([x * x for x in leaves]) * leaves[0]
    inlined = compile_graph(out, leaves)
    monkeypatch.setattr(symbolic, "INLINE_SUM_TERMS", 0)
    called = compile_graph(out, leaves)
    for _ in range(20):
        point = [rng.choice(SPECIAL) if rng.random() < 0.3 else rng.uniform(-1e3, 1e3) for _ in leaves]
        value, grads = inlined(point)
        assert hexes([value, *grads]) == hexes([called(point)[0], *called(point)[1]])
        for leaf, x in zip(leaves, point):
            leaf.data, leaf.grad = x, 0.0
        fresh = value_sum([x * x for x in leaves]) * leaves[0]
        fresh.backward()
        eager = [fresh.data, *(x.grad for x in leaves)]
        assert [value, *grads] == pytest.approx(eager, rel=0, abs=0, nan_ok=True)  # 0.0 == -0.0 here


def test_a_short_sum_is_written_as_a_chain_and_a_long_one_as_a_call() -> None:
    x = [Value(float(i)) for i in range(symbolic.INLINE_SUM_TERMS + 1)]
    short, long = value_sum(x[:3]), value_sum(x)
    assert "v0 + v1 + v2" in compile_replay(short, x[:3], []).batched_source()
    assert "_m.sum((" in compile_replay(long, x, []).batched_source()
    assert symbolic.SymbolicMath(symbolic.FloatMath).sum((1.0, -0.0)) == 1.0  # numbers are added at once
