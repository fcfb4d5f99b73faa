"""Notebook 8's checks: a replay that goes stale on a Python `if`, and when compiling pays off."""

from __future__ import annotations

import math

from autograd_tiny.compile.graph import compile_graph
from autograd_tiny.compile.replay import SampleReplay
from autograd_tiny.engine import Value, backward_order
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    check_close,
    check_function,
    plain_number,
    require_function,
)


def check_replay_goes_stale(fn: object) -> None:
    """fn(score, y) is max(0, 1 - y * score) written with a Python `if` on .data, so its replay goes stale."""
    f = require_function("hinge_with_if", fn)
    for s, y in [(0.5, 1.0), (2.0, 1.0), (0.3, -1.0), (-2.0, -1.0)]:
        out = call_answer("hinge_with_if", f, Value(s), y)
        check_close(f"hinge_with_if(Value({s:g}), {y:g})", getattr(out, "data", out), max(0.0, 1.0 - y * s))
    score = Value(0.5)
    loss = f(score, 1.0)
    if not isinstance(loss, Value) or score not in backward_order(loss):
        raise ExerciseError(
            "hinge_with_if must return a Value computed from score where the margin is violated"
        )
    replayed, _ = compile_graph(loss, [score])([2.0])
    if replayed == max(0.0, 1.0 - 2.0):
        raise ExerciseError(
            "the replay recorded at score 0.5 still gives the right loss at score 2.0: the "
            "decision is an operation (relu, max), not a Python `if` on .data"
        )


def check_break_even(fn: object) -> None:
    """fn(compile_s, eager_s, compiled_s) = the fewest steps for compiling to pay off (inf if never)."""

    def steps(compile_s: float, eager_s: float, compiled_s: float) -> float:
        saved = eager_s - compiled_s
        return math.ceil(compile_s / saved) if saved > 0 else math.inf

    cases = [(2.1, 0.31, 0.006), (1.0, 0.1, 0.0), (0.5, 0.2, 0.1), (1.0, 0.1, 0.2)]
    check_function("steps_to_pay_off", fn, steps, cases)


def check_grads_apart(
    answer: object, replay: SampleReplay, weights: list[float], rows: list[list[float]]
) -> None:
    """answer = the largest absolute difference between replay's gradients row by row and batched.

    The outputs of the two runs are the same floats (each row's own arithmetic), so the exercise asks
    about the gradients, sums over the rows taken in two orders: 0 is refused, as a guess or as the
    difference of a run with itself.
    """
    got = plain_number("grads_apart", answer)
    if got == 0.0:
        raise ExerciseError(
            "grads_apart: got 0, the two runs agreeing bit for bit; compare replay(...).grads with "
            "replay.batched(...).grads, not a run with itself or the outputs"
        )
    by_rows = replay(weights, rows).grads
    by_arrays = replay.batched(weights, rows).grads
    expected = max(abs(a - b) for a, b in zip(by_rows, by_arrays))
    check_close("grads_apart", got, expected, rel_tol=1e-9, abs_tol=0.0,
                hint="the largest absolute difference over every parameter's gradient")  # fmt: skip
