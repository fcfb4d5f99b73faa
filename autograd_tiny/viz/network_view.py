"""An MLP as layers of units, coloured by the delta rules of backpropagation, stepped layer by layer backward.

With y_n = f(x_n) the outputs of layer n, x_{n+1} = w_n y_n + b_n the pre-activations of the
next layer and the cost c = 1/2 (y_N - t)^2 of one sample:

    delta_N = (y_N - t) f'(x_N),   delta_n = f'(x_n) (w_n^T delta_{n+1}),   dc/dw_n = delta_{n+1} y_n.

`network_deltas` computes exactly these with plain floats (f' from the engine's own rule table);
`labelled_forward` builds the same sample's Value graph with the pre-activations labelled
``x2[0]``, ... so that after ``backward()`` their ``.grad`` is delta_n[j] for all to see.
Layer 1 is the input layer, as in the derivation (its outputs are the inputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autograd_tiny.checks import brief, is_list, is_real
from autograd_tiny.engine import RULES, Value
from autograd_tiny.floatmath import FloatMath
from autograd_tiny.nn import MLP
from autograd_tiny.viz.graphviz_io import PinnedGraph
from autograd_tiny.viz.layout import Scene, lay_out, pinned_frame, pinned_svg
from autograd_tiny.viz.steps_page import ElementStates, LegendEntry, PageStep, number_texts, page
from autograd_tiny.viz.text import FONT, blend, lines_label, short, text_colour

FONT_SIZE = 14
_DELTA = "\u03b4"
_NEGATIVE, _ZERO, _POSITIVE = (33, 102, 172), (247, 247, 247), (178, 24, 43)  # blue, white, red


@dataclass(frozen=True)
class NetworkDeltas:
    """One sample's forward values and backward deltas, layer by layer (index 0 is layer 1, the inputs)."""

    y: list[list[float]]  # y[n]: outputs of layer n + 1 (y[0] the inputs)
    x: list[list[float]]  # x[n]: pre-activations of layer n + 1 (x[0] empty: the inputs have none)
    delta: list[list[float]]  # delta[n] = dc/dx[n] (delta[0] empty)
    dw: list[list[list[float]]]  # dw[n][j][i] = dc/dw: into unit j of layer n + 1 from unit i of layer n
    db: list[list[float]]  # db[n][j] = dc/db = delta[n][j]
    target: list[float]
    cost: float


def _activate(activation: str, x: float) -> tuple[float, float]:
    """f(x) and f'(x) for the activation, from the engine's rule table (linear: x and 1)."""
    if activation == "linear":
        return x, 1.0
    forward, local = RULES[activation]
    y = float(forward(FloatMath, x, None))
    return y, float(local(FloatMath, x, None, y)[0])


def _check(model: MLP, inputs: Sequence[float], target: float | Sequence[float], what: str) -> list[float]:
    if not isinstance(model, MLP):
        raise TypeError(f"{what}: model must be an autograd_tiny.nn.MLP, got {type(model).__name__}")
    if not is_list(inputs) or len(inputs) != model.nin:
        raise ValueError(f"{what}: x must be a list of {model.nin} numbers, got {brief(inputs)}")
    if not all(is_real(v) for v in inputs):
        raise TypeError(f"{what}: x must hold numbers, got {brief(inputs)}")
    targets = [target] if is_real(target) else list(target)  # type: ignore[arg-type]
    if len(targets) != model.nouts[-1] or not all(is_real(t) for t in targets):
        outputs = model.nouts[-1]
        raise ValueError(f"{what}: target must be {outputs} number(s), one per output: {brief(target)}")
    return [float(t) for t in targets]


def network_deltas(model: MLP, x: Sequence[float], target: float | Sequence[float]) -> NetworkDeltas:
    """The delta rules for one sample, with plain floats, for c = 1/2 sum_k (y_N[k] - t[k])^2."""
    t = _check(model, x, target, "network_deltas")
    ys: list[list[float]] = [[float(v) for v in x]]
    xs: list[list[float]] = [[]]
    slopes: list[list[float]] = [[]]  # slopes[n][j] = f'(x[n][j])
    for layer in model.layers:
        pre = [sum(w.data * y for w, y in zip(n.w, ys[-1])) + n.b.data for n in layer.neurons]
        outs = [_activate(n.activation, p) for n, p in zip(layer.neurons, pre)]
        xs.append(pre)
        ys.append([y for y, _ in outs])
        slopes.append([s for _, s in outs])
    deltas: list[list[float]] = [[] for _ in ys]
    last = len(ys) - 1
    deltas[last] = [(y - tk) * s for y, tk, s in zip(ys[last], t, slopes[last])]
    for n in range(last - 1, 0, -1):
        following = model.layers[n].neurons  # the weights w_n from layer n to layer n + 1
        deltas[n] = [
            slopes[n][i] * sum(unit.w[i].data * d for unit, d in zip(following, deltas[n + 1]))
            for i in range(len(xs[n]))
        ]
    dw: list[list[list[float]]] = [[]]
    dw += [[[d * y for y in ys[n - 1]] for d in deltas[n]] for n in range(1, last + 1)]
    cost = 0.5 * sum((y - tk) ** 2 for y, tk in zip(ys[last], t))
    return NetworkDeltas(ys, xs, deltas, dw, [list(d) for d in deltas], t, cost)


