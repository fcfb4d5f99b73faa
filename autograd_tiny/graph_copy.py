"""Copies and pickles of Values: the graph below a node as a flat list, so graphs of any depth work.

`copy.copy`, `copy.deepcopy` and `pickle` walk a Value's graph in `backward_order` (no recursion, so a
chain a million nodes deep copies as a short one). Importing this module installs the three methods
onto Value, as the package does at import.
"""

from __future__ import annotations

import copy
from typing import Any

from autograd_tiny.engine import Value, backward_order, link, new_node


def copy_value(self: Value) -> Value:
    """A new node with the same value, label, operation, parents and attributes (the graph is shared)."""
    copied = clone(self, self.parents)
    if hasattr(self, "__dict__"):  # a subclass's own attributes
        copied.__dict__.update(self.__dict__)
    return copied


def deepcopy_value(self: Value, memo: dict[int, Any]) -> Value:
    """A copy of the whole graph below self; nodes copied once each, parents before children."""
    for node in reversed(backward_order(self)):
        if id(node) not in memo:
            copied = memo[id(node)] = clone(node, tuple(memo[id(p)] for p in node.parents))
            if hasattr(node, "__dict__"):
                copied.__dict__.update(copy.deepcopy(node.__dict__, memo))
    result: Value = memo[id(self)]
    return result


def reduce_value(self: Value) -> tuple[Any, ...]:
    """Pickle the graph below self as a flat list; leaves as themselves (parameters stay shared)."""
    if not self.parents:
        state = getattr(self, "__dict__", None) or None  # a subclass's own attributes, set by pickle
        return (leaf, (type(self), self.data, self.grad, self.label), state)
    order = list(reversed(backward_order(self)))
    index = {node: i for i, node in enumerate(order)}
    items = [
        node if not node.parents else
        (node.data, node.grad, node.label, node.rule, node.constant, tuple(index[p] for p in node.parents),
         node.local_grads)
        for node in order
    ]  # fmt: skip
    return (graph, (items,))


def clone(node: Value, parents: tuple[Value, ...]) -> Value:
    """A node like ``node`` (value, grad, label, operation, local derivatives) over the given parents."""
    copied = new_node(node.data, node.grad, node.label, type(node))
    link(copied, node.rule, node.constant, parents, node.local_grads)
    return copied


def leaf(cls: type[Value], data: float, grad: float, label: str) -> Value:
    """Unpickle a leaf."""
    return new_node(data, grad, label, cls)


def graph(items: list[Any]) -> Value:
    """Unpickle a graph from `reduce_value`'s list (parents before children); return its root."""
    nodes: list[Value] = []
    for item in items:
        if not isinstance(item, Value):
            data, grad, label, op, arg, parents, local_grads = item
            item = new_node(data, grad, label)
            link(item, op, arg, tuple(nodes[i] for i in parents), local_grads)
        nodes.append(item)
    return nodes[-1]


METHODS = {"__copy__": copy_value, "__deepcopy__": deepcopy_value, "__reduce__": reduce_value}
for name, method in METHODS.items():
    setattr(Value, name, method)
