"""Notebook 0's checks: the learner's own Value class, run beside the engine's to find where it differs."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from autograd_tiny.checks import brief
from autograd_tiny.engine import Value
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    check_close,
    require_answer,
    require_function,
)


class _Node:
    """One node of a test expression, built with both the learner's class and autograd_tiny's."""

    def __init__(self, name: str, mine: Any, ours: Value) -> None:
        self.name, self.mine, self.ours = name, mine, ours


def _make(cls: object, data: float) -> Any:
    make = require_function("Value", cls)
    return call_answer("Value", make, data)


def _attribute(node: _Node, attr: str) -> Any:
    if not hasattr(node.mine, attr):
        raise ExerciseError(f"{node.name}: your Value has no attribute {attr!r}; set self.{attr} in __init__")
    return getattr(node.mine, attr)


def _same_data(node: _Node) -> None:
    check_close(f"{node.name}: data", _attribute(node, "data"), node.ours.data, rel_tol=1e-9)


def _same_local_grads(node: _Node, parents: Sequence[_Node]) -> None:
    """The learner's node lists parents as expected, with the expected local derivative for each."""
    mine_parents = tuple(_attribute(node, "parents"))
    mine_locals = tuple(_attribute(node, "local_grads"))
    if len(mine_locals) != len(mine_parents):
        raise ExerciseError(
            f"{node.name}: {len(mine_parents)} parents but {len(mine_locals)} local_grads; one per parent"
        )
    for parent in parents:
        where = [i for i, p in enumerate(mine_parents) if p is parent.mine]
        if not where:
            raise ExerciseError(f"{node.name}: {parent.name} is not among its parents")
        expected = node.ours.local_grads[node.ours.parents.index(parent.ours)]
        check_close(
            f"{node.name}: local derivative with respect to {parent.name}",
            mine_locals[where[0]],
            expected,
            rel_tol=1e-9,
        )


def _leaves(cls: object, values: Sequence[float]) -> list[_Node]:
    names = "abcdefgh"
    leaves = [_Node(f"leaf {names[i]}", _make(cls, v), Value(v)) for i, v in enumerate(values)]
    for leaf in leaves:
        _same_data(leaf)
        check_close(f"{leaf.name}: grad of a new Value", _attribute(leaf, "grad"), 0.0)
        for attr in ("parents", "local_grads"):
            if tuple(_attribute(leaf, attr)) != ():
                raise ExerciseError(
                    f"{leaf.name}: a new Value should have no {attr}, got {brief(_attribute(leaf, attr))}"
                )
    return leaves


def _apply(name: str, op: Callable[..., Any], *nodes: _Node) -> _Node:
    mine = call_answer(name, op, *[n.mine for n in nodes])
    if mine is None or mine is Ellipsis:
        raise ExerciseError(f"{name}: returned {mine!r}; the operation must return a new Value")
    node = _Node(name, mine, op(*[n.ours for n in nodes]))
    _same_data(node)
    return node


def check_value_basics(cls: object) -> None:
    """Step 1: Value(data) holds data, grad 0, no parents; + and * record parents and local derivatives."""
    a, b = _leaves(cls, [2.0, -3.0])
    for name, op in [("a + b", lambda x, y: x + y), ("a * b", lambda x, y: x * y)]:
        node = _apply(name, op, a, b)
        _same_local_grads(node, [a, b])
    for name, op1 in [("a + 1.5", lambda x: x + 1.5), ("a * 4.0", lambda x: x * 4.0)]:
        node = _apply(name, op1, a)  # a number on the right: wrap it in a Value (or fold it in)
        _same_local_grads(node, [a])


def check_operations(cls: object) -> None:
    """Step 2: tanh, exp and ** a number record local derivatives; -, / and numbers on the left work."""
    (a, b) = _leaves(cls, [0.7, -1.3])
    for name, op in [
        ("a.tanh()", lambda x: x.tanh()),
        ("a.exp()", lambda x: x.exp()),
        ("a ** 3", lambda x: x**3),
        ("a ** -1", lambda x: x**-1),
    ]:
        _same_local_grads(_apply(name, op, a), [a])
    for name, op2 in [("a - b", lambda x, y: x - y), ("a / b", lambda x, y: x / y)]:
        _apply(name, op2, a, b)
    for name, op in [
        ("-a", lambda x: -x),
        ("2 + a", lambda x: 2 + x),
        ("2 * a", lambda x: 2 * x),
        ("2 - a", lambda x: 2 - x),
        ("2 / a", lambda x: 2 / x),
    ]:
        _apply(name, op, a)


