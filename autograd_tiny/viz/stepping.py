"""The forward and backward passes as a list of states of one graph, for pictures that step through them.

Nothing here draws: each `Step` says, for every Value of the graph, what its three lines read
(label, data, grad), which status colours it, which node is current, and what the arrows into
the current operation read. The backward numbers follow ``backward()`` exactly (its order,
``parent.grad += local * node.grad``) but are computed here from ``.data`` and ``.local_grads``:
``.grad`` is neither read nor changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autograd_tiny.checks import brief
from autograd_tiny.engine import NUMBER_OPS, Value, backward_order, in_order, rule_operands
from autograd_tiny.viz.text import fixed, operand, short

# Node statuses: what colour a box gets. The forward pass uses WAITING and COMPUTED, the backward
# pass UNREACHED, ACCUMULATING and FINAL.
WAITING = "waiting"  # forward: its value is not computed yet
COMPUTED = "computed"  # forward: its value is known
UNREACHED = "unreached"  # backward: no consumer has passed it a contribution yet
ACCUMULATING = "accumulating"  # backward: some consumers have, some have not
FINAL = "final"  # backward: every consumer has passed its contribution (the root: from the seed on)

STATUS_COLOURS = {
    WAITING: "#eeeeee",
    COMPUTED: "#ffffff",
    UNREACHED: "#eeeeee",
    ACCUMULATING: "#c6dbef",
    FINAL: "#c7e9c0",
}
CURRENT_COLOUR = "#d62728"  # the outline of the step's node and its arrows
STATUS_MEANINGS = {
    WAITING: "value not computed yet",
    COMPUTED: "value computed",
    UNREACHED: "no gradient yet",
    ACCUMULATING: "gradient still accumulating",
    FINAL: "gradient final",
}

# The operations written between their operands; the rest read like function calls, tanh(0.5).
TIMES = "\u00d7"
_INFIX = {"+": "+", "-": "-", "*": TIMES, "/": "/", "**": "^"}


@dataclass(frozen=True)
class Edge:
    """The arrow from a Value into the operation that made ``child`` (its ``slot``-th operand)."""

    parent: int
    child: int
    slot: int


@dataclass(frozen=True)
class Step:
    """One state of the picture: the lines of every box, the colours, the current node and its arrows."""

    phase: str  # "forward" or "backward"
    title: str  # "backward step 3 of 8"
    text: str  # what happens in this step, as a sentence
    lines: tuple[tuple[str, ...], ...]  # per node: label (if it has one), data line, grad line
    status: tuple[str, ...]  # per node, one of the statuses above
    current: int | None  # index of the node this step is about
    edge_text: tuple[str, ...]  # per edge: the arithmetic it shows ("" for none)


@dataclass(frozen=True)
class Pass:
    """A graph below root, its nodes oldest first, its arrows, and the steps through it."""

    nodes: tuple[Value, ...]
    edges: tuple[Edge, ...]
    steps: tuple[Step, ...]

    def widest(self) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
        """Each node's longest line texts and each edge's longest text over all steps, for one layout."""
        nodes = tuple(
            tuple(max(texts, key=len) for texts in zip(*(s.lines[i] for s in self.steps)))
            for i in range(len(self.nodes))
        )
        edges = tuple(max((s.edge_text[e] for s in self.steps), key=len) for e in range(len(self.edges)))
        return nodes, edges


def name_of(v: Value) -> str:
    """How a step's text refers to a node: its label, else its operation."""
    return v.label or (f"the {v.op} node" if v.parents else "a leaf")


def forward_text(v: Value) -> str:
    """The arithmetic that made v from its operands' data: ``2 x (-3) = -6``, ``tanh(0.5) = 0.4621``."""
    x, y = rule_operands(v)
    args = [p.data for p in x] if isinstance(x, tuple) else [a.data if isinstance(a, Value) else a
                                                             for a in in_order(v.rule, x, y) if a is not None]
    op = NUMBER_OPS.get(v.rule, v.rule)
    if op in _INFIX and len(args) >= 2:
        expr = short(args[0]) + "".join(f" {_INFIX[op]} {operand(a)}" for a in args[1:])
    elif op == "neg":
        expr = f"-{operand(args[0])}"
    else:
        expr = f"{op}({', '.join(short(a) for a in args)})"
    return f"{expr} = {short(v.data)}"


