"""Finding a network's layers in a scalar graph, so batched replay can run each as one matrix product.

An MLP recorded as scalars is, neuron by neuron, a ``sum`` node ``b + w1 x1 + ... + wk xk`` over
products of a parameter and an input, often followed by an activation node. Neurons that read
the same inputs in the same order, all with or all without a bias, and apply the same
activation (same rule, same constant) form a `Layer`: ``Z = W @ X + b``, ``A = act(Z)`` on
(neurons, rows) arrays. `find_layers` finds them by shape alone (no names, no modules), so any
graph built that way is lifted, however it was written; everything else stays node by node.

A node belongs to a layer only if nothing outside the layer reads it where the layer would hide
it: a product must have its sum as its only user and must not be watched or be the output; an
activation must be its sum's only user and must not be the output (its gradient is seeded there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from autograd_tiny.engine import RULES, Value, rule_operands


@dataclass
class Layer:
    """Neurons over the same inputs: node numbers in the graph's order, parameters by input position."""

    inputs: list[int]  # x_1 .. x_k, the nodes every neuron reads, in the order their products appear
    has_bias: bool  # each sum starts with a parameter leaf (b + w1 x1 + ...)
    activation: Value | None  # one of the activation nodes (its rule and constant are all of theirs)
    sums: list[int] = field(default_factory=list)  # each neuron's w.x + b node
    outputs: list[int] = field(default_factory=list)  # each neuron's result: its activation, or its sum
    products: list[int] = field(default_factory=list)  # the w * x nodes the matrix product replaces
    weights: list[list[int]] = field(default_factory=list)  # per neuron, the input position of w_1 .. w_k
    biases: list[int] = field(default_factory=list)  # per neuron, the input position of b (if has_bias)

    @property
    def nodes(self) -> list[int]:
        """Every node the layer's matrix code computes."""
        return [*self.products, *self.sums, *(self.outputs if self.activation is not None else [])]


def find_layers(order: list[Value], parameters: Sequence[Value], watch: Sequence[Value]) -> list[Layer]:
    """The layers of the graph ``order`` (parents first, the output last), by their first sum's place.

    ``parameters`` are the replay's inputs (their gradients are wanted): only they count as weights
    and biases. Nodes in ``watch`` keep their own values, so a watched product is never hidden.
    """
    number = {node: i for i, node in enumerate(order)}
    position = {number[p]: j for j, p in enumerate(parameters)}
    users: list[list[int]] = [[] for _ in order]
    for i, node in enumerate(order):
        for parent in node.parents:
            users[number[parent]].append(i)
    root = len(order) - 1
    kept = {number[w] for w in watch} | {root}

    def term(i: int) -> tuple[int, int] | None:
        """(the weight's input position, the x node) if node i is w * x with w a parameter, used once."""
        node = order[i]
        if node.rule != "*" or len(users[i]) != 1 or i in kept:
            return None
        a, b = (number[p] for p in node.parents)
        if (a in position) == (b in position):
            return None
        return (position[a], b) if a in position else (position[b], a)

    def activation(i: int) -> int | None:
        """The one-operand node applied to sum i and to nothing else, if it can run on a matrix."""
        if len(users[i]) != 1 or users[i][0] == root:
            return None
        node = order[users[i][0]]
        x, y = rule_operands(node)
        if node.rule not in RULES or len(node.parents) != 1:
            return None
        if not isinstance(x, Value) or isinstance(y, Value):
            return None
        return users[i][0]

    layers: dict[tuple[object, ...], Layer] = {}
    for i, node in enumerate(order):
        if node.rule != "sum" or i == root:
            continue
        parents = [number[p] for p in node.parents]
        bias = position.get(parents[0])
        found = [term(p) for p in parents[1 if bias is not None else 0 :]]
        terms = [t for t in found if t is not None]
        if not terms or len(terms) != len(found):
            continue
        xs = tuple(x for _, x in terms)
        act = activation(i)
        act_key = None if act is None else (order[act].rule, repr(rule_operands(order[act])[1]))
        layer = layers.setdefault(
            (xs, bias is not None, act_key),
            Layer(list(xs), bias is not None, None if act is None else order[act]),
        )
        layer.sums.append(i)
        layer.outputs.append(i if act is None else act)
        layer.products += parents[1 if bias is not None else 0 :]
        layer.weights.append([w for w, _ in terms])
        if bias is not None:
            layer.biases.append(bias)
    return sorted(layers.values(), key=lambda layer: layer.sums[0])
