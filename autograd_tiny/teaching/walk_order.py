"""Notebook 3's checks: the order in which backward() visits nodes, its frames, and why depth-first fails."""

from __future__ import annotations

from autograd_tiny.engine import Value, backward_order
from autograd_tiny.nn import MLP
from autograd_tiny.teaching.chain_rule import chain_rule_grads
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    check_equal,
    close_enough,
    require_answer,
    require_function,
)


def _steps(root: Value) -> dict[Value, int]:
    """The step of root.backward() at which each node's own chain-rule step runs (1 = the root's)."""
    return {node: step for step, node in enumerate(backward_order(root), start=1)}


def check_final_grad_frame(answer: object, root: Value, node: Value) -> None:
    """answer is the first frame of backward_steps(root) in which node's gradient is final."""
    steps = _steps(root)
    expected = max((steps[n] for n in steps if any(p is node for p in n.parents)), default=0)
    check_equal(f"the first frame with {node.label or 'the node'}'s final gradient", answer, expected)


def check_contribution_steps(answer: object, root: Value, node: Value) -> None:
    """answer lists the steps of backward() that add to node's gradient, once per contribution."""
    steps = _steps(root)
    expected = sorted(steps[n] for n in steps for p in n.parents if p is node)
    name = f"the steps adding to {node.label or 'the node'}'s gradient"
    require_answer(name, answer)
    if not isinstance(answer, (list, tuple)):
        raise ExerciseError(f"{name}: expected a list of step numbers, got {answer!r}")
    got = sorted(answer)
    if got != expected and set(got) == set(expected):
        raise ExerciseError(
            f"{name}: the right steps, but list a step once per contribution: a node that "
            f"uses {node.label or 'it'} twice sends two"
        )
    check_equal(name, got, expected)


def depth_first_order(root: Value) -> list[Value]:
    """Nodes in the order a depth-first search from root first reaches them (no sorting).

    Deliberately not `backward_order` (the engine's one walk): notebook 3 uses it to show that this
    order can reach a node before all of its consumers, which backward() must not do.
    """
    seen: set[Value] = set()
    order: list[Value] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(reversed(node.parents))
    return order


def check_depth_first_order_fails(root: object) -> None:
    """Running the chain rule in depth-first order from root gives some node a wrong gradient.

    Reaching a node before one of its consumers is not enough: if that node is a leaf, it passes
    nothing on, and every gradient still comes out right.
    """
    require_answer("expression", root)
    if not isinstance(root, Value):
        raise ExerciseError(f"expression: expected a Value, got {type(root).__name__}")
    right = chain_rule_grads(root)
    depth_first = chain_rule_grads(root, depth_first_order(root))
    if any(not close_enough(depth_first[node], right[node], 1e-9, 1e-12) for node in right):
        return
    raise ExerciseError(
        "in this expression the chain rule in depth-first order still gives every gradient right: "
        "a node reached before one of its consumers must pass its (unfinished) gradient on, so it "
        "cannot be a leaf; let an inner node be used by a short path and a longer one"
    )


def check_frame_count(predicted: object) -> None:
    """predicted(width) = the number of backward_steps frames of MLP(1, [width, 1]) on one input."""
    f = require_function("predicted_frames", predicted)
    for width in range(1, 7):
        out = MLP(1, [width, 1], seed=0)([Value(0.5)])
        assert isinstance(out, Value)
        frames = len(backward_order(out)) + 1
        check_equal(f"predicted_frames({width})", call_answer("predicted_frames", f, width), frames)
