"""Forward mode: `jvp` and `jacobian`, from the local derivatives every node already recorded.

Reverse mode (`backward()`, `grad`) pushes d output / d node from the output down to the inputs.
Forward mode pushes the other way: each node's **tangent**, d node / d t along a direction v in
input space, is ``sum_i local_i * tangent(parent_i)``, computed parents first. The ``local_i`` are
the floats each node stored when it was made (``local_grads``, from `RULES`), the very numbers
`backward()` multiplies, so the two modes cannot disagree.

One forward sweep gives the derivative of every output along one input direction; one reverse
sweep gives the derivative of one output with respect to every input. So a Jacobian with few
inputs and many outputs is cheaper forward (one sweep per input), and the other way round reverse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, overload

from autograd_tiny.autodiff.grad import grad
from autograd_tiny.checks import is_list, is_real, numbers_list
from autograd_tiny.engine import Value, backward_order, link, new_node
from autograd_tiny.modes import enable_grad

Outputs = Value | Sequence[Value]


class TangentTape:
    """The graph from some input leaves to some outputs, laid out for repeated forward sweeps.

    Built once (one walk of the graph); each `push` then costs one multiply-add per edge.
    """

    def __init__(self, inputs: Sequence[Value], outputs: Sequence[Value]) -> None:
        order = parents_first(outputs)
        slot = {node: i for i, node in enumerate(order)}
        self.size = len(order)
        self.steps = [
            (slot[node], tuple(slot[p] for p in node.parents), node.local_grads)
            for node in order
            if node.parents
        ]
        self.input_slots = [slot.get(x) for x in inputs]  # None: no output depends on that input
        self.output_slots = [slot[y] for y in outputs]
        self.multiply_adds = sum(len(parents) for _, parents, _ in self.steps)  # per push

    def push(self, direction: Sequence[float]) -> list[float]:
        """Each output's derivative along ``direction`` (one number per input)."""
        tangent = [0.0] * self.size
        for i, v in zip(self.input_slots, direction):
            if i is not None:
                tangent[i] = float(v)
        for i, parents, locals_ in self.steps:
            if len(parents) == 1:
                tangent[i] = locals_[0] * tangent[parents[0]]
            elif len(parents) == 2:
                tangent[i] = locals_[0] * tangent[parents[0]] + locals_[1] * tangent[parents[1]]
            else:
                tangent[i] = sum(d * tangent[p] for d, p in zip(locals_, parents))
        return [tangent[i] for i in self.output_slots]


def parents_first(outputs: Sequence[Value]) -> list[Value]:
    """Every node below the outputs, each after all the nodes it was computed from.

    `backward_order` reversed, for several outputs at once: they are joined as the operands of
    one n-ary node made for the walk alone (it joins no graph and is not in the list).
    """
    joined = new_node(0.0)
    link(joined, "sum", None, tuple(outputs), (1.0,) * len(outputs))
    return backward_order(joined)[:0:-1]


@overload
def jvp(
    fn: Callable[[list[Value]], Value], xs: Sequence[float], vs: Sequence[float]
) -> tuple[float, float]: ...


@overload
def jvp(
    fn: Callable[[list[Value]], Sequence[Value]], xs: Sequence[float], vs: Sequence[float]
) -> tuple[list[float], list[float]]: ...


def jvp(
    fn: Callable[[list[Value]], Outputs], xs: Sequence[float], vs: Sequence[float]
) -> tuple[float, float] | tuple[list[float], list[float]]:
    """``fn``'s value at ``xs`` and its derivative along the direction ``vs``, in one forward sweep.

    As `torch.func.jvp`: (f(x), J v). ``fn`` takes one list of Values; when it returns a Value
    both results are floats, when it returns a list of Values both are lists of floats.
    """
    leaves = [Value(x) for x in numbers_list("jvp", xs)]
    direction = _check_direction(vs, len(leaves))
    outputs, single = _call("jvp", fn, leaves)
    values = [y.data for y in outputs]
    tangents = TangentTape(leaves, outputs).push(direction)
    return (values[0], tangents[0]) if single else (values, tangents)


def jacobian(
    fn: Callable[[list[Value]], Outputs], xs: Sequence[float], mode: Literal["fwd", "rev"] = "rev"
) -> list[list[float]]:
    """The matrix d output_i / d x_j of ``fn`` at ``xs``: one row per output, one column per input.

    ``fn`` takes one list of Values and returns a Value (one row) or a list of Values.
    ``mode="fwd"`` makes one forward sweep per input (cheaper with few inputs and many outputs),
    ``mode="rev"`` one reverse sweep (`grad`) per output; both use the same recorded derivatives.
    """
    if mode not in ("fwd", "rev"):
        raise ValueError(f"jacobian: mode must be 'fwd' or 'rev', got {mode!r}")
    leaves = [Value(x) for x in numbers_list("jacobian", xs)]
    outputs, _ = _call("jacobian", fn, leaves)
    if mode == "rev":
        return [list(grad(y, leaves, materialize_grads=True)) for y in outputs]
    tape = TangentTape(leaves, outputs)
    columns = [tape.push([1.0 if j == i else 0.0 for j in range(len(leaves))]) for i in range(len(leaves))]
    return [list(row) for row in zip(*columns)]


def _call(what: str, fn: Callable[[list[Value]], Outputs], leaves: list[Value]) -> tuple[list[Value], bool]:
    """fn's outputs as a list, and whether fn returned a single Value (its graph recorded even in no_grad)."""
    with enable_grad():
        out = fn(leaves)
    if isinstance(out, Value):
        return [out], True
    if not is_list(out) or not out:
        raise TypeError(f"{what}: fn must return a Value or a non-empty list of Values, got {out!r}")
    for i, y in enumerate(out):
        if not isinstance(y, Value):
            raise TypeError(f"{what}: output {i} of fn must be a Value, got {type(y).__name__}: {y!r}")
    return list(out), False


def _check_direction(vs: Sequence[float], n: int) -> list[float]:
    if not is_list(vs):
        raise TypeError(f"jvp: vs must be a list of numbers, got {type(vs).__name__}: {vs!r}")
    if len(vs) != n:
        raise ValueError(f"jvp: vs must have one number per input ({n}), got {len(vs)}")
    for v in vs:
        if not is_real(v):
            raise TypeError(f"jvp: vs must hold numbers, got {type(v).__name__}: {v!r}")
    return [float(v) for v in vs]
