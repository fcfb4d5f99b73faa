"""The steps of a pass (`autograd_tiny.stepping`) drawn on one fixed layout of the graph.

Names in the picture are stable: the box of node i is ``v{i}``, the oval of its operation
``o{i}``, the arrow from its result oval into it ``r{i}``, and the arrow of edge j (a Value into
an operation) ``e{j}``. Every step is a set of attribute changes at those names; nothing moves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autograd_tiny.graphviz_io import PinnedGraph, run_dot
from autograd_tiny.layout import Scene, lay_out, lines_label, quote, size, source
from autograd_tiny.stepping import (
    CURRENT_COLOUR,
    STATUS_COLOURS,
    STATUS_MEANINGS,
    Pass,
    Step,
)

FONT = "Helvetica"
FONT_SIZE = 14  # points in the layout; the page never shows it smaller than 12 px on screen
_FADED = "#777777"
_COLOUR_NAMES = {"#eeeeee": "grey", "#ffffff": "white", "#c6dbef": "blue", "#c7e9c0": "green"}


def legend(statuses: Sequence[str]) -> list[tuple[str, str, str]]:
    """(colour, its name, what it means) for every status fill used, then the current step's outline."""
    seen: dict[str, list[str]] = {}
    for s in statuses:
        meanings = seen.setdefault(STATUS_COLOURS[s], [])
        if STATUS_MEANINGS[s] not in meanings:
            meanings.append(STATUS_MEANINGS[s])
    entries = [(colour, _COLOUR_NAMES[colour], " / ".join(m)) for colour, m in seen.items()]
    return [*entries, (CURRENT_COLOUR, "red outline", "this step's node and its arrows")]


def legend_text(statuses: Sequence[str]) -> str:
    return " · ".join(f"{name}: {meaning}" for _, name, meaning in legend(statuses))


@dataclass(frozen=True)
class StepPictures:
    """A pass and its graph laid out once; each step drawn at the same places."""

    run: Pass
    scene: Scene

    @property
    def statuses(self) -> list[str]:
        """Every status some step shows, in a fixed order."""
        used = {s for step in self.run.steps for s in step.status}
        return [s for s in STATUS_COLOURS if s in used]

    def changes(self, step: Step) -> dict[str, dict[str, str]]:
        """The attributes of every element in this step."""
        out: dict[str, dict[str, str]] = {}
        for i, lines in enumerate(step.lines):
            status = step.status[i]
            attrs = {"label": lines_label(lines), "fillcolor": STATUS_COLOURS[status]}
            if status in ("waiting", "unreached"):
                attrs["fontcolor"] = _FADED
            if i == step.current:
                attrs.update(color=CURRENT_COLOUR, penwidth="3")
            out[f"v{i}"] = attrs
        hot = {"color": CURRENT_COLOUR, "fontcolor": CURRENT_COLOUR, "penwidth": "2"}
        if step.current is not None and self.run.nodes[step.current].parents:
            out[f"o{step.current}"] = dict(hot)
            out[f"r{step.current}"] = dict(hot)
        for j, edge in enumerate(self.run.edges):
            attrs = dict(hot) if edge.child == step.current else {}
            attrs["label"] = lines_label([step.edge_text[j]]) if step.edge_text[j] else ""
            out[f"e{j}"] = attrs
        return out

    def frame(self, k: int, fmt: str = "svg", *, max_pixels: int | None = None) -> PinnedGraph:
        """Step k as a picture with its title and the legend above the graph.

        ``max_pixels`` caps a raster picture's width (by lowering its resolution).
        """
        step = self.run.steps[k]
        title = f"{step.title}\\n{quote(legend_text(self.statuses))[1:-1]}"
        graph = {"label": title, "labelloc": "t", "fontname": FONT, "fontsize": "13"}
        if max_pixels is not None:
            graph["dpi"] = f"{min(96.0, 72.0 * max_pixels / max(size(self.scene)[0], 600.0)):.1f}"
        return PinnedGraph(source(self.scene, self.changes(step), graph), format=fmt)

    def page_svg(self) -> str:
        """The one SVG of a steps page: drawn with every text at its longest, each text given an id.

        The page's script then shows a step by changing texts and classes, never positions.
        """
        svg = run_dot(source(self.scene), "svg", "write_steps", engine="neato", pinned=True).decode("utf-8")
        return _number_texts(svg[svg.index("<svg"):])

    def page_data(self) -> dict[str, Any]:
        """The steps as JSON-ready data for the page's script (see steps_page.js)."""
        code = {s: s[0] for s in STATUS_COLOURS}
        return {
            "labelled": [bool(v.label) for v in self.run.nodes],
            "ops": [bool(v.parents) for v in self.run.nodes],
            "edgeChild": [e.child for e in self.run.edges],
            "steps": [
                {
                    "phase": s.phase,
                    "title": s.title,
                    "text": s.text,
                    "status": "".join(code[x] for x in s.status),
                    "lines": [list(lines[-2:]) for lines in s.lines],
                    "current": s.current,
                    "edges": {str(j): t for j, t in enumerate(s.edge_text) if t},
                }
                for s in self.run.steps
            ],
        }


_GROUP = re.compile(r'(<g id="([voe]\d+|r\d+)" class="[^"]*">)(.*?)(</g>)', re.DOTALL)


def _number_texts(svg: str) -> str:
    """Give the k-th <text> of the group with id X the id X-k, so a script can change it."""

    def number(match: re.Match[str]) -> str:
        head, gid, body, tail = match.groups()
        count = iter(range(1_000_000))
        body = re.sub(r"<text ", lambda _: f'<text id="{gid}-{next(count)}" ', body)
        return head + body + tail

    return _GROUP.sub(number, svg)


def build(run: Pass, *, rankdir: str, what: str) -> StepPictures:
    """Lay out the graph of run once, each box and arrow label sized for its longest text."""
    widest_nodes, widest_edges = run.widest()
    nodes: dict[str, dict[str, str]] = {}
    edges: dict[str, tuple[str, str, dict[str, str]]] = {}
    for i, v in enumerate(run.nodes):
        classes = "value labelled" if v.label else "value"
        nodes[f"v{i}"] = {"id": f"v{i}", "class": classes, "label": lines_label(widest_nodes[i])}
        if v.parents:
            nodes[f"o{i}"] = {"id": f"o{i}", "class": "op", "label": lines_label([v.op]), "shape": "ellipse",
                              "fillcolor": "#f0f0f0", "fontsize": "12", "margin": "0.04,0.02"}  # fmt: skip
            edges[f"r{i}"] = (f"o{i}", f"v{i}", {"class": "result"})
    for j, edge in enumerate(run.edges):
        attrs = {"class": "input"}
        if widest_edges[j]:
            attrs["label"] = lines_label([widest_edges[j]])
        edges[f"e{j}"] = (f"v{edge.parent}", f"o{edge.child}", attrs)
    scene = Scene(
        graph={"rankdir": rankdir, "fontname": FONT, "nodesep": "0.25", "ranksep": "0.35", "pad": "0.1"},
        nodes=nodes,
        edges=edges,
        defaults={
            "node": {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff", "fontname": FONT,
                     "fontsize": str(FONT_SIZE), "margin": "0.12,0.05"},
            "edge": {"fontname": FONT, "fontsize": "12", "arrowsize": "0.7"},
        },
    )  # fmt: skip
    return StepPictures(run, lay_out(scene, what))
