"""draw_collapsed: one box per neuron (or layer) showing the model's own values and grads, the right arrows,
calls opened on request, and a picture that reads at 12 px in a laptop's notebook column."""

from __future__ import annotations

import itertools
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from autograd_tiny import Value
from autograd_tiny.nn import MLP
from autograd_tiny.scopes import Scope, record_scopes

pytest.importorskip("graphviz")
viz = pytest.importorskip("autograd_tiny.viz.pictures")
collapsed = pytest.importorskip("autograd_tiny.viz.collapsed")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

X, TARGET = [0.5, -1.5], 0.25


def recorded(sizes: list[int]) -> tuple[MLP, Value, list[Scope]]:
    """An MLP's cost 1/2 (y - t)^2 on one point, recorded by scopes and backpropagated."""
    model = MLP(2, sizes, seed=3)
    inputs = [Value(v, label=f"x{i}") for i, v in enumerate(X)]
    with record_scopes() as scopes:
        y = model(inputs)
    assert isinstance(y, Value)
    cost = 0.5 * (y - TARGET) ** 2
    cost.backward()
    return model, cost, scopes


def by_hand(model: MLP) -> tuple[list[list[float]], list[list[float]]]:
    """Every neuron's output and d cost / d output, with plain floats (forward, then the chain rule back)."""
    outs, slopes = [X], []
    for layer in model.layers:
        pre = [sum(w.data * x for w, x in zip(n.w, outs[-1])) + n.b.data for n in layer.neurons]
        relu = layer.activation == "relu"
        outs.append([max(p, 0.0) if relu else p for p in pre])
        slopes.append([(1.0 if p > 0 else 0.0) if relu else 1.0 for p in pre])
    grads = [[outs[-1][0] - TARGET]]
    for n in range(len(model.layers) - 1, 0, -1):
        after = model.layers[n].neurons
        deltas = [g * s for g, s in zip(grads[0], slopes[n])]
        back = [sum(unit.w[j].data * d for unit, d in zip(after, deltas)) for j in range(len(outs[n]))]
        grads.insert(0, back)
    return outs[1:], grads


def box_labels(source: str) -> dict[str, str]:
    """Each collapsed box's label (HTML-like text), by its node's name."""
    return dict(re.findall(r'\t(b\d+) \[label=<(<TABLE BORDER="2".*?</TABLE>)>\]', source))


def test_one_box_per_neuron_with_the_models_values_and_grads() -> None:
    model, cost, scopes = recorded([3, 2, 1])
    graph = collapsed.collapse(cost, scopes)
    names = sorted(box.name for box in graph.boxes.values())
    assert names == sorted(n.scope_name for layer in model.layers for n in layer.neurons)
    outs, grads = by_hand(model)
    source = viz.draw_collapsed(cost, scopes, rankdir="TB").source
    labels = box_labels(source)
    assert len(labels) == 6
    for node, box in graph.boxes.items():
        n, j = (int(part) for part in re.findall(r"\d+", box.name))
        (out,) = box.outputs
        assert out.data == pytest.approx(outs[n][j]) and out.grad == pytest.approx(grads[n][j])
        formula = "relu(w.x+b)" if n < 2 else "w.x+b"  # titled neurons.j inside the cluster of layers.n
        expected = [f"<B>neurons.{j}</B>", f"{formula} = {outs[n][j]:.4f}", f"grad {grads[n][j]:.4f}"]
        assert re.findall(r"<TD>(.*?)</TD>", labels[node]) == expected


def test_arrows_join_each_layer_to_the_next_and_the_inputs_and_cost_to_the_network() -> None:
    model, cost, scopes = recorded([3, 2, 1])
    graph = collapsed.collapse(cost, scopes)

    def name(element: str) -> str:
        if element in graph.boxes:
            return graph.boxes[element].name
        if element.startswith("o"):
            return "op"
        return next(v.label or v.op for v, e in graph.element.items() if e == element)

    between_boxes = {(name(t), name(h)) for t, h in graph.edges if t in graph.boxes and h in graph.boxes}
    layers = [[n.scope_name for n in layer.neurons] for layer in model.layers]
    pairs = {(a, b) for before, after in itertools.pairwise(layers) for a in before for b in after}
    assert between_boxes == pairs
    into_network = {(name(t), name(h)) for t, h in graph.edges if h in graph.boxes and t not in graph.boxes}
    assert into_network == {(f"x{i}", b) for i in range(2) for b in layers[0]}
    out_of_network = [(name(t), name(h)) for t, h in graph.edges if t in graph.boxes and h not in graph.boxes]
    assert out_of_network == [(layers[-1][0], "op")]  # y - t, an operation outside every box


def test_a_box_per_layer_lists_each_neurons_output() -> None:
    model, cost, scopes = recorded([3, 2, 1])
    graph = collapsed.collapse(cost, scopes, level="layer")
    assert sorted(b.name for b in graph.boxes.values()) == ["layers.0", "layers.1", "layers.2"]
    for box in graph.boxes.values():
        layer = model.layers[int(box.name[-1])]
        assert len(box.outputs) == len(box.formulas) == len(layer.neurons)


def test_expand_opens_a_neuron_into_its_values_and_rejects_unknown_names() -> None:
    _, cost, scopes = recorded([3, 2, 1])
    graph = collapsed.collapse(cost, scopes, expand="layers.1.neurons.0")
    assert "layers.1.neurons.0" not in {b.name for b in graph.boxes.values()} and len(graph.boxes) == 5
    source = viz.draw_collapsed(cost, scopes, expand=["layers.1.neurons.0"]).source
    for label in ("w.0", "w.1", "w.2", "b", "w.x+b", "relu"):
        assert f"<B>{label}</B>" in source
    assert re.search(r"subgraph cluster_\d+ \{\n\t*label=<layers.1.neurons.0>", source)
    with pytest.raises(ValueError, match=r"expand names no recorded scope: layers\.9; known: MLP, layers\.0"):
        viz.draw_collapsed(cost, scopes, expand="layers.9")
    with pytest.raises(ValueError, match="level must be one of neuron, layer"):
        viz.draw_collapsed(cost, scopes, level="unit")


@needs_dot
@pytest.mark.parametrize("expand", [(), "layers.1.neurons.0"])
def test_a_small_networks_picture_reads_at_12_px_in_a_laptops_column(expand: str | tuple[()]) -> None:
    _, cost, scopes = recorded([3, 3, 1])
    svg = viz.to_svg(viz.draw_collapsed(cost, scopes, expand=expand, color_by_grad=True))
    root = ET.fromstring(svg[svg.index("<svg") :])
    points = float(root.get("viewBox", "").split()[2])
    smallest = min(float(t.get("font-size", 14)) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert smallest * min(points * 4 / 3, 848) / points >= 12, (smallest, points)
