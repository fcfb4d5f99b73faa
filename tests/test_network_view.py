"""The network view shows the derivation's delta rules: checked with plain floats, the engine and PyTorch."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest

from autograd_tiny import backward_order
from autograd_tiny.nn import MLP

viz = pytest.importorskip("autograd_tiny.viz.pictures")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

X, T = [0.7, -1.3], [0.25, -0.5]


def sigmoid_model() -> MLP:
    return MLP(2, [3, 2, 2], activation="sigmoid", output_activation="sigmoid", seed=7)


def deltas_by_hand(model: MLP, x: list[float], t: list[float]) -> list[list[float]]:
    """delta_N = (y_N - t) f'(x_N), delta_n = f'(x_n) (w_n^T delta_{n+1}), with s' = s (1 - s) written out."""
    weights = [[[w.data for w in n.w] for n in layer.neurons] for layer in model.layers]
    biases = [[n.b.data for n in layer.neurons] for layer in model.layers]
    ys = [x]
    for w, b in zip(weights, biases):
        pre = [sum(wi * yi for wi, yi in zip(row, ys[-1])) + bj for row, bj in zip(w, b)]
        ys.append([1 / (1 + math.exp(-p)) for p in pre])
    deltas = [[(y - tk) * y * (1 - y) for y, tk in zip(ys[-1], t)]]
    for n in range(len(weights) - 1, 0, -1):
        below = deltas[0]
        back = [sum(weights[n][j][i] * below[j] for j in range(len(below))) for i in range(len(ys[n]))]
        deltas.insert(0, [y * (1 - y) * s for y, s in zip(ys[n], back)])
    return deltas


def test_deltas_follow_the_derivation_with_plain_floats() -> None:
    model = sigmoid_model()
    d = viz.network_deltas(model, X, T)
    expected = deltas_by_hand(model, X, T)
    assert len(d.delta) == 4 and d.delta[0] == []
    for got, want in zip(d.delta[1:], expected):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15)
    # dc/dw_n = delta_{n+1} y_n, and c = 1/2 (y_N - t)^2
    assert d.dw[2][1][0] == pytest.approx(d.delta[2][1] * d.y[1][0], rel=1e-15)
    assert d.cost == pytest.approx(0.5 * sum((y - t) ** 2 for y, t in zip(d.y[-1], T)))


def test_the_labelled_graphs_pre_activation_grads_are_the_deltas_and_weights_get_dc_dw() -> None:
    model = sigmoid_model()
    d = viz.network_deltas(model, X, T)
    cost = viz.labelled_forward(model, X, T)
    cost.backward()
    assert cost.data == pytest.approx(d.cost, rel=1e-14)
    by_label = {v.label: v for v in backward_order(cost) if v.label}
    for n in range(1, 4):
        for j, delta in enumerate(d.delta[n]):
            assert by_label[f"x{n + 1}[{j}]"].grad == pytest.approx(delta, rel=1e-12, abs=1e-15)
    for n, layer in enumerate(model.layers, 1):
        for j, unit in enumerate(layer.neurons):
            assert [w.grad for w in unit.w] == pytest.approx(d.dw[n][j], rel=1e-12, abs=1e-15)
            assert unit.b.grad == pytest.approx(d.db[n][j], rel=1e-12, abs=1e-15)


def test_deltas_agree_with_pytorch_in_float64() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(2, [4, 1], activation="tanh", seed=3)
    d = viz.network_deltas(model, X, 0.5)
    y = torch.tensor(X, dtype=torch.float64)
    pres = []
    for k, layer in enumerate(model.layers):
        rows = [[p.data for p in n.w] for n in layer.neurons]
        w = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        pre = w @ y + b
        pre.retain_grad()
        pres.append(pre)
        y = torch.tanh(pre) if k < len(model.layers) - 1 else pre
    (0.5 * (y - 0.5) ** 2).sum().backward()
    for n, pre in enumerate(pres, 1):
        assert d.delta[n] == pytest.approx(pre.grad.tolist(), rel=1e-12, abs=1e-15)


def test_bad_input_is_named() -> None:
    model = sigmoid_model()
    with pytest.raises(ValueError, match="network_deltas: x must be a list of 2 numbers"):
        viz.network_deltas(model, [1.0], T)
    with pytest.raises(ValueError, match="network_deltas: target must be 2 number"):
        viz.network_deltas(model, X, 1.0)
    with pytest.raises(TypeError, match=r"network_deltas: model must be an autograd_tiny\.nn\.MLP"):
        viz.network_deltas(object(), X, T)


@needs_dot
def test_the_picture_shows_each_layers_deltas_from_the_output_back(tmp_path: Path) -> None:
    from autograd_tiny.viz.network_view import network_pictures
    from autograd_tiny.viz.text import short

    model = sigmoid_model()
    pictures = network_pictures(model, X, T)
    d = pictures.numbers
    assert [s.title.split(":")[0] for s in pictures.steps] == [
        pictures.steps[0].title.split(":")[0], "layer 4", "layer 3", "layer 2"]  # fmt: skip
    for k, layer in ((1, 3), (2, 2), (3, 1)):
        state = pictures.states[k]
        for n in range(1, 4):
            shown = [state[f"u{n}_{j}"][1][2] for j in range(len(d.delta[n]))]
            known = n >= layer
            assert shown == [f"\u03b4 = {short(v)}" if known else "\u03b4 = ?" for v in d.delta[n]]
    assert "<svg" in viz.to_svg(viz.draw_network(model, X, T))
    page = viz.write_network_steps(model, X, T, tmp_path / "net.html")
    assert page.read_text().count("<svg") == 1


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("sizes", [[4, 1], [3, 3, 1], [5, 2], [2, 4, 3, 1]])
def test_each_layers_units_are_drawn_in_index_order(rankdir: str, sizes: list[int]) -> None:
    """x2[0] first, then x2[1], ...: top to bottom (LR) or left to right (TB), not in an order dot chose."""
    from autograd_tiny.viz.network_view import network_pictures

    model = MLP(2, sizes, seed=3)
    scene = network_pictures(model, X, [0.5] * sizes[-1], rankdir=rankdir).scene
    for n, width in enumerate([2, *sizes]):
        points = [tuple(map(float, scene.nodes[f"u{n}_{j}"]["pos"].split(","))) for j in range(width)]
        across = [-y for _, y in points] if rankdir == "LR" else [x for x, _ in points]
        assert across == sorted(across), (n, points)


@needs_dot
def test_every_units_text_reads_at_wcag_aa_contrast_and_the_legend_explains_thick_borders() -> None:
    from autograd_tiny.viz.network_view import network_pictures
    from autograd_tiny.viz.text import contrast

    pictures = network_pictures(sigmoid_model(), X, T)
    source = pictures.frame(len(pictures.steps) - 1).source
    fills = {}
    for line in source.splitlines():
        fill, font = (re.search(rf'{attr}="(#[0-9a-f]{{6}})"', line) for attr in ("fillcolor", "fontcolor"))
        if fill and font:
            fills[fill.group(1)] = font.group(1)
            assert contrast(fill.group(1), font.group(1)) >= 4.5, line
    assert len(fills) > 3 and "#ffffff" in fills.values()  # some deltas are dark enough for white text
    assert "thick borders" in source
    for k, state in enumerate(pictures.states):  # the page: white text (class dark) where the frame has it
        for eid, (cls, _texts, fill) in state.items():
            if eid.startswith("u") and fill:
                white = "dark" in cls.split()
                assert contrast(fill, "#ffffff" if white else "#000000") >= 4.5, (k, eid)