def labelled_forward(model: MLP, x: Sequence[float], target: float | Sequence[float]) -> Value:
    """The cost c = 1/2 sum (y_N - t)^2 of one sample as a Value graph with every unit labelled.

    Inputs are ``y1[i]``; each unit's pre-activation is ``x{n}[j]`` and its output ``y{n}[j]``
    (one box when the unit is linear), so after ``c.backward()`` the box ``x{n}[j]`` shows
    delta_n[j] as its grad. The model's own forward pass builds the graph.
    """
    t = _check(model, x, target, "labelled_forward")
    values: list[Value] = [Value(float(v), label=f"y1[{i}]") for i, v in enumerate(x)]
    for n, layer in enumerate(model.layers, 2):
        outs = [unit(values) for unit in layer.neurons]
        for j, (unit, out) in enumerate(zip(layer.neurons, outs)):
            pre = out if unit.activation == "linear" else out.parents[0]
            pre.label = f"x{n}[{j}]"
            if out is not pre:
                out.label = f"y{n}[{j}]"
        values = outs
    errors = [y - tk for y, tk in zip(values, t)]
    cost = sum((e * e for e in errors[1:]), errors[0] * errors[0]) * 0.5
    cost.label = "c"
    return cost


def _colour(value: float, top: float) -> str:
    """Blue for negative, white for zero, red for positive, by |value| / top."""
    s = min(1.0, abs(value) / top) if top > 0 else 0.0
    return blend(_ZERO, _POSITIVE if value > 0 else _NEGATIVE, s)


@dataclass(frozen=True)
class NetworkPictures:
    """The network laid out once, and its states: the forward values, then one layer's deltas at a time."""

    numbers: NetworkDeltas
    scene: Scene
    steps: list[PageStep]
    states: list[ElementStates]

    def frame(self, k: int, fmt: str = "svg", *, max_pixels: int | None = None) -> PinnedGraph:
        """Step k as a picture, its title above it."""
        changes: dict[str, dict[str, str]] = {}
        for eid, (cls, texts, colour) in self.states[k].items():
            attrs = {"label": lines_label(texts)} if texts else {}
            if eid.startswith("u"):
                attrs["fillcolor"] = colour or "#ffffff"
                attrs["fontcolor"] = text_colour(attrs["fillcolor"])
                if "current" in cls:
                    attrs.update(color="#333333", penwidth="3")
            else:
                attrs.update(color=colour or "#bbbbbb", penwidth="2.5" if "current" in cls else "1.2")
            changes[eid] = attrs
        graph = {"label": lines_label([self.steps[k].title, *_LEGEND]), "labelloc": "t", "fontname": FONT}
        return pinned_frame(self.scene, changes, graph, fmt, max_pixels)

    def page(self, title: str) -> str:
        """The self-contained HTML page stepping through the forward values and each layer's deltas."""
        svg = number_texts(pinned_svg(self.scene, "write_network_steps"), "uw")
        entries = [
            LegendEntry("background:linear-gradient(90deg,#2166ac,#f7f7f7,#b2182b)", f"units: {_DELTA} from "
                        "negative (blue) through 0 (white) to positive (red)"),
            LegendEntry("background:linear-gradient(90deg,#2166ac,#f7f7f7,#b2182b);height:.3em",
                        "arrows: dc/dw = \u03b4 \u00d7 y, same colours"),
            LegendEntry("background:#fff;border:3px solid #333", _THICK),
        ]  # fmt: skip
        css = ("g.dark > text { fill: #fff; }\n"
               "g.unit.current > path, g.unit.current > polygon { stroke: #333; stroke-width: 3; }\n"
               "g.weight.current > path { stroke-width: 2.5; }\n")
        return page(svg, self.steps, self.states, entries, title=title, css=css)


_THICK = "thick borders and arrows: the layer this step computes"
_LEGEND = ("units: delta, arrows: dc/dw = delta x y; blue negative, white 0, red positive", _THICK)


