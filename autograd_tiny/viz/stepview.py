"""The steps of a pass (`autograd_tiny.viz.stepping`) drawn on one fixed layout of the graph.

Names in the picture are stable: the box of node i is ``v{i}``, the oval of its operation
``o{i}``, the arrow from its result oval into it ``r{i}``, and the arrow of edge j (a Value into
an operation) ``e{j}``. Every step is a set of attribute changes at those names; nothing moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autograd_tiny.viz.graphviz_io import PinnedGraph
from autograd_tiny.viz.layout import Scene, lay_out_to_fit, pinned_frame, pinned_svg
from autograd_tiny.viz.stepping import (
    CURRENT_COLOUR,
    STATUS_COLOURS,
    STATUS_MEANINGS,
    Pass,
    Step,
)
from autograd_tiny.viz.steps_page import MIN_TEXT_PX, ElementStates, LegendEntry, PageStep, number_texts, page
from autograd_tiny.viz.text import FONT, dot_text, lines_label

FONT_SIZE = 14  # points in the layout: the boxes' text
LABEL_FONT_SIZE = 12  # the operations' and the arrows' text, the smallest of the picture
READABLE_PX_PER_PT = MIN_TEXT_PX / LABEL_FONT_SIZE  # the smallest scale at which every text is 12 px
_FADED = "#666666"  # the text of a box not reached yet: 4.9:1 on its grey, WCAG AA
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


def legend_lines(statuses: Sequence[str], width: int = 64) -> list[str]:
    """The legend as lines of at most about width characters, so a picture is no wider for it."""
    lines = [""]
    for _, name, meaning in legend(statuses):
        entry = f"{name}: {meaning}"
        if lines[-1] and len(lines[-1]) + len(entry) + 3 > width:
            lines.append("")
        lines[-1] += f" · {entry}" if lines[-1] else entry
    return lines


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
                attrs.update(color=CURRENT_COLOUR, penwidth="3", **{"class": "value current"})
            out[f"v{i}"] = attrs
        # the class "current" marks what a view scrolls into sight (see follow.js): the node first
        hot = {"color": CURRENT_COLOUR, "fontcolor": CURRENT_COLOUR, "penwidth": "2", "class": "current"}
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
        # Left-justified lines (\\l) at the top left: in view when a wide picture is scrolled to its start.
        title = "".join(f"{dot_text(line)}\\l" for line in (step.title, *legend_lines(self.statuses)))
        graph = {"label": title, "labelloc": "t", "labeljust": "l", "fontname": FONT, "fontsize": "13"}
        return pinned_frame(self.scene, self.changes(step), graph, fmt, max_pixels)

    def page_svg(self) -> str:
        """The one SVG of a steps page: drawn with every text at its longest, each text given an id.

        The page's script then shows a step by changing texts and classes, never positions.
        """
        return number_texts(pinned_svg(self.scene, "write_steps"), "voer")

    def page(self, title: str) -> str:
        """The self-contained HTML page stepping through every step on the one SVG."""
        css = "".join(f"g.st-{s} > path, g.st-{s} > polygon {{ fill: {colour}; }}\n"
                      for s, colour in STATUS_COLOURS.items())  # fmt: skip
        css += _PAGE_CSS.replace("RED", CURRENT_COLOUR)
        entries = [LegendEntry(f"background:{colour}", f"{name}: {meaning}") for colour, name, meaning in
                   legend(self.statuses)[:-1]]  # fmt: skip
        entries.append(LegendEntry(f"background:#fff;border:3px solid {CURRENT_COLOUR}",
                                   "red outline: this step's node, its operation and arrows"))  # fmt: skip
        steps = [PageStep(s.phase, s.title, s.text) for s in self.run.steps]
        return page(self.page_svg(), steps, self.states(), entries, title=title, css=css)

    def states(self) -> list[ElementStates]:
        """Each step as the class and texts of every element of `page_svg` (see steps_page.js)."""
        out = []
        for step in self.run.steps:
            state: ElementStates = {}
            for i, v in enumerate(self.run.nodes):
                hot = i == step.current
                kind = "node value labelled" if v.label else "node value"
                state[f"v{i}"] = (f"{kind} st-{step.status[i]}{' current' if hot else ''}", step.lines[i], "")
                if v.parents:
                    state[f"o{i}"] = ("node op hot" if hot else "node op", (), "")
                    state[f"r{i}"] = ("edge result hot" if hot else "edge result", (), "")
            for j, edge in enumerate(self.run.edges):
                hot = edge.child == step.current
                state[f"e{j}"] = ("edge input hot" if hot else "edge input", (step.edge_text[j],), "")
            out.append(state)
        return out


_PAGE_CSS = """
g.value.current > path, g.value.current > polygon { stroke: RED; stroke-width: 3; }
g.hot > path, g.hot > ellipse { stroke: RED; stroke-width: 2; }
g.hot > polygon { stroke: RED; fill: RED; }
g.hot > text { fill: RED; }
g.st-waiting > text, g.st-unreached > text { fill: #666; }
g.labelled > text:first-of-type { font-weight: bold; }
"""


def build(run: Pass, *, rankdir: str, what: str) -> StepPictures:
    """Lay out the graph of run once, each box and arrow label sized for its longest text.

    ``rankdir="auto"`` picks left to right or top to bottom, whichever a laptop's view shows more of.
    """
    widest_nodes, widest_edges = run.widest()
    nodes: dict[str, dict[str, str]] = {}
    edges: dict[str, tuple[str, str, dict[str, str]]] = {}
    for i, v in enumerate(run.nodes):
        classes = "value labelled" if v.label else "value"
        nodes[f"v{i}"] = {"id": f"v{i}", "class": classes, "label": lines_label(widest_nodes[i])}
        if v.parents:
            nodes[f"o{i}"] = {"id": f"o{i}", "class": "op", "label": lines_label([v.op]), "shape": "ellipse",
                              "fillcolor": "#f0f0f0", "fontsize": str(LABEL_FONT_SIZE),
                              "margin": "0.04,0.02"}  # fmt: skip
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
            "edge": {"fontname": FONT, "fontsize": str(LABEL_FONT_SIZE), "arrowsize": "0.7"},
        },
    )  # fmt: skip
    return StepPictures(run, lay_out_to_fit(scene, what, READABLE_PX_PER_PT))
