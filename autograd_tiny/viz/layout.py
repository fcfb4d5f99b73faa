"""One layout, many states: Graphviz places a picture once, and every state of it is drawn at those places.

A `Scene` lists a picture's nodes and edges with their DOT attributes. `lay_out` asks ``dot``
for positions (``-Tjson``), with each node sized for the longest text it will ever show, and
pins them: the result carries ``pos``, ``width``, ``height`` (fixed) and the edges' splines and
label positions. `pinned_frame` then draws one state (other labels, colours, classes) at exactly
those places with ``neato -n2``, which draws without moving anything; `pinned_svg` draws the scene
as it is, for a page whose script changes its texts and classes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from autograd_tiny.viz.graphviz_io import GraphvizNotFoundError, PinnedGraph, run_dot
from autograd_tiny.viz.text import quote

Attrs = Mapping[str, str]


@dataclass(frozen=True)
class Scene:
    """A picture as DOT attributes: the graph's, each node's (by name) and each edge's (by id)."""

    graph: dict[str, str]
    nodes: dict[str, dict[str, str]]
    edges: dict[str, tuple[str, str, dict[str, str]]]  # id -> (tail node, head node, attributes)
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)  # "node"/"edge" -> attributes


def _attrs(attrs: Attrs) -> str:
    """DOT attributes; a ``label`` comes escaped (`text.lines_label`), every other value is quoted here."""
    return " ".join(f'{k}="{v}"' if k == "label" else f"{k}={quote(v)}" for k, v in attrs.items())


def source(scene: Scene, changes: Mapping[str, Attrs] | None = None, graph: Attrs | None = None) -> str:
    """The DOT text of scene, each element's attributes updated by ``changes[its id]``."""
    changes = changes or {}
    out = ["digraph {", f"\tgraph [{_attrs({**scene.graph, **(graph or {})})}]"]
    out += [f"\t{kind} [{_attrs(attrs)}]" for kind, attrs in scene.defaults.items()]
    out += [f"\t{quote(name)} [{_attrs({**attrs, **changes.get(name, {})})}]"
            for name, attrs in scene.nodes.items()]  # fmt: skip
    out += [f"\t{quote(tail)} -> {quote(head)} [{_attrs({'id': eid, **attrs, **changes.get(eid, {})})}]"
            for eid, (tail, head, attrs) in scene.edges.items()]  # fmt: skip
    out.append("}")
    return "\n".join(out) + "\n"


def lay_out(scene: Scene, what: str) -> Scene:
    """The scene with every node and edge pinned where ``dot`` places them (sizes fixed)."""
    laid = json.loads(run_dot(source(scene), "json", what))
    nodes = {name: dict(attrs) for name, attrs in scene.nodes.items()}
    for obj in laid.get("objects", ()):
        if obj.get("name") in nodes and "pos" in obj:
            where = {"pos": obj["pos"], "width": obj["width"], "height": obj["height"], "fixedsize": "true"}
            nodes[obj["name"]].update(where)
    edges = {eid: (tail, head, dict(attrs)) for eid, (tail, head, attrs) in scene.edges.items()}
    for edge in laid.get("edges", ()):
        eid = edge.get("id")
        if eid in edges:
            edges[eid][2]["pos"] = edge["pos"]
            if "lp" in edge:
                edges[eid][2]["lp"] = edge["lp"]
    graph = {k: v for k, v in scene.graph.items() if k not in ("label", "rankdir", "newrank")}
    graph["bb"] = laid["bb"]
    return replace(scene, graph=graph, nodes=nodes, edges=edges)


# The box a picture is chosen for: a laptop's notebook column (JupyterLab at 1280x800, file browser open).
VIEW_BOX_PX = (848.0, 520.0)
AUTO = "auto"  # rankdir: left to right or top to bottom, whichever shows more of the picture in VIEW_BOX_PX


def shown_fraction(scene: Scene, px_per_pt: float, box: tuple[float, float] = VIEW_BOX_PX) -> float:
    """How much of a laid-out scene, drawn at px_per_pt, a box shows at once (1: all of it)."""
    x0, y0, x1, y1 = (float(v) for v in scene.graph["bb"].split(","))
    width, height = max(x1 - x0, 1.0) * px_per_pt, max(y1 - y0, 1.0) * px_per_pt
    return min(box[0], width) * min(box[1], height) / (width * height)


def lay_out_to_fit(scene: Scene, what: str, px_per_pt: float) -> Scene:
    """The scene laid out with its own rankdir, or with ``"auto"`` the better of LR and TB for VIEW_BOX_PX.

    Left to right wins ties: it reads like the formula. A long chain of operations goes top to
    bottom, where a notebook scrolls anyway, instead of far off to the right.
    """
    if scene.graph.get("rankdir") != AUTO:
        return lay_out(scene, what)
    options = [lay_out(replace(scene, graph={**scene.graph, "rankdir": r}), what) for r in ("LR", "TB")]
    return max(options, key=lambda s: shown_fraction(s, px_per_pt))


class Described(Protocol):
    """A drawing that Graphviz lays out from its DOT text."""

    @property
    def source(self) -> str: ...


Drawing = TypeVar("Drawing", bound=Described)


def narrowest_in_column(options: Sequence[Drawing]) -> Drawing:
    """The first of several drawings of one graph whose text a VIEW_BOX_PX-wide column shrinks least.

    A drawing narrower than the column keeps its size, so the first (left to right) wins unless it
    is too wide and another is narrower. One drawing, or no Graphviz's dot: the first, unmeasured.
    """
    if len(options) == 1:
        return options[0]
    try:
        layouts = [json.loads(run_dot(o.source, "json", "draw_dot")) for o in options]
    except GraphvizNotFoundError:
        return options[0]
    widths = [float(laid["bb"].split(",")[2]) for laid in layouts]
    column_pt = VIEW_BOX_PX[0] * 0.75  # 4/3 px to the point
    shrink = [min(1.0, column_pt / max(w, 1.0)) for w in widths]
    return options[shrink.index(max(shrink))]


def dpi_for(scene: Scene, max_pixels: int) -> str:
    """The resolution (at most Graphviz's 96) at which a laid-out scene is at most max_pixels wide.

    A title wider than a narrow graph is allowed for: the width counts as at least 600 points.
    """
    x0, _, x1, _ = (float(v) for v in scene.graph["bb"].split(","))
    width = max(x1 - x0, 600.0) + 20.0  # Graphviz's margins
    return f"{min(96.0, 72.0 * max_pixels / width):.2f}"


def pinned_frame(
    scene: Scene, changes: Mapping[str, Attrs], graph: Attrs, fmt: str, max_pixels: int | None
) -> PinnedGraph:
    """One state of a laid-out scene as a picture; ``max_pixels`` caps a raster's width (lowering its dpi)."""
    if max_pixels is not None:
        graph = {**graph, "dpi": dpi_for(scene, max_pixels)}
    return PinnedGraph(source(scene, changes, graph), format=fmt)


def pinned_svg(scene: Scene, what: str) -> str:
    """The laid-out scene drawn as it is, as SVG text from its ``<svg`` element on (no XML prologue)."""
    svg = run_dot(source(scene), "svg", what, engine="neato", pinned=True).decode("utf-8")
    return svg[svg.index("<svg"):]