def _test_graph(cls: object) -> tuple[list[_Node], _Node]:
    """A small graph with shared nodes, built with + and * only: every node and the root."""
    a, b, c = _leaves(cls, [1.5, -2.0, 0.5])
    d = _apply("d = a * b", lambda x, y: x * y, a, b)
    e = _apply("e = d + c", lambda x, y: x + y, d, c)
    f = _apply("f = d * e", lambda x, y: x * y, d, e)
    g = _apply("g = f + a", lambda x, y: x + y, f, a)
    return [a, b, c, d, e, f, g], g


def check_topological_sort(order: object, cls: object) -> None:
    """Step 3: order(root) lists every node below root once, each after all of its parents."""
    fn = require_function("topological_order", order)
    nodes, root = _test_graph(cls)
    got = call_answer("topological_order", fn, root.mine)
    require_answer("topological_order(g)", got)
    if not isinstance(got, (list, tuple)):
        raise ExerciseError(f"topological_order(g): expected a list of nodes, got {type(got).__name__}")
    names = {id(n.mine): n.name for n in nodes}
    position: dict[int, int] = {}
    for i, item in enumerate(got):
        if id(item) not in names:
            raise ExerciseError(f"topological_order(g): item {i} is not a node of g's graph: {brief(item)}")
        if id(item) in position:
            raise ExerciseError(
                f"topological_order(g): {names[id(item)]} is listed twice (positions "
                f"{position[id(item)]} and {i}); remember which nodes you have visited"
            )
        position[id(item)] = i
    for node in nodes:
        if id(node.mine) not in position:
            raise ExerciseError(f"topological_order(g): {node.name} is missing from the list")
    for node in nodes:
        for parent in node.mine.parents:
            if position[id(parent)] > position[id(node.mine)]:
                raise ExerciseError(
                    f"topological_order(g): {node.name} comes at position {position[id(node.mine)]}, "
                    f"before its parent {names[id(parent)]} (position {position[id(parent)]}); "
                    "add a node only after all of its parents"
                )


def _random_expression(cls: object, seed: int) -> list[_Node]:
    """Leaves and about ten operations chosen at random (reusing nodes), with both classes side by side."""
    rng = random.Random(seed)
    nodes = _leaves(cls, [round(rng.uniform(-1.5, 1.5), 2) for _ in range(3)])
    binary: list[tuple[str, Callable[..., Any]]] = [
        ("+", lambda x, y: x + y),
        ("*", lambda x, y: x * y),
        ("-", lambda x, y: x - y),
    ]
    unary: list[tuple[str, Callable[..., Any]]] = [
        ("tanh", lambda x: x.tanh()),
        ("exp", lambda x: x.exp()),
        ("**2", lambda x: x**2),
    ]
    while len(nodes) < 13:
        k = len(nodes) - 3
        args: tuple[_Node, ...]
        if rng.random() < 0.6:
            (sym, op), x, y = rng.choice(binary), rng.choice(nodes), rng.choice(nodes)
            name, args = f"node {k} = ({x.name}) {sym} ({y.name})", (x, y)
        else:
            (sym, op), x = rng.choice(unary), rng.choice(nodes)
            name, args = f"node {k} = {sym}({x.name})", (x,)
        if abs(op(*[n.ours for n in args]).data) > 20:  # keep exp and ** in a tame range
            continue
        nodes.append(_apply(name.replace("(leaf ", "(").replace("(node ", "(n"), op, *args))
    return nodes


def check_backward(cls: object) -> None:
    """Step 4: root.backward() gives every node autograd_tiny's gradient, on random expressions."""
    for seed in range(6):
        nodes = _random_expression(cls, seed)
        root = nodes[-1]
        backward = getattr(root.mine, "backward", None)
        if backward is None:
            raise ExerciseError("your Value has no backward() method")
        call_answer(f"({root.name}).backward", backward)
        root.ours.backward()
        for node in reversed(nodes):  # the output end first: errors start there
            got = _attribute(node, "grad")
            check_close(
                f"expression {seed}, {node.name}: grad after backward() (autograd_tiny's is expected)",
                got,
                node.ours.grad,
                rel_tol=1e-9,
                abs_tol=1e-12,
            )


def check_new_operation(cls: object, name: str, points: Sequence[float]) -> None:
    """cls(x).name() records autograd_tiny's value and local derivative for `name` at every point."""
    for x in points:
        (leaf,) = _leaves(cls, [x])
        method = getattr(leaf.mine, name, None)
        if method is None:
            raise ExerciseError(f"your Value has no method {name!r}; attach it: Value.{name} = ...")
        node = _apply(f"Value({x:g}).{name}()", lambda v: getattr(v, name)(), leaf)
        _same_local_grads(node, [leaf])
