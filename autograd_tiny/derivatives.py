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

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Literal, overload

from autograd_tiny.engine import RULES, Value, backward_order, creation_index, enable_grad
from autograd_tiny.gradcheck import leaves_at

Grad = Value | float  # a gradient while it is being accumulated: a Value, or a float constant


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
    d fn / d x_i, which `grad(..., create_graph=True)` makes differentiable.
    """
    leaves = leaves_at("hessian", xs)
    out = fn(leaves)
    if not isinstance(out, Value):
        raise TypeError(f"hessian: fn must return a Value, got {type(out).__name__}: {out!r}")
    first = grad(out, leaves, create_graph=True, materialize_grads=True)
    return [list(grad(g, leaves, materialize_grads=True)) for g in first]


def _check_grad_arguments(output: object, inputs: object) -> list[Value]:
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}: {output!r}")
    targets = [inputs] if isinstance(inputs, Value) else inputs
    if isinstance(targets, (str, bytes)) or not isinstance(targets, Sequence):
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
        if node in targets or any(p in on_path for p in node._parents):
            on_path.add(node)
    grads: dict[Value, Grad] = {}
    if output in on_path:
        grads[output] = 1.0
    for node in order:
        if node not in grads or not node._parents:
            continue
        g = grads[node]
        locals_ = _value_locals(node) if create_graph else node._locals
        for parent, local in zip(node._parents, locals_):
            if parent in on_path:
                step = g if type(local) is float and local == 1.0 else local * g
                grads[parent] = grads[parent] + step if parent in grads else step
    return grads


def _value_locals(node: Value) -> tuple[Grad, ...]:
    """The node's local derivatives as Values: its rule evaluated with m = Value on its operands."""
    x = node._parents[0]
    y = node._parents[1] if len(node._parents) == 2 else node._arg
    try:
        return tuple(RULES[node._op][1](Value, x, y, node))
    except (ZeroDivisionError, OverflowError, ValueError) as e:
        raise type(e)(
            f"grad(create_graph=True): the derivative of {node.op!r} at {x.data!r} "
            f"(node {creation_index(node)}) has no finite Value to differentiate further: {e}"
        ) from e