def passes(root: Value, *, forward: bool = True, backward: bool = True) -> Pass:
    """The steps of the forward pass (each value after its operands) and/or of ``root.backward()``.

    Forward: step 0 shows the leaves (inputs and parameters are given), then one step per
    operation, parents before children. Backward: step 0 is the seed d root / d root = 1, then one step per
    node in the engine's order, ``backward_order(root)``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"passes: root must be a Value, got {type(root).__name__}: {brief(root)}")
    if not (forward or backward):
        raise ValueError("passes: ask for the forward pass, the backward pass or both")
    nodes = tuple(reversed(backward_order(root)))
    index = {v: i for i, v in enumerate(nodes)}
    edges = tuple(Edge(index[p], i, s) for i, v in enumerate(nodes) for s, p in enumerate(v.parents))
    steps: list[Step] = []
    if forward:
        steps += _forward_steps(nodes, edges)
    if backward:
        steps += _backward_steps(nodes, edges, index)
    return Pass(nodes, edges, tuple(steps))


def _lines(v: Value, data: str, grad: str) -> tuple[str, ...]:
    return (v.label, data, grad) if v.label else (data, grad)


def _forward_steps(nodes: Sequence[Value], edges: Sequence[Edge]) -> list[Step]:
    ops = [i for i, v in enumerate(nodes) if v.parents]
    known = {i for i, v in enumerate(nodes) if not v.parents}
    no_edge_text = ("",) * len(edges)
    total = len(ops)

    def state(current: int | None) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
        lines, status = [], []
        for i, v in enumerate(nodes):
            if i == current:
                data = f"data {forward_text(v)}"
            else:
                data = f"data {fixed(v.data)}" if i in known else "data ?"
            lines.append(_lines(v, data, "grad ?"))
            status.append(COMPUTED if i in known else WAITING)
        return tuple(lines), tuple(status)

    leaves = len(known)
    lines, status = state(None)
    steps = [Step("forward", f"forward step 0 of {total}",
                  f"Forward pass: the {leaves} leaves (inputs and parameters) are given; "
                  f"{total} operations will compute the other values, oldest first.",
                  lines, status, None, no_edge_text)]  # fmt: skip
    for k, i in enumerate(ops, 1):
        known.add(i)
        lines, status = state(i)
        v = nodes[i]
        steps.append(Step("forward", f"forward step {k} of {total}",
                          f"{name_of(v)} = {forward_text(v)}.",
                          lines, status, i, no_edge_text))  # fmt: skip
    return steps


def _backward_steps(nodes: Sequence[Value], edges: Sequence[Edge], index: dict[Value, int]) -> list[Step]:
    consumers = [0] * len(nodes)  # how many distinct nodes use each node
    for v in nodes:
        for p in set(v.parents):
            consumers[index[p]] += 1
    heard = [0] * len(nodes)  # how many of them have passed their contribution so far
    grads: dict[int, float] = {len(nodes) - 1: 1.0}  # d root / d node so far, as backward() sums it
    total = len(nodes)

    def status(i: int) -> str:
        if heard[i] == consumers[i]:
            return FINAL
        return ACCUMULATING if heard[i] else UNREACHED

    def lines(receiving: dict[int, str]) -> tuple[tuple[str, ...], ...]:
        out = []
        for i, v in enumerate(nodes):
            grad = receiving.get(i) or (f"grad {fixed(grads[i])}" if i in grads else "grad ?")
            out.append(_lines(v, f"data {fixed(v.data)}", grad))
        return tuple(out)

    root = nodes[-1]
    seed = (f"Backward pass: the seed, d {name_of(root)} / d {name_of(root)} = 1; "
            f"{total} steps will pass gradients back, newest node first.")  # fmt: skip
    statuses = tuple(status(i) for i in range(total))
    no_edge_text = ("",) * len(edges)
    steps = [Step("backward", f"backward step 0 of {total}", seed, lines({}), statuses, None, no_edge_text)]
    into = [[e for e, edge in enumerate(edges) if edge.child == i] for i in range(total)]
    for k, v in enumerate(reversed(nodes), 1):
        i = index[v]
        g = grads[i]
        edge_text = [""] * len(edges)
        sums: dict[int, list[float]] = {}
        for e, local in zip(into[i], v.local_grads):
            src = edges[e].parent
            contribution = local * g
            edge_text[e] = f"{short(local)} {TIMES} {operand(g)} = {short(contribution)}"
            sums.setdefault(src, [grads.get(src, 0.0)]).append(contribution)
            grads[src] = grads.get(src, 0.0) + contribution
        for src in sums:
            heard[src] += 1
        receiving = {s: f"grad {' + '.join([short(terms[0]), *map(operand, terms[1:])])} = {short(grads[s])}"
                     for s, terms in sums.items()}  # fmt: skip
        who = name_of(v)
        if v.parents:
            gets = "; ".join(f"{name_of(nodes[edges[e].parent])} gets {edge_text[e]}" for e in into[i])
            text = f"{who} (grad {short(g)}) passes local derivative {TIMES} grad to each input: {gets}."
        else:
            text = f"{who} is a leaf: its gradient {short(g)} is final; backward() adds it to .grad."
        statuses = tuple(status(j) for j in range(total))
        title = f"backward step {k} of {total}"  # the text follows the title: it does not repeat it
        steps.append(Step("backward", title, text, lines(receiving), statuses, i, tuple(edge_text)))
    return steps
