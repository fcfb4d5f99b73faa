"""Operations beyond the table's own: `define_op` (an operation of your own) and `sum` (one n-ary node).

Both make nodes through the engine's `record` / `new_node` + `link`, so backward(), grad(create_graph=True),
compile_graph and the pictures treat them like every other operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from autograd_tiny import modes
from autograd_tiny.checks import as_number, brief
from autograd_tiny.engine import RULES, Operand, Rule, Value, link, new_node, record
from autograd_tiny.floatmath import FloatMath

USER_OPS: set[str] = set()  # operations added by define_op (their rules are checked harder)


def value_sum(values: Iterable[Operand]) -> Value:
    """One node adding all values left to right: n parents, local derivatives all 1.

    Gives the numbers of the chain ``v0 + v1 + ...`` (and of builtin ``sum``) but a graph one node
    deep instead of n, for backward(), grad(create_graph=True), compile_graph and pictures alike.
    Numbers among the values become leaf Values. An empty list gives a leaf Value(0.0).
    """
    if isinstance(values, Value) or not isinstance(values, Iterable):
        raise TypeError(f"sum: expected an iterable of Values, got {type(values).__name__}: {brief(values)}")
    given = tuple(values)
    data = [v.data for v in given if type(v) is Value]  # a neuron's sum: the eager MLP's hot path
    operands = cast("tuple[Value, ...]", given)
    if len(data) != len(given):  # numbers among them (or Values of a subclass)
        operands = tuple(v if isinstance(v, Value) else Value(as_number("sum", v)) for v in given)
        data = [v.data for v in operands]
    if not operands:
        return Value(0.0)
    forward, local = RULES["sum"]
    out = forward(FloatMath, data, None)
    node = new_node(out)
    if not modes.open_blocks or modes.note_creation(node):
        link(node, "sum", None, operands, local(FloatMath, data, None, out))
    return node


def define_op(
    name: str,
    forward: Callable[..., Any],
    local: Callable[..., tuple[Any, ...]],
    *,
    replace: bool = False,
) -> Callable[..., Value]:
    """Add an operation of your own to RULES and return the function that applies it.

    ``forward(m, x, y)`` gives the value and ``local(m, x, y, out)`` the local derivatives, one
    per operand, as in the table; y is None for a one-operand operation. Written with ``m``'s
    functions (m.exp, m.log, ...) and arithmetic, the same rule also serves
    `grad(..., create_graph=True)` (m = ValueMath, on Values) and `compile_graph`. Numbers given to the
    returned function become leaf Values.

    ``replace=True`` lets a name that define_op added before take the new rule (a notebook cell
    run again after a fix); the table's own operations can never be replaced. Nodes recorded
    earlier keep the derivatives they stored for ``backward()``, but ``grad(create_graph=True)``
    and `compile_graph` read the rule by name, so they use the new one: record them again.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"define_op: name must be a non-empty string, got {name!r}")
    if name in RULES and not (replace and name in USER_OPS):
        hint = "pick another name" if name not in USER_OPS else "pick another name, or pass replace=True"
        raise ValueError(f"define_op: {name!r} is already an operation in RULES; {hint}")
    if not callable(forward) or not callable(local):
        raise TypeError(f"define_op {name!r}: forward and local must be functions")

    def checked_local(m: Any, x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        derivatives = tuple(local(m, x, y, out))
        if len(derivatives) != (1 if y is None else 2):
            raise ValueError(
                f"{name}: local must return {1 if y is None else 2} derivative(s), one per operand, "
                f"got {len(derivatives)}: {derivatives!r}"
            )
        return derivatives

    def apply(x: Operand, y: Operand | None = None) -> Value:
        first, second = (v if isinstance(v, Value) or v is None else Value(as_number(name, v))
                         for v in (x, y))  # fmt: skip
        if first is None:
            raise TypeError(f"{name}: expected a Value or a number, got None")
        node = record(name, first, second)
        if not isinstance(node.data, float):
            got = f"{type(node.data).__name__}: {node.data!r}"
            raise TypeError(f"{name}: forward must return a float, got {got}")
        return node

    apply.__name__ = apply.__qualname__ = name
    rule: Rule = (forward, checked_local)
    RULES[name] = rule
    USER_OPS.add(name)
    return apply
