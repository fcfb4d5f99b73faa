"""A playground's state as one SVG: the network, the decision boundary with the data, the loss curves.

Forward view: each unit shows its output over the input plane (`UnitGrids`), each edge is
coloured by its weight's sign and as wide as its size. Backprop view: each unit is coloured by
its delta and each edge by its dc/dw, for the last step (`Playground.backprop`). Every edge
and unit carries ``data-param``, the name of its weight or bias, so a page can ask for that
parameter's update (`Playground.update`). Text is 12 px or more.
"""

from __future__ import annotations

from html import escape

from autograd_tiny.playground.backprop import Backprop
from autograd_tiny.playground.grids import UnitGrids
from autograd_tiny.playground.heatmap import NEGATIVE, POSITIVE, colour, css, png_uri
from autograd_tiny.playground.session import Playground
from autograd_tiny.viz.still import SvgPicture

UNIT, GAP, COLUMN = 36, 20, 120  # a unit's square, the space between units, between layers' columns
TOP, LEFT = 52, 24
BOUNDARY = 300  # the decision boundary's square
CURVE_TIPS = 100  # hover strips over the loss curves, at most
FONT = "font-family:Helvetica,Arial,sans-serif"
VIEWS = ("forward", "backprop")


def _unit_position(layer: int, unit: int) -> tuple[float, float]:
    return LEFT + layer * COLUMN, TOP + unit * (UNIT + GAP)


def _text(x: float, y: float, text: str, size: int = 13, anchor: str = "start", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" {extra}>'
            f"{escape(text)}</text>")  # fmt: skip


def _largest(values: list[float]) -> float:
    return max((abs(v) for v in values), default=0.0) or 1.0


def _edges(pg: Playground, steps: Backprop | None, selected: str | None) -> list[str]:
    """One line per weight: coloured by the sign of the weight (or of dc/dw), as wide as its size."""
    named = dict(pg.model.named_parameters())
    scale = _largest(list(steps.grads.values())) if steps else 1.0
    lines = []
    for n, layer in enumerate(pg.model.layers):
        for j, neuron in enumerate(layer.neurons):
            x1, y1 = _unit_position(n + 1, j)
            for i in range(len(neuron.w)):
                name = f"layers.{n}.neurons.{j}.w.{i}"
                x0, y0 = _unit_position(n, i)
                value = steps.grads[name] / scale if steps else named[name].data
                width = min(0.5 + 3 * abs(value), 8.0)
                stroke = css(POSITIVE if value > 0 else NEGATIVE)
                ends = f'x1="{x0 + UNIT:.1f}" y1="{y0 + UNIT / 2:.1f}" x2="{x1:.1f}" y2="{y1 + UNIT / 2:.1f}"'
                lines.append(f'<line class="edge" data-param="{name}" {ends} stroke="{stroke}" '
                             f'stroke-width="{width:.2f}"><title>{name}</title></line>')
                if name == selected:  # drawn again on top, dashed black, so that it stands out
                    lines.append(f'<line class="chosen" {ends} pointer-events="none" stroke="#000" '
                                 f'stroke-width="{max(width, 2):.2f}" stroke-dasharray="6 3"/>')  # fmt: skip
                lines.append(f'<line class="hit" data-param="{name}" {ends} stroke="transparent" '
                             f'stroke-width="8"/>')  # fmt: skip
    return lines


def _units(grids: UnitGrids, steps: Backprop | None, selected: str | None) -> list[str]:
    """Each unit's square: its output over the plane (forward) or its delta's colour and number (backprop)."""
    parts = []
    delta_scale = _largest([d for layer in steps.delta for d in layer]) if steps else 1.0
    for n, layer in enumerate(grids.values):
        for j, values in enumerate(layer):
            x, y = _unit_position(n, j)
            name = "" if n == 0 else f"layers.{n - 1}.neurons.{j}.b"
            param = f' class="unit" data-param="{name}"' if name else ' class="unit"'
            border = 'stroke="#000" stroke-width="2.5"' if name and name == selected else 'stroke="#666"'
            if steps is not None and n > 0:
                delta = steps.delta[n][j]
                parts.append(f'<rect{param} x="{x}" y="{y}" width="{UNIT}" height="{UNIT}" '
                             f'fill="{css(colour(delta / delta_scale))}" {border}/>')  # fmt: skip
                parts.append(_text(x + UNIT / 2, y + UNIT + 13, f"\u03b4 {delta:.2g}", 12, "middle"))
            else:
                parts.append(f'<image x="{x}" y="{y}" width="{UNIT}" height="{UNIT}" '
                             f'href="{png_uri(values, grids.size)}" preserveAspectRatio="none"/>')
                parts.append(f'<rect{param} x="{x}" y="{y}" width="{UNIT}" height="{UNIT}" '
                             f'fill="transparent" {border}/>')  # fmt: skip
    parts.append(_text(LEFT, TOP - 10, "inputs x1, x2", 13))
    for n in range(1, len(grids.values)):
        title = "output" if n == len(grids.values) - 1 else f"hidden {n}"
        parts.append(_text(_unit_position(n, 0)[0], TOP - 10, title, 13))
    return parts


