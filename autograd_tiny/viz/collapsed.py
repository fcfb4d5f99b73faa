"""A network's graph collapsed: one box per neuron (or per layer) instead of every Value it made.

A module call recorded by ``record_scopes()`` becomes one box that says what it computes and what
came out, ``relu(w.x+b) = 0.7310`` with its grad; arrows join the boxes as the Values flow between
them. The Values made outside every collapsed call (inputs, the loss) are drawn as `draw_dot` draws
them, and ``expand`` opens chosen calls to show what is inside, one level deeper each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd_tiny.checks import brief
from autograd_tiny.engine import Value, backward_order
from autograd_tiny.scopes import Scope
from autograd_tiny.viz.graphviz_io import Graph, check_format
from autograd_tiny.viz.grouping import Clusters, cluster_blocks, group
from autograd_tiny.viz.layout import AUTO, narrowest_in_column
from autograd_tiny.viz.text import fixed, html_label
from autograd_tiny.viz.value_lines import Look, grad_looks, graph_header, op_line, value_line

# How deep a call may nest other calls and still be one box: a Neuron's call nests none, a Layer's neurons.
LEVELS = {"neuron": 0, "layer": 1}
_RANKDIRS = (AUTO, "LR", "TB", "RL", "BT")


@dataclass(frozen=True)
class Box:
    """One collapsed module call: its scope's name and the Values it hands on (oldest first)."""

    name: str
    outputs: list[Value]
    formulas: list[str]  # what each output computes, e.g. "relu(w.x+b)"


def _heights(groups: Clusters) -> list[int]:
    """How many levels of calls each scope nests (0: none, a neuron's)."""
    heights = [0] * len(groups.scopes)
    for c in reversed(range(len(groups.scopes))):  # children come after their parents
        parent = groups.parent_of[c]
        if parent != -1:
            heights[parent] = max(heights[parent], heights[c] + 1)
    return heights


def _boxed(groups: Clusters, height: int, expand: Sequence[str]) -> dict[int, int]:
    """Each scope inside a box, mapped to that box's scope: the outermost calls nesting at most height
    levels, except those named in expand and the calls around them, which open one level."""
    names = [s.name for s in groups.scopes]
    unknown = sorted(set(expand) - set(names))
    if unknown:
        known = ", ".join(dict.fromkeys(names)) or "none (record the forward pass in record_scopes())"
        missing = ", ".join(unknown)
        raise ValueError(f"draw_collapsed: expand names no recorded scope: {missing}; known: {known}")
    opened = set()
    for c, name in enumerate(names):
        if name in expand:
            while c != -1 and c not in opened:
                opened.add(c)
                c = groups.parent_of[c]
    heights = _heights(groups)
    box_of: dict[int, int] = {}
    for c, parent in enumerate(groups.parent_of):  # parents first
        if parent in box_of:
            box_of[c] = box_of[parent]
        elif heights[c] <= height and c not in opened:
            box_of[c] = c
    return box_of


def _formula(v: Value, inside: set[Value]) -> str:
    """What v computes, in the words of the labels: ``relu(w.x+b)``, ``w.x+b``."""
    if v.label and v.label != v.op:
        return v.label
    made_inside = [p for p in v.parents if p in inside and p.parents]
    if len(v.parents) == 1 and made_inside:
        return f"{v.op}({_formula(made_inside[0], inside)})"
    return v.label or v.op or "value"


def _relative(name: str, enclosing: str) -> str:
    """A box's name without the name of the cluster drawn around it: ``neurons.2`` inside ``layers.0``."""
    return name[len(enclosing) + 1 :] if enclosing and name.startswith(enclosing + ".") else name


def _box_line(node: str, title: str, box: Box, looks: list[Look]) -> str:
    """A box: its name, then each output's formula and value with its grad under it; filled by the largest."""
    rows = [f"<B>{html_label(title)}</B>"]
    for v, formula, look in zip(box.outputs, box.formulas, looks):
        rows.append(f"{html_label(formula)} = {fixed(v.data)}")
        if look.grad is not None:
            rows.append(f"grad {look.grad}")
    fill = max(looks, key=_darkness).fill if looks else ""
    attrs = 'BORDER="2" STYLE="rounded" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3"'
    attrs += f' BGCOLOR="{fill}"' if fill else ""
    cells = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
    return f"\t{node} [label=<<TABLE {attrs}>{cells}</TABLE>>]\n"


def _darkness(look: Look) -> int:
    """How far a fill is from white: the box takes the strongest of its outputs' fills."""
    if not look.fill:
        return 0
    return 765 - sum(int(look.fill[i : i + 2], 16) for i in (1, 3, 5))


@dataclass(frozen=True)
class Collapsed:
    """A graph with its collapsed calls: each node's picture element, the boxes by element, the edges."""

    nodes: list[Value]  # oldest first
    groups: Clusters
    element: dict[Value, str]  # "b<scope>" for a Value inside a box, "v<index>" for one drawn itself
    boxes: dict[str, Box]
    edges: list[tuple[str, str]]  # element or "o<index>" (an operation's oval) -> element or oval


