"""The DOT lines of one Value in a picture: its box (label, data, grad) and its operation's oval.

`draw_dot` draws every Value this way; `draw_collapsed` the Values it does not fold into a box.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from autograd_tiny.engine import Value
from autograd_tiny.viz.text import FONT, blend, fixed, html_label


class Look(NamedTuple):
    """How one box looks: its grad text (None hides the cell) and its fill colour ("" for none)."""

    grad: str | None
    fill: str = ""


def table(name: str, cells: Sequence[str], fill: str) -> str:
    """A node drawn as a stack of cells (HTML-like text), filled with fill when it is not ""."""
    attrs = 'BORDER="0" CELLSPACING="0" CELLPADDING="3" CELLBORDER="1"'
    if fill:
        attrs += f' BGCOLOR="{fill}"'
    rows = "".join(f"<TR><TD>{c}</TD></TR>" for c in cells)
    return f"\t{name} [label=<<TABLE {attrs}>{rows}</TABLE>>]\n"


def value_line(name: str, v: Value, look: Look) -> str:
    """A Value's box: label, data and grad stacked, so a left-to-right graph stays narrow enough to read."""
    cells = [f"<B>{html_label(v.label)}</B>"] if v.label else []
    cells.append(f"data {fixed(v.data)}")
    if look.grad is not None:
        cells.append(f"grad {look.grad}")
    return table(name, cells, look.fill)


def op_line(name: str, v: Value) -> str:
    """The small grey oval of the operation that made v."""
    return (f"\t{name} [label=<{html_label(v.op)}> shape=ellipse style=filled fillcolor=grey94 "
            "margin=0.04 width=0 height=0]\n")  # fmt: skip


_WHITE, _RED = (255, 255, 255), (227, 74, 51)  # color_by_grad: |grad| 0 to the largest |grad|
_NOT_FINITE = "#bdbdbd"


def grad_looks(
    grads: Sequence[float], *, show_grad: bool, color_by_grad: bool
) -> tuple[Callable[[float], Look], str]:
    """How a box with a given grad looks, and the picture's caption (the colour scale, or "").

    ``color_by_grad`` fills from white to red by |grad| / the largest finite |grad| in grads.
    """
    text: Callable[[float], str | None] = fixed if show_grad else (lambda g: None)
    if not color_by_grad:
        return (lambda g: Look(text(g))), ""
    finite = [abs(g) for g in grads if math.isfinite(g)]
    top = max(finite, default=0.0) or 1.0
    title = f"fill: |grad| from 0 (white) to {fixed(top)} (red)"
    title += "; grey: grad not finite" if len(finite) < len(grads) else ""

    def look(g: float) -> Look:
        return Look(text(g), blend(_WHITE, _RED, abs(g) / top) if math.isfinite(g) else _NOT_FINITE)

    return look, title


def graph_header(rankdir: str, *, clustered: bool, title: str = "") -> list[str]:
    """The first DOT lines of a picture: direction, typeface and sizes, and its caption (HTML-like text)."""
    return [
        # newrank lets dot rank nested clusters together: about a second of layout instead of a minute
        # ranksep 0.3 (dot's default is 0.5): a narrower picture, so its text stays readable fitted to a cell
        f"\tgraph [rankdir={rankdir} ranksep=0.3 fontname={FONT}"
        + (" newrank=true" if clustered else "")
        + (f" labelloc=t label=<{title}>]\n" if title else "]\n"),
        f"\tnode [shape=plain fontname={FONT} fontsize=11]\n",
        f"\tedge [arrowsize=0.7 fontname={FONT} fontsize=10]\n",
    ]