def network_pictures(model: MLP, x: Sequence[float], target: float | Sequence[float],
                     *, rankdir: str = "LR") -> NetworkPictures:  # fmt: skip
    """Lay the network out once and describe each step: forward values, then the deltas layer by layer."""
    d = network_deltas(model, x, target)
    layers = len(d.y)
    top_delta = max((abs(v) for row in d.delta for v in row), default=0.0)
    top_dw = max((abs(v) for layer in d.dw for row in layer for v in row), default=0.0)

    def unit_lines(n: int, j: int, known: bool) -> tuple[str, ...]:
        if n == 0:
            return (f"y1[{j}]", f"y = {short(d.y[0][j])}", "input")
        delta = f"{_DELTA} = {short(d.delta[n][j])}" if known else f"{_DELTA} = ?"
        return (f"x{n + 1}[{j}]", f"x = {short(d.x[n][j])}, y = {short(d.y[n][j])}", delta)

    # every unit (layer n, index j) with the indices i of the units whose arrows come into it
    units = [(n, j, range(len(d.y[n - 1]) if n else 0)) for n in range(layers) for j in range(len(d.y[n]))]
    nodes: dict[str, dict[str, str]] = {}
    edges: dict[str, tuple[str, str, dict[str, str]]] = {}
    for n, j, inputs in units:  # each box sized for its longest texts: those with the delta known
        label = lines_label(unit_lines(n, j, True))
        nodes[f"u{n}_{j}"] = {"id": f"u{n}_{j}", "class": "node unit", "label": label}
        for i in inputs:
            edges[f"w{n}_{j}_{i}"] = (f"u{n - 1}_{i}", f"u{n}_{j}", {"class": "edge weight"})
    scene = Scene(  # ordering=out: each layer's units in index order (x2[0] first), not as dot likes them
        graph={"rankdir": rankdir, "fontname": FONT, "ranksep": "1.1", "nodesep": "0.3", "pad": "0.1",
               "ordering": "out"},
        nodes=nodes, edges=edges,
        defaults={"node": {"shape": "box", "style": "rounded,filled", "fillcolor": "white", "fontname": FONT,
                           "fontsize": str(FONT_SIZE), "margin": "0.12,0.05"},
                  "edge": {"arrowsize": "0.6", "color": "#bbbbbb"}},
    )  # fmt: skip
    scene = lay_out(scene, "draw_network")

    def state(known_from: int, current: int | None) -> ElementStates:
        """Deltas known for layers >= known_from; ``current`` is the layer this step computes."""
        out: ElementStates = {}
        for n, j, inputs in units:
            known = n >= known_from and n > 0
            fill = _colour(d.delta[n][j], top_delta) if known else ""
            dark = bool(fill) and text_colour(fill) == "#ffffff"  # white text (class dark) on it
            cls = f"node unit{' current' if n == current else ''}{' dark' if dark else ''}"
            out[f"u{n}_{j}"] = (cls, unit_lines(n, j, known), fill)
            edge_cls = "edge weight current" if n == current else "edge weight"
            for i in inputs:
                out[f"w{n}_{j}_{i}"] = (edge_cls, (), _colour(d.dw[n][j][i], top_dw) if known else "")
        return out

    y_out, t = ", ".join(map(short, d.y[-1])), ", ".join(map(short, d.target))
    steps = [PageStep("forward", f"forward values, cost c = {short(d.cost)}",
                      f"Forward pass: the network's output is y{layers} = {y_out} for target t = {t}; "
                      f"the cost c = 1/2 (y - t)^2 = {short(d.cost)}.")]  # fmt: skip
    states = [state(layers, None)]
    for n in range(layers - 1, 0, -1):
        if n == layers - 1:
            rule = f"{_DELTA}{n + 1} = (y{n + 1} - t) f'(x{n + 1})"
        else:
            rule = f"{_DELTA}{n + 1} = f'(x{n + 1}) (w{n + 1}^T {_DELTA}{n + 2})"
        values = ", ".join(map(short, d.delta[n]))
        steps.append(PageStep("backward", f"layer {n + 1}: {rule}",
                              f"{_DELTA}{n + 1} = {values}; each arrow into it gets dc/dw{n} = "
                              f"{_DELTA}{n + 1} \u00d7 y{n} (the colour of the arrow)."))  # fmt: skip
        states.append(state(n, n))
    return NetworkPictures(d, scene, steps, states)


def draw_network(model: MLP, x: Sequence[float], target: float | Sequence[float], *,
                 rankdir: str = "LR", format: str = "svg") -> PinnedGraph:  # fmt: skip
    """The MLP on one sample with every unit coloured by its delta and every arrow by dc/dw."""
    pictures = network_pictures(model, x, target, rankdir=rankdir)
    return pictures.frame(len(pictures.steps) - 1, format)
