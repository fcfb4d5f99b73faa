"""Notebook 1's checks: gradients set by hand, backward() run from scratch, a saturated neuron."""

from __future__ import annotations

from collections.abc import Sequence

from autograd_tiny.engine import Value, backward_order
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    close_enough,
    miss,
    plain_number,
    require_answer,
    require_function,
)


def chain_rule_grads(root: Value, order: Sequence[Value] | None = None) -> dict[Value, float]:
    """d root / d node for every node below root, from the recorded local derivatives (no .grad touched).

    The chain rule applied in backward()'s own order, `backward_order(root)` (a node after all its
    consumers), unless another order of the same nodes is given: notebook 3's depth-first one.
    """
    order = backward_order(root) if order is None else order
    grads = dict.fromkeys(order, 0.0)
    grads[root] = 1.0
    for node in order:
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] += local * grads[node]
    return grads


def _first_wrong_grad(
    root: Value, expected: dict[Value, float], rel_tol: float, abs_tol: float
) -> tuple[str, Value] | None:
    """The first node from the output whose .grad is not expected[node], with its name for a message."""
    for i, node in enumerate(backward_order(root)):
        if not close_enough(node.grad, expected[node], rel_tol, abs_tol):
            made_by = f"the node made by {node.op!r} (number {i} from the output)"
            return (repr(node.label) if node.label else made_by), node
    return None


def check_manual_grads(root: Value) -> None:
    """Each .grad below root, set by hand, is d root / d node; names the first wrong node from the output."""
    if not isinstance(root, Value):
        raise ExerciseError(f"check_manual_grads: expected the output Value, got {type(root).__name__}")
    expected = chain_rule_grads(root)
    wrong = _first_wrong_grad(root, expected, 1e-6, 1e-9)
    if wrong is not None:
        name, node = wrong
        unset = " (still 0: not filled in yet?)" if node.grad == 0.0 else ""
        raise ExerciseError(
            f"{name}: .grad is {node.grad:.6g}, {miss(node.grad, expected[node])}{unset}; "
            f"{_rule_for(root, node)}"
        )


# What each operation sends back to its inputs: the rule to look at when an input's gradient is wrong.
_RULES_IN_WORDS = {
    "+": "a `+` passes its gradient on unchanged to every input",
    "sum": "a `+` passes its gradient on unchanged to every input",
    "*": "a `*` sends each input its gradient times *the other* input",
    "tanh": "`tanh` multiplies its gradient by its local derivative 1 - o^2",
}


def _rule_for(root: Value, node: Value) -> str:
    """Where to look for node's gradient: the rules of the operations that use it, or the output's own."""
    if node is root:
        return "the output's own gradient is d o / d o"
    users = {user.op for user in backward_order(root) if any(p is node for p in user.parents)}
    rules = sorted(_RULES_IN_WORDS.get(op, f"use the local derivative of {op!r}") for op in users)
    return "; ".join(rules)


def check_backward_from_scratch(fn: object) -> None:
    """fn(root) resets every gradient below root, then runs backward(): two calls give the same grads."""
    f = require_function("backward_from_scratch", fn)
    x1, w1, b = Value(2.0, label="x1"), Value(-0.5, label="w1"), Value(0.3, label="b")
    out = (x1 * w1 + b).tanh()
    out.label = "out"
    expected = chain_rule_grads(out)
    for call in ("first", "second"):
        call_answer("backward_from_scratch", f, out)
        wrong = _first_wrong_grad(out, expected, 1e-9, 1e-12)
        if wrong is not None:
            name, node = wrong
            raise ExerciseError(
                f"after the {call} call, {name} has .grad {node.grad:.6g}, "
                f"{miss(node.grad, expected[node])}: backward() adds to .grad, so reset every node first"
            )


def check_saturated_neuron(inputs: object) -> None:
    """inputs = {x1, x2, w1, w2, b} for o = tanh(x1 w1 + x2 w2 + b) with |x1| >= 0.5 and |w1.grad| < 1e-4."""
    require_answer("inputs", inputs)
    names = ["x1", "x2", "w1", "w2", "b"]
    if not isinstance(inputs, dict) or sorted(inputs) != sorted(names):
        raise ExerciseError(f"inputs: expected a dict with the keys {names}, got {inputs!r}")
    vx1, vx2, vw1, vw2, vb = (Value(plain_number(name, inputs[name])) for name in names)
    n = vx1 * vw1 + vx2 * vw2 + vb
    o = n.tanh()
    o.backward()
    if abs(vx1.data) < 0.5:
        raise ExerciseError(f"x1 = {vx1.data:g}: keep |x1| >= 0.5, else w1.grad = x1 * n.grad is 0 trivially")
    if not abs(vw1.grad) < 1e-4:
        raise ExerciseError(
            f"w1.grad = {vw1.grad:.3g}, not yet below 1e-4: n = {n.data:.3g}, tanh'(n) = 1 - tanh(n)^2 = "
            f"{1 - o.data**2:.3g}; push |n| further out"
        )
