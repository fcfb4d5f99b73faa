"""compile_replay: one sample's graph replayed over rows gives eager's numbers, batched replay to 1e-12."""

from __future__ import annotations

import math
import pickle
import random
import threading
from collections.abc import Callable
from typing import Any

import pytest

import autograd_tiny
from autograd_tiny import RULES, Value, backward_order, compile_graph, compile_replay, define_op, nn
from autograd_tiny.compile import replay as replay_module
from autograd_tiny.engine import record
from autograd_tiny.floatmath import FloatMath

np = pytest.importorskip("numpy")
arraymath = pytest.importorskip("autograd_tiny.compile.arraymath")

Op = Callable[[Value, Value], Value]

# One use of every built-in rule, on operands that may have either sign; domains are kept by construction.
USES: dict[str, Op] = {
    "+": lambda a, b: a + b,
    "+k": lambda a, b: a + 2.5,
    "-": lambda a, b: a - b,
    "-k": lambda a, b: a - 2.5,
    "k-": lambda a, b: 2.5 - a,
    "*": lambda a, b: a * b,
    "*k": lambda a, b: a * 2.5,
    "/": lambda a, b: a / (b * b + 1.0),
    "/k": lambda a, b: a / 2.5,
    "k/": lambda a, b: 2.5 / (a * a + 0.5),
    "**": lambda a, b: (a * a + 0.5) ** b.tanh(),
    "**k": lambda a, b: a**3.0,
    "k**": lambda a, b: 2.5 ** a.tanh(),
    "neg": lambda a, b: -a,
    "exp": lambda a, b: a.tanh().exp(),
    "log": lambda a, b: (a * a + 0.5).log(),
    "sqrt": lambda a, b: (a * a + 0.25).sqrt(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "relu": lambda a, b: a.relu(),
    "sin": lambda a, b: a.sin(),
    "cos": lambda a, b: a.cos(),
    "abs": lambda a, b: abs(a),
    "sum": lambda a, b: autograd_tiny.sum([a * b, a, 0.5, b]),
    "step": lambda a, b: record("step", a) * b,
    "sign": lambda a, b: record("sign", a) * b,
}


@pytest.fixture
def user_ops(own_rules: None) -> dict[str, Op]:
    """Three operations of a user's own through define_op (one smooth, two branching), removed afterwards."""
    softplus = define_op("softplus", lambda m, x, _: m.log(1.0 + m.exp(x)),
                         lambda m, x, _, out: (m.sigmoid(x),))  # fmt: skip
    leaky = define_op("leaky", lambda m, x, _: x if x > 0 else 0.1 * x,
                      lambda m, x, _, out: (1.0 if x > 0 else 0.1,))  # fmt: skip
    smooth_max = define_op("hinge2", lambda m, x, y: x * y if x > y else x - y,
                           lambda m, x, y, out: (y, x) if x > y else (1.0, -1.0))  # fmt: skip
    return {"softplus": lambda a, b: softplus(a), "leaky": lambda a, b: leaky(a),
            "hinge2": lambda a, b: smooth_max(a, b)}  # fmt: skip


def test_every_builtin_rule_is_used_here() -> None:
    assert set(USES) == {op for op in RULES if op in USES or op in _builtin_rules()}


def _builtin_rules() -> set[str]:
    return {op for op, (forward, _) in RULES.items() if forward.__module__ == "autograd_tiny.engine"}


# ---- the graphs: a program over parameters and per-sample leaves ---------------------------------

Program = list[tuple[str, int, int]]


def random_program(ops: list[str], rng: random.Random, steps: int = 30) -> Program:
    return [(rng.choice(ops), rng.randrange(5 + i), rng.randrange(5 + i)) for i in range(steps)]


def run(program: Program, uses: dict[str, Op], params: list[Value], sample: list[Value]) -> Value:
    """One sample's output: each step applies an op to earlier results; the output adds the first and last."""
    first = [params[0] * sample[0], params[1] + sample[1], sample[2] * params[2] - params[0]]
    pool = [*first, sample[0], params[1]]
    for op, i, j in program:
        pool.append(uses[op](pool[i], pool[j]))
    return sum(pool[-6:] + pool[1:3], pool[0] * params[2])


def eager_over_rows(program: Program, uses: dict[str, Op], weights: list[float], rows: list[list[float]]
                    ) -> tuple[list[float], list[float], Value, list[Value]]:  # fmt: skip
    """The eager engine on the dataset's graph: every sample's output added in order, then backward()."""
    params = [Value(w) for w in weights]
    outputs = [run(program, uses, params, [Value(x) for x in row]) for row in rows]
    total = outputs[0]
    for out in outputs[1:]:
        total = total + out
    total.backward()
    return [o.data for o in outputs], [p.grad for p in params], total, params


def replayer(program: Program, uses: dict[str, Op], weights: list[float], record: list[float]
             ) -> Callable[..., object]:  # fmt: skip
    params = [Value(w) for w in weights]
    sample = [Value(x) for x in record]
    return compile_replay(run(program, uses, params, sample), params, sample)


def rows_of(rng: random.Random, n: int) -> list[list[float]]:
    return [[rng.uniform(-1.5, 1.5) for _ in range(3)] for _ in range(n)]


def assert_all_agree(program: Program, uses: dict[str, Op], rng: random.Random) -> None:
    weights = [rng.uniform(-1, 1) for _ in range(3)]
    rows = rows_of(rng, 12)
    outputs, grads, total, params = eager_over_rows(program, uses, weights, rows)
    replay = replayer(program, uses, [0.3, -0.2, 0.9], [0.5, -0.5, 1.0])  # recorded elsewhere
    got = replay(weights, rows)  # type: ignore[operator]
    assert got.outputs == outputs  # bit for bit
    assert got.grads == grads
    whole = compile_graph(total, params)(weights)  # the dataset's graph compiled at once agrees too
    assert whole[1] == grads
    batched = replay.batched(weights, np.array(rows))  # type: ignore[attr-defined]
    assert batched.outputs == pytest.approx(outputs, rel=1e-12, abs=1e-12)
    assert batched.grads == pytest.approx(grads, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("op", sorted(USES))
def test_each_operation_replays_eager_numbers_per_sample_and_batched(op: str) -> None:
    rng = random.Random(op)
    assert_all_agree([(op, 0, 1), (op, 2, 3), ("*", 5, 6), (op, 7, 4)], USES, rng)


@pytest.mark.parametrize("seed", range(8))
def test_random_graphs_over_every_operation_agree(seed: int) -> None:
    rng = random.Random(seed)
    assert_all_agree(random_program(sorted(USES), rng), USES, rng)


@pytest.mark.parametrize("seed", range(4))
def test_random_graphs_with_user_defined_operations_agree(seed: int, user_ops: dict[str, Op]) -> None:
    rng = random.Random(100 + seed)
    uses = {**USES, **user_ops}
    program = random_program(sorted(uses), rng)
    program += [(op, rng.randrange(30), rng.randrange(30)) for op in user_ops]
    assert_all_agree(program, uses, rng)


def test_an_mlp_hinge_step_with_mean_and_penalty_equals_eager_to_the_bit() -> None:
    """The pieces fit() uses: scale = 1/n for a mean, start = the penalty's gradients, added first."""
    model = nn.MLP(2, [8, 8, 1], seed=3)
    params = model.parameters()
    rng = random.Random(3)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(40)]
    signs = [rng.choice([-1.0, 1.0]) for _ in X]
    terms = [(1 + -t * model(x)).relu() for x, t in zip(X, signs)]
    penalty = 1e-4 * sum((p * p for p in params[1:]), params[0] * params[0])
    loss = sum(terms[1:], terms[0]) * (1.0 / len(terms)) + penalty
    model.zero_grad()
    loss.backward()
    eager = [p.grad for p in params]

    model.zero_grad()
    penalty_alone = 1e-4 * sum((p * p for p in params[1:]), params[0] * params[0])
    penalty_alone.backward()
    features, sign = [Value(0.0), Value(0.0)], Value(1.0)
    replay = compile_replay((1 + sign * model(features)).relu(), params, [*features, sign])
    got = replay([p.data for p in params], [[*x, -t] for x, t in zip(X, signs)],
                 scale=1.0 / len(X), start=[p.grad for p in params])  # fmt: skip
    assert got.grads == eager
    assert sum(got.outputs[1:], got.outputs[0]) * (1.0 / len(X)) + penalty_alone.data == loss.data


@pytest.mark.parametrize("seed", range(6))
def test_values_are_the_forward_pass_of_a_call_to_the_bit(seed: int) -> None:
    rng = random.Random(200 + seed)
    program = random_program(sorted(USES), rng)
    params, sample = [Value(0.3), Value(-0.2), Value(0.9)], [Value(0.5), Value(-0.5), Value(1.0)]
    out = run(program, USES, params, sample)
    watched = [out.parents[0], out]
    replay = compile_replay(out, params, sample, watched)
    weights, rows = [rng.uniform(-1, 1) for _ in range(3)], rows_of(rng, 9)
    rows[3] = [math.inf, -0.0, math.nan]  # the forward pass's special values too
    full, forward = replay(weights, rows), replay.values(weights, rows)
    assert repr(forward.outputs) == repr(full.outputs) and repr(forward.watched) == repr(full.watched)
    assert forward.grads == []
    assert "G0" in replay.source() and "G0" not in replay.source(gradients=False)  # no backward lines


def test_watched_nodes_report_their_value_for_every_row() -> None:
    w, x = Value(2.0), Value(0.0)
    hidden = (w * x).tanh()
    replay = compile_replay(hidden * hidden, [w], [x], watch=[hidden])
    got = replay([0.5], [[1.0], [-2.0]])
    assert got.watched == [(math.tanh(0.5),), (math.tanh(-1.0),)]
    batched = replay.batched([0.5], [[1.0], [-2.0]])
    assert batched.watched[0] == pytest.approx([math.tanh(0.5), math.tanh(-1.0)], rel=1e-15)


def test_leaves_that_are_neither_inputs_nor_samples_are_constants() -> None:
    w, x, c = Value(1.0), Value(0.0), Value(3.0)
    replay = compile_replay(w * x + c, [w], [x])
    c.data = 100.0  # frozen at compile time
    assert replay([2.0], [[1.0], [5.0]]).outputs == [5.0, 13.0]
    assert replay([2.0], [[1.0], [5.0]]).grads == [6.0]


def test_a_node_of_parameters_only_is_computed_once_but_differentiated_per_row() -> None:
    w, x = Value(1.0), Value(0.0)
    replay = compile_replay((w * w).exp() * x, [w], [x])
    got = replay([0.5], [[1.0], [2.0], [3.0]])
    slope = math.exp(0.25) * 2 * 0.5  # d exp(w * w) / dw at w = 0.5
    assert got.grads == [slope * 3 + slope * 2 + slope * 1]  # the last row first


# ---- the array forms --------------------------------------------------------------------------

POINTS = [-3.0, -1.0, -0.5, -0.0, 0.0, 0.25, 1.0, 2.0, 40.0, -40.0]


@pytest.mark.parametrize("name", ["exp", "tanh", "sin", "cos", "sqrt", "abs", "log", "pow", "sigmoid", "relu"]
                         )  # fmt: skip
def test_array_math_is_float_math_element_wise(name: str) -> None:
    scalar, array = getattr(FloatMath, name), getattr(arraymath.ArrayMath, name)
    if name == "pow":
        args = [(x, y) for x in POINTS for y in (-1.0, 2.0, 0.0, 2.5, -0.5) if x >= 0 or y == int(y)]
    else:
        args = [(x,) for x in POINTS if name != "sqrt" or x >= 0]
    with np.errstate(all="ignore"):
        got = array(*(np.array(column) for column in zip(*args)))
    for a, value in zip(args, got):
        assert value == pytest.approx(scalar(*a), rel=1e-15, abs=0.0, nan_ok=True)


@pytest.mark.parametrize("op", sorted(set(USES) - {"sum"}))  # n-ary sum never branches: printed as is
def test_the_array_form_of_every_rule_equals_the_rule_element_wise(op: str) -> None:
    forward, local = RULES[op]
    pair = op in ("+", "-", "*", "/", "**")  # the second operand a Value; else a constant k or None
    array_forward = arraymath.array_rule(forward, 3, op, pair)
    array_local = arraymath.array_rule(local, 4, op, pair)
    inside = {"sqrt": lambda x: x >= 0, "k/": lambda x: x != 0, "exp": lambda x: x < 700}.get(op, bool)
    xs = np.array([x for x in POINTS if inside(x)])
    y = np.full(len(xs), 2.0) if pair else (2.0 if "k" in op else None)
    with np.errstate(all="ignore"):
        values = array_forward(arraymath.ArrayMath, xs, y)
        locals_ = array_local(arraymath.ArrayMath, xs, y, values)
    k_or_y = None if y is None else 2.0
    for k, x in enumerate(xs):
        want = forward(FloatMath, float(x), k_or_y)
        assert values[k] == pytest.approx(want, rel=1e-15, nan_ok=True)
        for got_local, want_local in zip(locals_, local(FloatMath, float(x), k_or_y, want)):
            got = np.broadcast_to(got_local, xs.shape)[k]
            assert got == pytest.approx(want_local, rel=1e-15, nan_ok=True)


def test_branches_are_joined_element_wise() -> None:
    abs_local = arraymath.array_rule(RULES["abs"][1], 4, "abs", y_is_value=False)
    (slopes,) = abs_local(arraymath.ArrayMath, np.array([-2.0, 0.0, 3.0]), None, None)
    assert list(slopes) == [-1.0, 0.0, 1.0]


# ---- errors -----------------------------------------------------------------------------------


def test_bad_arguments_are_refused_by_name_before_any_work() -> None:
    w, x, y = Value(1.0, label="w"), Value(0.0, label="x"), Value(5.0, label="y")
    out = w * x
    with pytest.raises(TypeError, match="output must be a Value"):
        compile_replay(1.0, [w], [x])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"sample 0, Value\(.*label='w'\), is already listed as input 0"):
        compile_replay(out, [w], [w])
    with pytest.raises(ValueError, match=r"sample 1, .*label='y'.*is not in the graph"):
        compile_replay(out, [w], [x, y])
    with pytest.raises(ValueError, match=r"input 0, .* is made by '\*'; it must be a leaf"):
        compile_replay(out + 1.0, [out], [x])
    with pytest.raises(TypeError, match="sample 0 must be a Value, got float"):
        compile_replay(out, [w], [0.5])  # type: ignore[list-item]
    replay = compile_replay(out, [w], [x])
    with pytest.raises(ValueError, match="row 1 must hold 1 sample values, got 2 values"):
        replay([1.0], [[1.0], [1.0, 2.0]])
    with pytest.raises(TypeError, match="row 0 holds str 'a'"):
        replay([1.0], [["a"]])
    with pytest.raises(TypeError, match="row 0 holds bool"):
        replay([1.0], [[True]])
    with pytest.raises(ValueError, match="expects 1 parameter values, got 2"):
        replay([1.0, 2.0], [[1.0]])
    with pytest.raises(TypeError, match="parameter value 0 must be a number, got NoneType"):
        replay([None], [[1.0]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="rows must be a non-empty sequence"):
        replay([1.0], [])
    with pytest.raises(ValueError, match=r"start must hold 1 numbers"):
        replay([1.0], [[1.0]], start=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"a 2-D table of \(rows, 1\) sample values, got shape \(2, 2\)"):
        replay.batched([1.0], [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match="rows must hold numbers"):
        replay.batched([1.0], [["a"]])


def test_values_refuse_bad_arguments_by_their_own_name() -> None:
    w, x = Value(1.0, label="w"), Value(0.0, label="x")
    replay = compile_replay(w * x, [w], [x])
    with pytest.raises(ValueError, match=r"replay\.values: row 1 must hold 1 sample values, got 2 values"):
        replay.values([1.0], [[1.0], [1.0, 2.0]])
    with pytest.raises(TypeError, match=r"replay\.values: row 0 holds bool"):
        replay.values([1.0], [[True]])
    with pytest.raises(ValueError, match=r"replay\.values: expects 1 parameter values, got 2"):
        replay.values([1.0, 2.0], [[1.0]])
    with pytest.raises(TypeError, match=r"replay\.values: parameter value 0 must be a number, got NoneType"):
        replay.values([None], [[1.0]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"replay\.values: rows must be a non-empty sequence"):
        replay.values([1.0], [])


def test_two_threads_making_the_forward_pass_at_once_each_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """`values` writes its function on its first call; two first calls at once must not mix up."""
    w, x = Value(1.0), Value(0.0)
    compiled = compile_replay(w * x, [w], [x])
    both_written = threading.Barrier(2, timeout=20)

    def exec_then_wait(code: Any, scope: dict[str, Any]) -> None:
        exec(code, scope)
        both_written.wait()  # neither thread goes on until both have written their function

    monkeypatch.setattr(replay_module, "exec", exec_then_wait, raising=False)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(compiled.values([2.0], [[3.0]]).outputs))
               for _ in range(2)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[6.0], [6.0]]


def test_a_pickled_replay_loads_with_the_constants_it_froze() -> None:
    model, x, k = nn.MLP(2, [4, 1], seed=0), [Value(0.0), Value(0.0)], Value(3.0)
    out = model(x).relu() * k
    compiled = compile_replay(out, model.parameters(), x, [out])
    k.data = 5.0  # after compiling: the replay keeps 3.0, and so must its pickled copy
    loaded = pickle.loads(pickle.dumps(compiled))
    weights = [p.data for p in model.parameters()]
    rows = [[0.5, -1.0], [math.inf, 0.0], [-0.0, 0.0]]
    assert repr(loaded(weights, rows)) == repr(compiled(weights, rows))
    assert repr(loaded.values(weights, rows)) == repr(compiled.values(weights, rows))
    assert loaded.batched(weights, rows[::2]).grads == compiled.batched(weights, rows[::2]).grads


def test_graph_nodes_stay_untouched_by_replays() -> None:
    w, x = Value(1.0), Value(0.5)
    out = (w * x).relu()
    replay = compile_replay(out, [w], [x])
    replay([3.0], [[2.0], [-1.0]])
    replay.batched([3.0], [[2.0], [-1.0]])
    assert (w.data, x.data, out.data, w.grad) == (1.0, 0.5, 0.5, 0.0)
    assert len(backward_order(out)) == 4  # w, x, w * x, relu
