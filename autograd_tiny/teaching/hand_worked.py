"""Notebook 2b's network, Matt Mazur's hand-worked 2-2-2 example, and the check of its numbers by hand.

The network (two inputs, two logistic hidden units, two logistic outputs, one bias per layer held
fixed) is built with the engine, so the check compares a learner's hand-worked numbers with
backward()'s, never with numbers copied from the post.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from autograd_tiny.engine import Value
from autograd_tiny.ops import value_sum
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    check_all_close,
    check_close,
    require_answer,
    require_function,
)

INPUTS = (0.05, 0.10)
TARGETS = (0.01, 0.99)
WEIGHTS = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)  # w1 .. w8
BIASES = (0.35, 0.60)  # b1 for the hidden layer, b2 for the outputs; not trained
LEARNING_RATE = 0.5


@dataclass(frozen=True)
class MazurNetwork:
    """The network's Values after one forward pass: weights w1..w8, hidden and output units, error E."""

    weights: list[Value]
    hidden: list[Value]
    outputs: list[Value]
    error: Value


def _named(node: Value, label: str) -> Value:
    node.label = label
    return node


def _unit(
    name: str, weights: list[Value], inputs: list[Value | float], names: list[str], bias: Value
) -> Value:
    """out = sigmoid(net), net one `sum` node of bias and the products, every node labelled as in the post."""
    products = [_named(w * x, f"{w.label}*{n}") for w, x, n in zip(weights, inputs, names)]
    net = _named(value_sum([*products, bias]), f"net_{name}")
    return _named(net.sigmoid(), f"out_{name}")


def mazur_network(weights: tuple[float, ...] = WEIGHTS) -> MazurNetwork:
    """The forward pass at the given weights (the post's by default), every node labelled as in the post."""
    i1, i2 = INPUTS
    w = [Value(v, label=f"w{k}") for k, v in enumerate(weights, start=1)]
    b1, b2 = Value(BIASES[0], label="b1"), Value(BIASES[1], label="b2")
    hidden = [
        _unit("h1", w[0:2], [i1, i2], ["i1", "i2"], b1),
        _unit("h2", w[2:4], [i1, i2], ["i1", "i2"], b1),
    ]
    outputs = [
        _unit("o1", w[4:6], list(hidden), ["out_h1", "out_h2"], b2),
        _unit("o2", w[6:8], list(hidden), ["out_h1", "out_h2"], b2),
    ]
    errors = []
    for k, (t, o) in enumerate(zip(TARGETS, outputs), start=1):
        gap = _named(t - o, f"t{k} - out_o{k}")
        errors.append(_named(0.5 * _named(gap**2, f"(t{k} - out_o{k})^2"), f"E_o{k}"))
    return MazurNetwork(w, hidden, outputs, _named(errors[0] + errors[1], "E"))


# Where to look when a hand-worked number is wrong: the path it takes through the network.
_HINTS = {
    "E": "E = 1/2 (t1 - out_o1)^2 + 1/2 (t2 - out_o2)^2, after the forward pass through both layers",
    "dE/dw5": "one path: (out_o1 - t1) * out_o1 (1 - out_o1) * out_h1",
    "dE/dw1": "out_h1 feeds both outputs: add the two paths (delta_o1 w5 + delta_o2 w7), then times "
    "out_h1 (1 - out_h1) and i1",
    "w5 after one step": "w5 - learning rate * dE/dw5, with the learning rate 0.5",
    "w1 after one step": "w1 - learning rate * dE/dw1, with the learning rate 0.5",
}


def check_mazur_numbers(answers: object) -> None:
    """answers maps each name of _HINTS to the number worked out by hand; each must equal the engine's."""
    require_answer("answers", answers)
    if not isinstance(answers, dict) or sorted(answers) != sorted(_HINTS):
        raise ExerciseError(f"answers: expected a dict with the keys {list(_HINTS)}, got {answers!r}")
    net = mazur_network()
    net.error.backward()
    w1, w5 = net.weights[0], net.weights[4]
    engine = {
        "E": net.error.data,
        "dE/dw5": w5.grad,
        "dE/dw1": w1.grad,
        "w5 after one step": w5.data - LEARNING_RATE * w5.grad,
        "w1 after one step": w1.data - LEARNING_RATE * w1.grad,
    }
    for name, hint in _HINTS.items():
        check_close(name, answers[name], engine[name], rel_tol=1e-7, hint=hint)


def weights_after_one_step() -> list[float]:
    """w1..w8 after one step, by the delta rules on plain floats: an account independent of the engine."""
    i1, i2 = INPUTS
    (t1, t2), (b1, b2) = TARGETS, BIASES
    w1, w2, w3, w4, w5, w6, w7, w8 = WEIGHTS

    def f(x: float) -> float:
        return 1 / (1 + math.exp(-x))

    h1, h2 = f(w1 * i1 + w2 * i2 + b1), f(w3 * i1 + w4 * i2 + b1)
    o1, o2 = f(w5 * h1 + w6 * h2 + b2), f(w7 * h1 + w8 * h2 + b2)
    d_o1, d_o2 = (o1 - t1) * o1 * (1 - o1), (o2 - t2) * o2 * (1 - o2)
    d_h1 = (d_o1 * w5 + d_o2 * w7) * h1 * (1 - h1)
    d_h2 = (d_o1 * w6 + d_o2 * w8) * h2 * (1 - h2)
    grads = [d_h1 * i1, d_h1 * i2, d_h2 * i1, d_h2 * i2, d_o1 * h1, d_o1 * h2, d_o2 * h1, d_o2 * h2]
    return [w - LEARNING_RATE * g for w, g in zip(WEIGHTS, grads)]


def check_all_new_weights(fn: object) -> None:
    """fn() = the eight weights after one step, w1..w8, as the delta rules give them."""
    f = require_function("all_new_weights", fn)
    got = call_answer("all_new_weights", f)
    check_all_close("all_new_weights()", got, weights_after_one_step(), rel_tol=1e-9)
