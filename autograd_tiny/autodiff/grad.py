"""`grad` and `hessian`: gradients as return values, and gradients you can differentiate again.

`grad(output, inputs)` runs the chain rule like `Value.backward()` but returns d output / d input
for the inputs asked for instead of adding to anyone's ``.grad``. With ``create_graph=True`` it
evaluates the engine's derivative rules (`RULES`) on Values instead of floats, so each gradient
is itself a Value in a graph and can be differentiated again, to any order.

Nothing here changes first-order `backward()`: it still multiplies the floats each node stored
when it was made (``local_grads``). The Value path is taken only when a graph of the gradient is
asked for, and it evaluates the very same rules, so the two can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any, Literal, overload

from autograd_tiny import modes
from autograd_tiny.checks import is_list, numbers_list
from autograd_tiny.engine import (
    CHOSEN_CASES,
    RULES,
    Value,
    backward_order,
    link,
    new_node,
    record,
    rule_operands,
)
from autograd_tiny.floatmath import MASKED, FloatMath
from autograd_tiny.modes import (
    RuleEscapesGraphError,
    anomaly_sites,
    check_contribution,
    enable_grad,
    evaluating_rule,
    rule_chose_case,
)
from autograd_tiny.ops import USER_OPS

Grad = Value | float  # a gradient while it is being accumulated: a Value, or a float constant


def held(value: float, *operands: tuple[Any, bool]) -> Value:
    """A derivative held at a constant by convention, as a node one order up can differentiate.

    PyTorch masks some derivatives (pow's at 0); differentiating the mask again it passes on
    0 times the hidden formula's derivative: 0 where that is finite, nan where it is not. Each
    (operand, nan?) pair says which; operands that are not Values are constants and skipped.
    """
    pairs = [(v, math.nan if undefined else 0.0) for v, undefined in operands if isinstance(v, Value)]
    node = new_node(value)
    if pairs and (not modes.open_blocks or modes.note_creation(node)):
        link(node, "held", None, tuple(v for v, _ in pairs), tuple(d for _, d in pairs))
    return node


def chosen_case(local: Grad, node: Value) -> Value:
    """local, a derivative of node that its rule chose by comparing operand values, marked as such.

    It passes gradients through unchanged (a constant case is flat: a masked 0), so derivatives
    are as before; `compile_graph` refuses it, since other inputs may need another case.
    """
    parents: tuple[Value, ...] = (local,) if isinstance(local, Value) else node.parents
    slopes = (1.0,) if isinstance(local, Value) else (MASKED,) * len(parents)
    case = new_node(float(local))
    if not modes.open_blocks or modes.note_creation(case):
        link(case, "case", None, parents, slopes)
    return case


class ValueMath:
    """The rules' maths on Values (``m`` under create_graph): each call records nodes, so a derivative
    is itself a graph that can be differentiated again."""

    exp, log, sqrt = staticmethod(Value.exp), staticmethod(Value.log), staticmethod(Value.sqrt)
    tanh, sigmoid, relu = staticmethod(Value.tanh), staticmethod(Value.sigmoid), staticmethod(Value.relu)
    sin, cos, abs = staticmethod(Value.sin), staticmethod(Value.cos), staticmethod(Value.abs)
    held = staticmethod(held)

    @staticmethod
    def pow(x: Grad, y: Grad) -> Grad:
        """x ** y, with IEEE's inf where it has a pole (0 to a negative power), as the rule on floats
        gives it: sqrt's derivative at 0 is inf, and a mask above it (relu's) still makes it 0."""
        if not isinstance(x, Value):
            return x**y
        return record("**" if isinstance(y, Value) else "**k", x, y, ieee=True)

    @staticmethod
    def step(x: Grad) -> Grad:
        return record("step", x) if isinstance(x, Value) else FloatMath.step(x)

    @staticmethod
    def sign(x: Grad) -> Grad:
        return record("sign", x) if isinstance(x, Value) else FloatMath.sign(x)


@overload
def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    create_graph: Literal[False] = False,
    allow_unused: Literal[False] | None = None,
    materialize_grads: bool = False,
) -> tuple[float, ...]: ...


@overload
def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    create_graph: Literal[True],
    allow_unused: Literal[False] | None = None,
    materialize_grads: bool = False,
) -> tuple[Value, ...]: ...


@overload
def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Value | float | None, ...]: ...


def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Value | float | None, ...]:
    """d output / d input for each input, as a tuple; no ``.grad`` anywhere is touched.

    As `torch.autograd.grad`: ``create_graph=True`` returns Values that can be differentiated
    again (else floats). An input the output does not depend on through the graph is an error,
    unless ``allow_unused=True`` (its gradient is then None) or ``materialize_grads=True`` (0).
    """
    targets = _check_grad_arguments(output, inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("grad: materialize_grads=True gives unused inputs 0, so it needs allow_unused=True")
    with enable_grad() if create_graph else nullcontext():  # as PyTorch: records even under no_grad()
        grads = _chain_rule(output, set(targets), create_graph)
    results: list[Value | float | None] = []
    for i, x in enumerate(targets):
        if x in grads:
            g = grads[x]
            results.append(Value(g) if create_graph and not isinstance(g, Value) else g)
        elif materialize_grads:
            results.append(Value(0.0) if create_graph else 0.0)
        elif allow_unused:
            results.append(None)
        else:
            raise ValueError(
                f"grad: input {i} ({x!r}) was not used to compute the output; "
                "pass allow_unused=True to get None for it, or materialize_grads=True to get 0"
            )
    return tuple(results)


def hessian(fn: Callable[[list[Value]], Value], xs: Sequence[float]) -> list[list[float]]:
    """The matrix of second partial derivatives of ``fn`` at the point ``xs``.

    ``fn`` takes one list of Values and returns a Value; row i is the gradient of
    d fn / d x_i, which `grad(..., create_graph=True)` makes differentiable. As PyTorch's
    functional API, it records fn's graph even inside `no_grad()`: it exists to differentiate.
    """
    leaves = [Value(x) for x in numbers_list("hessian", xs)]
    with enable_grad():
        out = fn(leaves)
        if not isinstance(out, Value):
            raise TypeError(f"hessian: fn must return a Value, got {type(out).__name__}: {out!r}")
        first = grad(out, leaves, create_graph=True, materialize_grads=True)
    return [list(grad(g, leaves, materialize_grads=True)) for g in first]


def _check_grad_arguments(output: object, inputs: object) -> list[Value]:
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}: {output!r}")
    targets = [inputs] if isinstance(inputs, Value) else inputs
    if not is_list(targets):
        raise TypeError(f"grad: inputs must be a Value or a list of Values, got {type(inputs).__name__}")
    if not targets:
        raise ValueError("grad: inputs is empty; name at least one Value to differentiate with respect to")
    for i, x in enumerate(targets):
        if not isinstance(x, Value):
            raise TypeError(f"grad: input {i} must be a Value, got {type(x).__name__}: {x!r}")
    return list(targets)


def _chain_rule(output: Value, targets: set[Value], create_graph: bool) -> dict[Value, Grad]:
    """d output / d node for every node on a path from the output down to a target.

    Only such nodes matter, so the walk skips the rest: with ``create_graph`` that keeps the
    graph of the gradient free of branches that cannot reach an input.
    """
    order = backward_order(output)
    on_path: set[Value] = set()
    for node in reversed(order):  # parents before children
        if node in targets or any(p in on_path for p in node.parents):
            on_path.add(node)
    grads: dict[Value, Grad] = {}
    if output in on_path:
        grads[output] = 1.0
    sites = anomaly_sites()
    for node in order:
        parents = node.parents
        if node not in grads or not parents:
            continue
        g = grads[node]
        locals_ = _value_locals(node) if create_graph else node.local_grads
        for parent, local in zip(parents, locals_):
            if parent in on_path:
                step = g if type(local) is float and local == 1.0 else local * g
                if sites is not None:
                    check_contribution("grad", node, parent, local, g, grads.get(parent), sites)
                grads[parent] = grads[parent] + step if parent in grads else step
    return grads



def _value_locals(node: Value) -> tuple[Grad, ...]:
    """The node's local derivatives as Values: its rule evaluated with m = ValueMath on its operands.

    A rule that turns a Value into a float (math.exp(x), float(x)) would give a derivative with no
    graph below it, and so a silent zero one order up: that raises `RuleEscapesGraphError`.
    """
    if node.rule in CHOSEN_CASES:  # made by `held` or `chosen_case` (above): its slopes are constants
        return node.local_grads
    x, y = rule_operands(node)
    try:
        rule_chose_case()  # forget a comparison made outside a rule
        with evaluating_rule(node.op):
            locals_ = tuple(RULES[node.rule][1](ValueMath, x, y, node))
        if rule_chose_case():
            locals_ = tuple(chosen_case(local, node) for local in locals_)
    except (ZeroDivisionError, ValueError) as e:
        if isinstance(e, RuleEscapesGraphError):
            raise
        at = ", ".join(f"{v.data!r}" for v in node.parents)
        raise type(e)(
            f"grad(create_graph=True): the derivative of {node.op!r} at {at} "
            f"has no finite Value to differentiate further: {e}"
        ) from e
    if node.rule in USER_OPS:
        for j, local in enumerate(locals_):
            if not isinstance(local, Value):
                _check_constant(node, j, local)
    return locals_


def _check_constant(node: Value, j: int, local: object) -> None:
    """A user rule gave derivative j as a plain number: refuse it if it changes with the operands.

    A true constant (3 for 3x, relu's 0 or 1) is the same on at least one side of the point;
    a number computed from ``.data`` changes on both sides, and would silently zero what is above it.
    """
    forward, local_rule = RULES[node.rule]
    x, y = rule_operands(node)
    n_operands = 2 if isinstance(y, Value) else 1
    point = [x.data, y.data if isinstance(y, Value) else y]
    for i in range(n_operands):
        h = 1e-4 * max(1.0, abs(point[i]))
        moved = 0
        for step in (h, -h):
            at = list(point)
            at[i] += step
            try:
                out = forward(FloatMath, at[0], at[1])
                moved += local_rule(FloatMath, at[0], at[1], out)[j] != local
            except (ArithmeticError, ValueError):
                return
        if moved == 2:
            raise RuleEscapesGraphError(
                node.op,
                f"returned derivative {j} as the plain number {local!r}, which changes with its operands "
                "(did it read .data?)",
            )
