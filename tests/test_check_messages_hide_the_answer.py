"""No check's failure message contains the answer that passes it.

A message says what is wrong and where to look (too large or too small, which node, which case);
a learner who could copy the accepted value out of it would learn nothing. Each case below feeds a
check a plausible wrong answer, takes the message, and looks in it for the accepted answer written
every way a message could write it. The first six are the leaks issue 22 found in the notebooks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest

from autograd_tiny import Value
from autograd_tiny.exercises import (
    ExerciseError,
    check_adam_first_step,
    check_backprop,
    check_backward_from_scratch,
    check_close,
    check_contribution_steps,
    check_divergence_rule,
    check_epochs_to_reach,
    check_equal,
    check_final_grad_frame,
    check_frame_count,
    check_manual_grads,
    layer_gradients,
)
from autograd_tiny.optim import Adam


def renderings(answer: object) -> set[str]:
    """The ways a message could write answer: repr, and floats to 4, 6, 10 and 17 significant digits."""
    if isinstance(answer, float):
        return {repr(answer)} | {f"{answer:.{digits}g}" for digits in (4, 6, 10, 17)}
    return {repr(answer), str(answer)}


def shows(message: str, answer: object) -> bool:
    """Whether message writes answer as a number or word of its own (not inside a longer one)."""
    return any(re.search(rf"(?<![\w.-]){re.escape(r)}(?!\.?\d)(?!\w)", message) for r in renderings(answer))


def message_of(check: Callable[..., None], *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ExerciseError) as info:
        check(*args, **kwargs)
    return str(info.value)


def manual_grads_message() -> tuple[str, float]:
    """check_manual_grads on a neuron whose w.grad treats `*` like `+`; and the w.grad that passes."""
    x, w = Value(2.0, label="x"), Value(-0.75, label="w")
    xw = x * w
    o = (xw + 0.3).tanh()
    o.backward()
    accepted = w.grad
    w.grad = xw.grad  # the gradient of x * w itself, passed on as if by a `+`
    return message_of(check_manual_grads, o), accepted


def frame_cases() -> list[tuple[str, object]]:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    L = (x * w + b).tanh() ** 2 + x
    twice = Value(0.5, label="x")
    L2 = (twice * 2).tanh() ** 2 + twice * twice
    return [
        (message_of(check_final_grad_frame, 5, L, b), 4),
        (message_of(check_contribution_steps, [2, 7], L2, twice), [2, 2, 5]),
        (message_of(check_contribution_steps, [2, 2, 7], L2, twice), [2, 2, 5]),
    ]


def adam_change(g: float, lr: float) -> float:
    p = Value(1.0)
    p.grad = g
    Adam([p], lr=lr).step()
    return p.data - 1.0


def backprop_case() -> tuple[str, object]:
    W = [[[0.1, -0.2], [0.3, 0.4]], [[0.5, -0.6]]]
    deltas, weights, _ = layer_gradients(W, [1.0, 2.0], [0.25])
    wrong = ([[2 * d for d in layer] for layer in deltas], weights)
    return message_of(check_backprop, "mine", wrong, W, [1.0, 2.0], [0.25]), deltas[0][0]


def cases() -> list[tuple[str, object]]:
    """(message, accepted answer) for a wrong answer to each check that compares with a value."""
    return [
        # the leaks issue 22 found
        *frame_cases()[:2],
        (message_of(check_equal, "grows_with_square", "fwd", "rev"), "rev"),
        (message_of(check_close, "last_along", 0.1334202807, -0.1334202807, rel_tol=1e-9), -0.1334202807),
        (message_of(check_close, "f32_change", 0.0, 3.0517578125e-09), 3.0517578125e-09),
        manual_grads_message(),
        (message_of(check_epochs_to_reach, lambda acc, level: 2), 3),
        # every other check that compares an answer with a value
        frame_cases()[2],
        (message_of(check_close, "x", 14.3, 14.0), 14.0),
        (message_of(check_equal, "count", 12, 10), 10),
        (message_of(check_equal, "flag", False, True), True),
        (message_of(check_frame_count, lambda width: 5 * width + 3), 11),
        (message_of(check_adam_first_step, lambda g, lr: -lr * g), adam_change(0.5, 0.01)),
        (message_of(check_divergence_rule, lambda lr, c: lr * c > 1), False),
        (message_of(check_backward_from_scratch, lambda root: root.backward()), 1.0),
        backprop_case(),
    ]


def test_no_failure_message_shows_the_accepted_answer() -> None:
    found = cases()
    assert len(found) >= 16
    leaks = [(message, answer) for message, answer in found if shows(message, answer)]
    assert not leaks


def test_the_scan_would_find_an_answer_written_in_a_message() -> None:
    """The scan itself can fail: the old messages, which said the expected value, are caught."""
    assert shows("the first frame with b's final gradient: expected 4, got 5", 4)
    assert shows("grows_with_square: expected 'rev', got 'fwd'", "rev")
    assert shows("last_along: expected -0.1334202807, got 0.1334202807", -0.1334202807)
    assert shows("'w1': .grad should be 1, got 2", 1.0) or shows("'w1': .grad should be 1, got 2", 1)
    assert not shows("last_along: got 0.1334202807, too large", -0.1334202807)
    assert not shows("steps: got 14.3, too large", 14.0)
    assert math.isfinite(adam_change(0.5, 0.01))
