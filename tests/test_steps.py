"""Stepping through the passes: true colours, the chain rule's arithmetic, one layout, pages and GIFs."""

from __future__ import annotations

import json
import math
import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from graphs import notebook3_graph

from autograd_tiny import Value, backward_order
from autograd_tiny.viz.stepping import ACCUMULATING, FINAL, UNREACHED, passes
from autograd_tiny.viz.text import short

viz = pytest.importorskip("autograd_tiny.viz.pictures")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
TIMES = "\u00d7"


def mlp_loss() -> Value:
    nn = pytest.importorskip("autograd_tiny.nn")
    losses = pytest.importorskip("autograd_tiny.losses")
    model = nn.MLP(2, [3, 1], seed=0)
    return losses.half_squared_error(model([Value(1.0, label="x0"), Value(-2.0, label="x1")]), 1.0)


# ---- what each step says ---------------------------------------------------------------------------------


def test_a_node_is_final_once_every_consumer_has_passed_its_contribution() -> None:
    root = notebook3_graph()
    run = passes(root, forward=False)
    nodes = list(run.nodes)
    consumers = {v: {c for c in nodes if v in c.parents} for v in nodes}
    order = backward_order(root)
    for k, step in enumerate(run.steps):
        visited = set(order[:k])  # the nodes whose chain-rule step has run
        for v, status in zip(nodes, step.status):
            heard = consumers[v] & visited
            expected = FINAL if heard == consumers[v] else (ACCUMULATING if heard else UNREACHED)
            assert status == expected, (k, v.label, status)
    y2 = nodes.index(next(v for v in nodes if v.label == "y^2"))
    assert run.steps[1].status[y2] == FINAL  # its only consumer, the last +, ran in step 1
    x = nodes.index(next(v for v in nodes if v.label == "x"))
    assert [s.status[x] for s in run.steps].count(ACCUMULATING) >= 3  # heard from +, still waiting for x*w


def test_steps_follow_the_engines_order_and_end_with_backwards_grads_without_touching_grad() -> None:
    root = notebook3_graph()
    run = passes(root, forward=False)
    assert [run.nodes[s.current] for s in run.steps[1:]] == backward_order(root)  # type: ignore[index]
    assert all(v.grad == 0.0 for v in run.nodes)
    root.backward()
    assert [lines[-1] for lines in run.steps[-1].lines] == [f"grad {v.grad:.4f}" for v in run.nodes]


def test_each_arrow_shows_local_times_grad_and_each_receiver_its_running_sum() -> None:
    root = notebook3_graph()
    run = passes(root, forward=False)
    nodes = list(run.nodes)
    xw = next(v for v in nodes if v.label == "x*w")
    step = next(s for s in run.steps if s.current == nodes.index(xw))
    texts = {run.nodes[e.parent].label: t for e, t in zip(run.edges, step.edge_text) if t}
    g = 0.4757  # d L / d(x*w), to 4 decimals
    assert texts == {"x": f"-1.5 {TIMES} {g} = -0.7136", "w": f"0.5 {TIMES} {g} = 0.2379"}
    x = nodes.index(next(v for v in nodes if v.label == "x"))
    assert step.lines[x][-1] == "grad 1 + (-0.7136) = 0.2864"  # the + passed 1 earlier; no "+-"
    assert "+-" not in json.dumps([s.lines for s in run.steps]) + json.dumps([s.edge_text for s in run.steps])


def test_a_value_used_twice_by_one_node_receives_both_contributions_in_one_sum() -> None:
    x = Value(3.0, label="x")
    sq = x * x
    run = passes(sq, forward=False)
    assert run.steps[1].lines[0][-1] == "grad 0 + 3 + 3 = 6"
    assert run.steps[1].status[0] == FINAL


def test_the_forward_pass_reveals_values_in_creation_order_with_their_arithmetic() -> None:
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    out = (x * y + 1).tanh()
    out.label = "out"
    run = passes(out, backward=False)
    assert [s.title for s in run.steps] == [f"forward step {k} of 3" for k in range(4)]
    assert run.steps[0].lines[-1][1] == "data ?" and run.steps[0].lines[0][1] == "data 2.0000"
    assert run.steps[1].lines[2][0] == f"data 2 {TIMES} (-3) = -6"
    assert run.steps[2].lines[3][0] == "data -6 + 1 = -5"
    assert run.steps[3].text == f"out = tanh(-5) = {short(out.data)}."


@needs_dot
def test_a_steps_sentence_follows_its_title_without_repeating_it() -> None:
    from autograd_tiny.nn import MLP
    from autograd_tiny.viz.network_view import network_pictures

    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    out = (x * y + x.exp()).tanh()
    network = network_pictures(MLP(2, [3, 1], seed=0), [1.0, -2.0], 0.5)
    for step in [*passes(out).steps, *network.steps]:
        assert step.title.split(":")[0].lower() not in step.text.lower(), (step.title, step.text)