def _boundary(pg: Playground, grids: UnitGrids, x0: float, y0: float) -> list[str]:
    """The output over the plane, the training points (white ring) and the test points (black ring)."""
    low, high = grids.extent.low, grids.extent.high

    def place(p: list[float]) -> tuple[float, float]:
        return (x0 + (p[0] - low) / (high - low) * BOUNDARY, y0 + (high - p[1]) / (high - low) * BOUNDARY)

    parts = [
        f'<image x="{x0}" y="{y0}" width="{BOUNDARY}" height="{BOUNDARY}" '
        f'href="{png_uri(grids.boundary, grids.size)}" preserveAspectRatio="none"/>',
        f'<rect x="{x0}" y="{y0}" width="{BOUNDARY}" height="{BOUNDARY}" fill="none" stroke="#666"/>',
        _text(x0, y0 - 10, "boundary; train: white ring, test: black ring", 13),
    ]
    for X, y, ring in ((pg.X_train, pg.y_train, "#fff"), (pg.X_test, pg.y_test, "#000")):
        for p, label in zip(X, y):
            cx, cy = place(p)
            fill = css(POSITIVE if label else NEGATIVE)
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{fill}" stroke="{ring}"/>')
    return parts


def _curves(pg: Playground, x0: float, y0: float, width: float, height: float) -> list[str]:
    """Train and test loss per epoch, on one scale from 0 to the largest loss seen."""
    top = max(*pg.train_loss, *pg.test_loss) or 1.0
    epochs = max(len(pg.train_loss) - 1, 1)
    parts = [f'<rect x="{x0}" y="{y0}" width="{width}" height="{height}" fill="none" stroke="#999"/>']
    for curve, stroke, name in ((pg.train_loss, "#333", "train"), (pg.test_loss, "#c0392b", "test")):
        points = " ".join(f"{x0 + k / epochs * width:.1f},{y0 + height - v / top * height:.1f}"
                          for k, v in enumerate(curve))  # fmt: skip
        parts.append(f'<polyline class="loss {name}" points="{points}" fill="none" stroke="{stroke}"/>')
    parts += _curve_tips(pg, x0, y0, width, height)
    parts.append(_text(x0, y0 + height + 16, f"train loss {pg.train_loss[-1]:.4f}", 13, extra='fill="#333"'))
    parts.append(_text(x0 + width, y0 + height + 16, f"test loss {pg.test_loss[-1]:.4f}", 13, "end",
                       extra='fill="#c0392b"'))  # fmt: skip
    return parts


def _curve_tips(pg: Playground, x0: float, y0: float, width: float, height: float) -> list[str]:
    """Hovering the curves: a strip per epoch (at most CURVE_TIPS, evenly spread) saying its losses."""
    epochs = len(pg.train_loss)
    count = min(epochs, CURVE_TIPS)
    shown = sorted({round(i * (epochs - 1) / max(count - 1, 1)) for i in range(count)})
    strip = width / len(shown)
    return [f'<rect class="tip" x="{x0 + i * strip:.1f}" y="{y0}" width="{strip:.1f}" height="{height}" '
            f'fill="transparent"><title>epoch {k}: train loss {pg.train_loss[k]:.4f}, '
            f'test loss {pg.test_loss[k]:.4f}</title></rect>' for i, k in enumerate(shown)]  # fmt: skip


def picture(pg: Playground, view: str = "forward", selected: str | None = None, size: int = 30) -> str:
    """The playground as SVG text; ``selected`` names a parameter to mark (dashed edge, bold square)."""
    if view not in VIEWS:
        raise ValueError(f"picture: view must be one of {', '.join(VIEWS)}, got {view!r}")
    grids = pg.unit_grids(size)
    steps = pg.backprop() if view == "backprop" else None
    tallest = max(len(layer) for layer in grids.values)
    network_width = LEFT + (len(grids.values) - 1) * COLUMN + UNIT + 40
    height = max(TOP + tallest * (UNIT + GAP) + 20, TOP + BOUNDARY + 170)
    width = network_width + BOUNDARY + 30
    caption = f"epoch {pg.epoch}" + (
        "   backprop view: units by delta, edges by dc/dw of the last step" if view == "backprop" else "")
    if view == "backprop" and steps is None:
        caption += " (take a step first)"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="playground" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT}">',
        _text(LEFT, 18, caption, 14, extra='class="caption"'),
        *_edges(pg, steps, selected),
        *_units(grids, steps, selected),
        *_boundary(pg, grids, network_width, TOP),
        *_curves(pg, network_width, TOP + BOUNDARY + 30, BOUNDARY, 100),
        "</svg>",
    ]
    return "\n".join(parts)


def still(pg: Playground, view: str = "forward", selected: str | None = None) -> SvgPicture:
    """`picture` for a notebook's output: shown as SVG, stored with a PNG a notebook not yet trusted shows."""
    return SvgPicture(picture(pg, view, selected))
