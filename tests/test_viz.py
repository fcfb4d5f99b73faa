"""Graph pictures: what draw_dot shows, how it groups and limits, and the backward pass step by step."""

from __future__ import annotations

import base64
import importlib.util
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from notebook_pictures import COLUMN_PX, MIN_TEXT_PX, NOTEBOOKS, as_params, pictures

from autograd_tiny import Value
from autograd_tiny.scopes import Scope, record_scopes, scope

graphviz = pytest.importorskip("graphviz")
viz = pytest.importorskip("autograd_tiny.viz.pictures")

DATA = Path(__file__).parent / "data"
DOCS = Path(__file__).parents[1] / "docs"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def load_docs_script() -> ModuleType:
    """docs/graph.py, which makes the README's pictures."""
    spec = importlib.util.spec_from_file_location("docs_graph", DOCS / "graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


docs_graph = load_docs_script()
# out = tanh(x * y + exp(x)), the README's example: x feeds two operations, so its gradient accumulates
small_graph = docs_graph.readme_example


def svg_texts_of(svg: str) -> list[str]:
    """Every piece of text in an SVG, read by an XML parser (so the SVG must be valid XML)."""
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def svg_texts(dot: graphviz.Digraph) -> list[str]:
    return svg_texts_of(viz.to_svg(dot))


def boxes(source: str) -> dict[str, str]:
    """Label -> the DOT line of each labelled Value box."""
    return {m.group(1): line for line in source.splitlines() if (m := re.search(r"<B>(.*?)</B>", line))}


# ---- what one picture shows --------------------------------------------------------------------------


def test_draw_dot_is_exported_lazily_and_returns_a_digraph() -> None:
    import autograd_tiny

    assert autograd_tiny.draw_dot is viz.draw_dot
    assert isinstance(viz.draw_dot(small_graph()), graphviz.Digraph)
    code = "import sys, autograd_tiny; assert 'graphviz' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_dot_source_of_a_small_graph_matches_the_stored_expectation() -> None:
    out = small_graph()
    out.backward()
    assert viz.draw_dot(out).source == (DATA / "viz_small_graph.dot").read_text()


@needs_dot
def test_svg_shows_labels_data_grads_and_operations() -> None:
    out = small_graph()
    (out * 3) ** 2
    out.backward()
    texts = svg_texts(viz.draw_dot(out))
    for shown in ["x", "y", "z", "out", "data 2.0000", "data -3.0000", "data 0.8830", "grad 1.0000",
                  "grad 0.9672", "grad 0.4408", "*", "+", "exp", "tanh"]:  # fmt: skip
        assert shown in texts
    texts = svg_texts(viz.draw_dot((out * 3) ** 2))
    assert "*3" in texts and "**2" in texts


@needs_dot
@pytest.mark.parametrize("label", ['a<b> & {c} | "d" \'e\'', "&amp; \\n \\ {|}", "two\nlines", "bell\x07"])
def test_any_label_text_shows_verbatim(label: str) -> None:
    x = Value(1.5, label=label)
    texts = svg_texts(viz.draw_dot(x * 2))
    shown = label.replace("\x07", "\\x07")  # control characters are shown escaped, not dropped
    others = ("data 1.5000", "grad 0.0000", "data 3.0000", "*2")
    assert shown.split("\n") == [t for t in texts if t not in others]


def test_show_grad_false_hides_every_grad() -> None:
    out = small_graph()
    out.backward()
    assert "grad" not in viz.draw_dot(out, show_grad=False).source
    assert viz.draw_dot(out).source.count(">grad ") == 6


def test_color_by_grad_fills_from_white_to_red_by_magnitude() -> None:
    x = Value(1.0, label="x")
    y = Value(2.0, label="y")
    unused_grad = Value(0.0, label="zero")
    out = x * y + unused_grad * 0
    out.label = "out"
    out.backward()  # x.grad 2, out.grad 1, zero.grad 0 (times the constant 0)
    lines = boxes(viz.draw_dot(out, color_by_grad=True).source)
    assert 'BGCOLOR="#e34a33"' in lines["x"]  # the largest |grad| is full red
    assert 'BGCOLOR="#ffffff"' in lines["zero"]
    assert 'BGCOLOR="#f1a499"' in lines["out"]  # half-way
    x.grad = float("nan")
    assert 'BGCOLOR="#bdbdbd"' in boxes(viz.draw_dot(out, color_by_grad=True).source)["x"]


@needs_dot
def test_in_a_notebook_the_svg_scales_down_to_the_cell_width() -> None:
    svg = viz.draw_dot(small_graph())._repr_mimebundle_()["image/svg+xml"]
    root = ET.fromstring(svg)
    assert root.get("width") == "100%" and "max-width:" in (root.get("style") or "")
    assert root.get("viewBox")  # the shape is kept while the width follows the cell


@needs_dot
def test_a_notebook_stores_each_picture_as_png_too_for_when_it_is_opened_untrusted() -> None:
    for picture in (viz.draw_dot(small_graph()), viz.backward_steps(small_graph())[1]):
        bundle = picture._repr_mimebundle_()
        png = base64.b64decode(bundle["image/png"])
        assert png.startswith(b"\x89PNG") and "<svg" in bundle["image/svg+xml"]
        width_pt = float(ET.fromstring(bundle["image/svg+xml"]).get("viewBox").split()[2])
        assert int.from_bytes(png[16:20], "big") == pytest.approx(width_pt * 4 / 3, abs=2)  # the same size


@needs_dot
def test_a_long_chain_is_drawn_top_to_bottom_to_stay_readable_in_a_notebook_column() -> None:
    x = Value(0.5, label="x")
    chain = x
    for _ in range(8):
        chain = (chain * 0.9).tanh()
    short = Value(1.0, label="a") * Value(2.0, label="b")
    assert "rankdir=TB" in viz.draw_dot(chain).source
    assert "rankdir=LR" in viz.draw_dot(short).source


@needs_dot
def test_rankdir_and_output_formats(tmp_path: Path) -> None:
    out = small_graph()
    assert "rankdir=LR" in viz.draw_dot(out).source
    assert "rankdir=TB" in viz.draw_dot(out, rankdir="TB").source
    dot = viz.draw_dot(out, format="png")
    assert dot.format == "png"
    assert viz.render(dot, tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert viz.render(dot, tmp_path / "g.svg").read_text().rstrip().endswith("</svg>")
    assert viz.render(dot, tmp_path / "sub" / "g", format="pdf").read_bytes().startswith(b"%PDF")
    assert "<svg" in viz.draw_dot(out)._repr_mimebundle_()["image/svg+xml"]  # Jupyter's inline display


def test_bad_arguments_are_named_in_the_error() -> None:
    out = small_graph()
    with pytest.raises(TypeError, match="draw_dot: root must be a Value, got float"):
        viz.draw_dot(1.0)
    with pytest.raises(ValueError, match="rankdir must be one of auto, LR, TB, RL, BT, got 'up'"):
        viz.draw_dot(out, rankdir="up")
    with pytest.raises(ValueError, match="unknown output format 'jpeg2'"):
        viz.draw_dot(out, format="jpeg2")
    with pytest.raises(ValueError, match="max_nodes must be a positive int, got 0"):
        viz.draw_dot(out, max_nodes=0)
    with pytest.raises(TypeError, match="scopes must hold Scope"):
        viz.draw_dot(out, scopes=["layer"])


# ---- grouping and size ---------------------------------------------------------------------------------


def clusters(source: str) -> dict[str, tuple[str, ...]]:
    """Label of each labelled box -> the labels of the clusters it sits in, outermost first."""
    where: dict[str, tuple[str, ...]] = {}
    path: list[str] = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("subgraph cluster_"):
            path.append("?")
        elif stripped.startswith("label=<") and path and path[-1] == "?":
            path[-1] = stripped[len("label=<"):stripped.index(">")]
        elif stripped == "}" and path:
            path.pop()
        elif m := re.search(r"<B>(.*?)</B>", line):
            where[m.group(1)] = tuple(path)
    return where


def test_scopes_become_nested_labelled_clusters() -> None:
    a = Value(1.0, label="a")
    w = Value(0.5, label="w")  # made outside any scope, like a model's weights
    with record_scopes() as scopes, scope("layer"):
        with scope("layer.neuron"):
            h = a * w
            h.label = "h"
        g = h.relu()
        g.label = "g"
    out = g + a
    out.label = "out"
    where = clusters(viz.draw_dot(out, scopes=scopes).source)
    # w is read inside the neuron only, so it is drawn there; a is also read outside, so it stays out
    assert where == {"a": (), "w": ("layer", "layer.neuron"), "h": ("layer", "layer.neuron"),
                     "g": ("layer",), "out": ()}  # fmt: skip


def test_mlp_graph_reads_as_layers_with_each_neurons_weights_inside_it() -> None:
    nn = pytest.importorskip("autograd_tiny.nn")
    model = nn.MLP(2, [2, 1], seed=0)
    for name, p in model.named_parameters():
        p.label = name
    xs = [Value(1.0, label="x0"), Value(-2.0, label="x1")]
    with record_scopes() as scopes:
        out = model(xs)
    where = clusters(viz.draw_dot(out, scopes=scopes).source)
    assert where["x0"] == where["x1"] == ()  # read by both neurons of layer 0: outside them
    assert where["layers.0.neurons.1.w.0"] == ("MLP", "layers.0", "layers.0.neurons.1")
    assert where["layers.1.neurons.0.b"] == ("MLP", "layers.1", "layers.1.neurons.0")


def test_overlapping_scopes_are_rejected() -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match="draw_dot: scopes overlap without nesting"):
        viz.draw_dot(x, scopes=[Scope("a", 0, 10), Scope("b", 5, 15)])


def test_more_nodes_than_max_nodes_raise_a_clear_error_before_any_layout() -> None:
    out = Value(0.0)
    for i in range(15):
        out = out + i
    with pytest.raises(viz.GraphTooLargeError, match=r"16 Values, more than max_nodes=10.*sub-graph.*scopes"):
        viz.draw_dot(out, max_nodes=10)
    assert issubclass(viz.GraphTooLargeError, ValueError)


def test_a_graph_of_5000_values_is_described() -> None:
    out = Value(0.5)
    for _ in range(2500):
        out = (out * 0.9).tanh()
    source = viz.draw_dot(out, max_nodes=6000, color_by_grad=True).source
    assert source.count("<TABLE") == 5001


# ---- without Graphviz's dot -----------------------------------------------------------------------------


def test_without_dot_describing_works_and_rendering_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no dot on it
    dot = viz.draw_dot(small_graph())
    assert "tanh" in dot.source
    for render in (lambda: viz.to_svg(dot), lambda: viz.render(dot, tmp_path / "g.svg"),
                   lambda: dot.render(tmp_path / "g"), lambda: dot._repr_mimebundle_()):  # fmt: skip
        with pytest.raises(viz.GraphvizNotFoundError, match="'dot' program is not installed") as info:
            render()
        assert "apt-get install graphviz" in str(info.value) and "brew install graphviz" in str(info.value)
        assert "conda" in str(info.value)
        assert isinstance(info.value, graphviz.ExecutableNotFound)
        assert isinstance(info.value.__cause__, graphviz.ExecutableNotFound)


@needs_dot
def test_the_readme_pictures_are_made_by_docs_graph_py(tmp_path: Path) -> None:
    graph, step, network = docs_graph.main(tmp_path)
    assert all((DOCS / p.name).exists() for p in (graph, step, network))  # the committed copies
    assert {"out", "grad 0.9672", "tanh"} <= set(svg_texts_of(graph.read_text()))
    assert "backward step 3 of 6" in svg_texts_of(step.read_text())
    assert "\u03b4 = -0.9677" in svg_texts_of(network.read_text())


# ---- the stored notebooks' pictures, as a laptop's JupyterLab shows them -------------------------------
# (tests/test_notebooks_in_jupyterlab.py measures the same in a real JupyterLab)


@pytest.mark.parametrize("notebook", as_params(NOTEBOOKS))
def test_a_stored_notebooks_pictures_read_at_12_px_in_a_laptops_column(notebook: Path) -> None:
    for picture in pictures(notebook):
        k, data, metadata = picture.cell, picture.data, picture.metadata
        natural = picture.natural_px()
        if "image/svg+xml" in data:  # shown at its natural size or shrunk to the column
            assert "image/png" in data, k  # what JupyterLab shows before the notebook is trusted
            smallest = picture.smallest_text_px(min(natural, COLUMN_PX))
            assert smallest is not None and smallest >= MIN_TEXT_PX, (k, smallest, natural)
        else:  # a plot or an animation, drawn with text of 12 px or more: shown at that size, never shrunk
            kind = next(m for m in data if m.startswith("image/"))
            assert natural <= COLUMN_PX, (k, kind, natural)
            assert metadata.get(kind, {}).get("width", natural) >= natural, (k, "shrunk by its display width")
            if kind == "image/png":  # a plot: its smallest text recorded when the notebook was built
                smallest = picture.smallest_text_px(natural)
                assert smallest is not None and smallest >= MIN_TEXT_PX, (k, kind, smallest)