def collapse(
    root: Value, scopes: Sequence[Scope], *, level: str = "neuron", expand: str | Sequence[str] = ()
) -> Collapsed:
    """Which Values each box holds, what it hands on, and the arrows between the boxes and the rest."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_collapsed: root must be a Value, got {type(root).__name__}: {brief(root)}")
    if level not in LEVELS:
        raise ValueError(f"draw_collapsed: level must be one of {', '.join(LEVELS)}, got {brief(level)}")
    nodes = backward_order(root)[::-1]
    groups = group(nodes, scopes, "draw_collapsed")
    box_of = _boxed(groups, LEVELS[level], [expand] if isinstance(expand, str) else list(expand))
    element = {}
    for i, v in enumerate(nodes):
        owner = groups.owner.get(v)
        element[v] = f"b{box_of[owner]}" if owner in box_of else f"v{i}"
    edges: dict[tuple[str, str], None] = {}
    handed_on = {root}
    for i, v in enumerate(nodes):
        head = element[v] if element[v].startswith("b") else f"o{i}"
        if head.startswith("o") and v.parents:
            edges[head, element[v]] = None
        for p in v.parents:
            if element[p] != element[v]:
                edges[element[p], head] = None
                handed_on.add(p)
    members: dict[str, set[Value]] = {}
    for v in nodes:
        members.setdefault(element[v], set()).add(v)
    boxes = {}
    for node, inside in members.items():
        if node.startswith("b"):
            outputs = [v for v in nodes if v in inside and v in handed_on]
            name = groups.scopes[int(node[1:])].name
            boxes[node] = Box(name, outputs, [_formula(v, inside) for v in outputs])
    return Collapsed(nodes, groups, element, boxes, list(edges))


def _picture(graph: Collapsed, look: Callable[[float], Look], rankdir: str, fmt: str, title: str) -> Graph:
    """The DOT description: boxes for the collapsed calls, draw_dot's boxes and ovals for the rest."""
    groups = graph.groups
    lines = graph_header(rankdir, clustered=bool(groups.scopes), title=title)
    members: dict[int, list[str]] = {}

    def place(owner: int | None, own: list[str]) -> None:
        (lines if owner is None else members.setdefault(owner, [])).extend(own)

    cluster_of: dict[str, int | None] = {}  # each box's, Value's and oval's innermost cluster drawn
    for i, v in enumerate(graph.nodes):
        node = graph.element[v]
        if node.startswith("v"):
            oval = [op_line(f"o{i}", v)] if v.parents else []
            place(groups.owner.get(v), [value_line(node, v, look(v.grad)), *oval])
            cluster_of[node] = cluster_of[f"o{i}"] = groups.owner.get(v)
    siblings: dict[int, list[str]] = {}  # the boxes of each cluster (-1: outside every cluster)
    for node, box in graph.boxes.items():
        c = int(node[1:])
        parent = groups.parent_of[c]
        enclosing = groups.scopes[parent].name if parent != -1 else ""
        line = _box_line(node, _relative(box.name, enclosing), box, [look(v.grad) for v in box.outputs])
        place(None if parent == -1 else parent, [line])
        siblings.setdefault(parent, []).append(node)
    for parent, row in siblings.items():  # a layer's neurons side by side in their order, neurons.0 first
        if len(row) > 1:
            place(None if parent == -1 else parent, [f"\t{{rank=same; {' -> '.join(row)} [style=invis]}}\n"])
    lines += cluster_blocks(groups.scopes, groups.parent_of, members)
    # Inside an opened call, a parameter sits beside the product it feeds (the edge reversed, drawn
    # forward), and the arrows from outside start it a rank lower: the call then lies under its
    # collapsed siblings and under the layer before, not beside them, keeping the picture narrow.
    drawn_in_a_call = [graph.element[v] for v in graph.nodes if cluster_of.get(graph.element[v]) is not None]
    parameters = {node for node in drawn_in_a_call if not graph.nodes[int(node[1:])].parents}
    for tail, head in graph.edges:
        if tail in parameters:
            lines.append(f"\t{head} -> {tail} [dir=back]\n")
        elif cluster_of.get(head) not in (None, cluster_of.get(tail, int(tail[1:]))):
            lines.append(f"\t{tail} -> {head} [minlen=2]\n")
        else:
            lines.append(f"\t{tail} -> {head}\n")
    return Graph(format=fmt, body=lines)


def draw_collapsed(
    root: Value,
    scopes: Sequence[Scope],
    *,
    level: str = "neuron",
    expand: str | Sequence[str] = (),
    rankdir: str = AUTO,
    show_grad: bool = True,
    color_by_grad: bool = False,
    format: str = "svg",
) -> Graph:
    """The graph below root with each module call recorded in scopes drawn as one box.

    ``level="neuron"``: a box per neuron, inside a cluster per layer; ``"layer"``: a box per layer.
    Each box shows its name and, for each Value it hands on, what it computes and its value
    (``relu(w.x+b) = 0.7310``) with its grad. ``expand`` names calls to open (``"layers.1.neurons.0"``,
    or several): a neuron shows its Values, a layer its neurons. Values made outside the boxes (inputs
    passed as Values, the loss) are drawn as draw_dot draws them; ``rankdir``, ``show_grad``,
    ``color_by_grad`` (a box takes its outputs' strongest fill) and ``format`` work as in draw_dot.
    """
    if rankdir not in _RANKDIRS:
        offered = ", ".join(_RANKDIRS)
        raise ValueError(f"draw_collapsed: rankdir must be one of {offered}, got {brief(rankdir)}")
    check_format(format, "draw_collapsed")
    graph = collapse(root, scopes, level=level, expand=expand)
    shown = [v.grad for v in graph.nodes if not graph.element[v].startswith("b")]
    shown += [v.grad for box in graph.boxes.values() for v in box.outputs]
    look, title = grad_looks(shown, show_grad=show_grad, color_by_grad=color_by_grad)
    ways = ["LR", "TB"] if rankdir == AUTO else [rankdir]
    return narrowest_in_column([_picture(graph, look, r, format, html_label(title)) for r in ways])