def test_numbers_read_short_and_negative_operands_sit_in_parentheses() -> None:
    assert [short(v) for v in (1.0, -1.5, 0.47574, 0.0, -0.0, 1e-7, 2.5e7)] == [
        "1", "-1.5", "0.4757", "0", "0", "1.000e-07", "2.500e+07"]  # fmt: skip


def test_bad_arguments_name_the_call() -> None:
    with pytest.raises(TypeError, match="backward_steps: root must be a Value, got float"):
        viz.backward_steps(1.0)
    with pytest.raises(ValueError, match="write_steps: format must be one of html, gif, got 'mp4'"):
        viz.write_steps(Value(1.0) * 2, "out.mp4")
    with pytest.raises(ValueError, match="write_steps: frame_ms must be an int >= 20"):
        viz.write_steps(Value(1.0) * 2, "out.gif", frame_ms=0)
    with pytest.raises(ValueError, match="rankdir must be one of"):
        viz.backward_steps(Value(1.0) * 2, rankdir="up")


# ---- one layout ---------------------------------------------------------------------------------------


def positions(source: str) -> dict[str, str]:
    return dict(re.findall(r'^\t"(\w+)" \[.*?pos="([^"]+)"', source, re.MULTILINE))


@needs_dot
def test_every_frame_is_drawn_at_the_same_positions() -> None:
    frames = viz.backward_steps(notebook3_graph(), forward=True)
    assert len(frames) == 6 + 9  # forward: the leaves, then 5 operations; backward: the seed, then 8 nodes
    first = positions(frames[0].source)
    assert len(first) == 8 + 5
    assert all(positions(f.source) == first for f in frames)
    sizes = {re.search(r'<svg width="[^"]+" height="([^"]+)"', viz.to_svg(f)).group(1) for f in frames}  # type: ignore[union-attr]
    assert len(sizes) == 1


@needs_dot
def test_the_page_holds_one_svg_with_unique_ids_and_the_steps_as_json(tmp_path: Path) -> None:
    page = viz.write_steps(notebook3_graph(), tmp_path / "steps")
    assert page == tmp_path / "steps" / "index.html"
    text = page.read_text()
    assert text.count("<svg") == 1 and "<script src" not in text
    markup = re.sub(r"<script>.*?</script>", "", text, flags=re.DOTALL)  # the page's script is no markup
    ids = Counter(re.findall(r'\bid="([^"]+)"', markup))
    assert [i for i, n in ids.items() if n > 1] == []
    data = json.loads(re.search(r'<script id="steps-data" type="application/json">(.*?)</script>', text,
                                re.DOTALL).group(1))  # type: ignore[union-attr]  # fmt: skip
    assert len(data["steps"]) == 15 and data["phaseStart"] == {"forward": 0, "backward": 6}
    svg = text[text.index("<svg"):text.index("</svg>") + 6]
    ET.fromstring(svg)


@needs_dot
def test_the_page_of_a_small_mlp_stays_under_a_megabyte(tmp_path: Path) -> None:
    page = viz.write_steps(mlp_loss(), tmp_path / "mlp.html")
    assert page.stat().st_size < 1_000_000


@needs_dot
def test_a_gif_shows_every_step_at_one_size(tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    gif = viz.write_steps(notebook3_graph(), tmp_path / "steps.gif", forward=False)
    with image.open(gif) as im:
        assert im.format == "GIF" and im.n_frames == 9 and im.width <= viz.GIF_WIDTH
    assert gif.stat().st_size < 400_000


@needs_dot
def test_steps_widget_draws_at_the_zoom_asked_and_refuses_an_unknown_one() -> None:
    pytest.importorskip("ipywidgets")
    widget = viz.steps_widget(notebook3_graph())
    controls, caption, view = widget.children
    _play, slider, zoom = controls.children
    picture = view.children[0]
    widths = {}
    for name in ("fit", "readable", "100%"):
        zoom.value = name
        widths[name] = re.search(r'max-width:([\d.]+)pt;(?:min-width:(\d+)px;)?', picture.value).groups()
    points = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ', picture.value).group(1))
    assert widths["fit"][1] is None  # no minimum: the whole graph in the cell
    assert int(widths["readable"][1]) == math.ceil(points * 12 / 12)  # the arrows' 12 pt text at 12 px
    assert int(widths["100%"][1]) == math.ceil(points * 4 / 3)
    slider.value = 3
    assert "step 3 of" in caption.value and f'max-width:{widths["fit"][0]}pt' in picture.value


@needs_dot
def test_steps_widgets_slider_counts_each_pass_as_backward_steps_numbers_its_frames() -> None:
    pytest.importorskip("ipywidgets")
    root = notebook3_graph()
    slider = viz.steps_widget(root).children[0].children[1]
    frames = len(viz.backward_steps(root))
    forward = len(slider.options) - frames
    assert [label for label, _ in slider.options] == (
        [f"forward {k}" for k in range(forward)] + [f"backward {k}" for k in range(frames)])
    slider.value = forward + 4
    assert slider.label == "backward 4"
    with pytest.raises(ValueError, match=r"steps_widget: zoom must be one of fit, readable, 100%, got 'big'"):
        viz.steps_widget(notebook3_graph(), zoom="big")
