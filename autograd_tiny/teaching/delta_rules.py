"""Notebook 2's checks: deltas and weight gradients by the delta rules, against the engine's backward()."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from autograd_tiny.checks import brief
from autograd_tiny.engine import Value
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    check_all_close,
    check_equal,
    require_answer,
    require_function,
)


def _activate(x: Value, activation: str) -> Value:
    if activation not in ("sigmoid", "tanh", "relu"):
        raise ValueError(f"activation: expected 'sigmoid', 'tanh' or 'relu', got {activation!r}")
    out: Value = getattr(x, activation)()
    return out


def layer_gradients(
    W: Sequence[Sequence[Sequence[float]]],
    x_input: Sequence[float],
    target: Sequence[float],
    *,
    biases: Sequence[Sequence[float]] | None = None,
    activation: str = "sigmoid",
    cost: str = "squared",
) -> tuple[list[list[float]], list[list[list[float]]], list[list[float]]]:
    """The engine's deltas (dc/dx_n, n = 2..N), dc/dw_n and dc/db_n for notebook 2's layered network.

    y_1 = x_1 is the input, x_{n+1} = w_n y_n (+ b_n), y_n = f(x_n); cost "squared" is
    1/2 sum (y_N - t)^2, "cross_entropy" is -sum[t log y_N + (1 - t) log(1 - y_N)].
    """
    if cost not in ("squared", "cross_entropy"):
        raise ValueError(f"layer_gradients: cost must be 'squared' or 'cross_entropy', got {cost!r}")
    Wv = [[[Value(v) for v in row] for row in w] for w in W]
    bv = (
        [[Value(v) for v in b] for b in biases]
        if biases is not None
        else [[Value(0.0) for _ in w] for w in W]
    )
    y: list[Value] = [Value(v) for v in x_input]
    xs: list[list[Value]] = []
    for w, b in zip(Wv, bv):
        xs.append([sum((wji * yi for wji, yi in zip(row, y)), bj) for row, bj in zip(w, b)])
        y = [_activate(v, activation) for v in xs[-1]]
    if cost == "squared":
        c = 0.5 * sum((yk - tk) ** 2 for yk, tk in zip(y, target))
    else:
        c = -sum(tk * yk.log() + (1 - tk) * (1 - yk).log() for yk, tk in zip(y, target))
    assert isinstance(c, Value)
    c.backward()
    deltas = [[v.grad for v in layer] for layer in xs]
    return deltas, [[[v.grad for v in row] for row in w] for w in Wv], [[v.grad for v in b] for b in bv]


def check_backprop(
    name: str,
    result: object,
    W: Sequence[Sequence[Sequence[float]]],
    x_input: Sequence[float],
    target: Sequence[float],
    *,
    biases: Sequence[Sequence[float]] | None = None,
    activation: str = "sigmoid",
    cost: str = "squared",
) -> None:
    """result = (deltas, weight gradients[, bias gradients]) by the delta rules, equal to the engine's.

    result may also be a function of no arguments computing it, so that an error raised while using
    an unfinished answer is reported as such.
    """
    require_answer(name, result)
    if callable(result):
        result = call_answer(name, result)
        require_answer(name, result)
    if not isinstance(result, (list, tuple)) or len(result) not in (2, 3):
        raise ExerciseError(f"{name}: expected (deltas, weight_grads) or (deltas, weight_grads, bias_grads)")
    deltas, weights, bias_grads = layer_gradients(
        W, x_input, target, biases=biases, activation=activation, cost=cost
    )
    parts = [("deltas (delta_2 first)", deltas), ("dc/dw", weights), ("dc/db", bias_grads)]
    for (what, expected), got in zip(parts, result):
        check_all_close(f"{name}: {what}", got, expected, rel_tol=1e-7, abs_tol=1e-12)


def check_multiplication_counts(fn: object) -> None:
    """fn(sizes) = (forward, backward): multiplications in the weighted sums and in w^T delta plus dc/dw."""
    f = require_function("multiplications", fn)
    for sizes in ([3, 4, 3, 2], [2, 5, 1], [10, 20, 20, 5], [784, 100, 10]):
        products = [a * b for a, b in itertools.pairwise(sizes)]
        got = call_answer("multiplications", f, sizes)
        require_answer(f"multiplications({sizes})", got)
        if not isinstance(got, (list, tuple)) or len(got) != 2:
            raise ExerciseError(
                f"multiplications({sizes}): expected a pair (forward, backward), got {brief(got)}"
            )
        check_equal(f"multiplications({sizes}): forward (one per weight)", got[0], sum(products))
        check_equal(
            f"multiplications({sizes}): backward (w_n^T delta_(n+1) for n >= 2, plus one per dc/dw entry)",
            got[1],
            sum(products) + sum(products[1:]),
        )
