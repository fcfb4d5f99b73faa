"""Pictures of computation graphs with Graphviz: `draw_dot`, and the backward pass step by step.

Each Value is a box of its label, data and grad; each operation a small oval between its inputs and
its result. The DOT text is written here line by line (no per-node library calls), so describing
thousands of nodes takes milliseconds; laying them out is Graphviz's ``dot`` program's job, and
it is the slow part, hence the ``max_nodes`` guard.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from autograd_tiny.checks import brief, is_whole
from autograd_tiny.engine import Value, backward_order
from autograd_tiny.nn import MLP
from autograd_tiny.scopes import Scope
from autograd_tiny.viz.collapsed import draw_collapsed
from autograd_tiny.viz.following import following
from autograd_tiny.viz.graphviz_io import (
    Graph,
    GraphvizNotFoundError,
    PinnedGraph,
    check_format,
    fit_width,
    render,
    to_svg,
)
from autograd_tiny.viz.grouping import Clusters, cluster_blocks, group
from autograd_tiny.viz.layout import AUTO, narrowest_in_column
from autograd_tiny.viz.network_view import draw_network, labelled_forward, network_deltas, network_pictures
from autograd_tiny.viz.stepping import passes
from autograd_tiny.viz.stepview import READABLE_PX_PER_PT, StepPictures, build
from autograd_tiny.viz.text import html_label
from autograd_tiny.viz.value_lines import Look, grad_looks, graph_header, op_line, value_line

__all__ = [
    "Graph",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "PinnedGraph",
    "backward_steps",
    "draw_collapsed",
    "draw_dot",
    "draw_network",
    "labelled_forward",
    "network_deltas",
    "render",
    "steps_widget",
    "to_svg",
    "write_network_steps",
    "write_steps",
]

DEFAULT_MAX_NODES = 2000
AUTO_MAX_NODES = 300  # draw_dot's "auto" lays a graph out both ways up to this many Values, else LR
RANKDIRS = (AUTO, "LR", "TB", "RL", "BT")

# ---- one picture -----------------------------------------------------------------------------------


def _picture(
    nodes: Sequence[Value],
    look: Callable[[Value], Look],
    *,
    rankdir: str,
    fmt: str,
    groups: Clusters,
    title: str = "",
) -> Graph:
    """The DOT description of nodes (oldest first): a box per Value, an oval per operation."""
    name = {v: f"v{i}" for i, v in enumerate(nodes)}
    lines = graph_header(rankdir, clustered=bool(groups.scopes), title=title)
    members: dict[int, list[str]] = {}
    edges = []
    for v in nodes:
        own = [value_line(name[v], v, look(v))]
        if v.parents:
            op = f"o{name[v][1:]}"
            own.append(op_line(op, v))
            edges.append(f"\t{op} -> {name[v]}\n")
            edges += [f"\t{name[p]} -> {op}\n" for p in v.parents]
        where = groups.owner.get(v)
        if where is None:
            lines += own
        else:
            members.setdefault(where, []).extend(own)
    lines += cluster_blocks(groups.scopes, groups.parent_of, members)
    lines += edges
    return Graph(format=fmt, body=lines)


def _graph_nodes(root: Value, max_nodes: int, what: str) -> list[Value]:
    """Every node below root, oldest first, after checking the arguments every picture takes."""
    if not isinstance(root, Value):
        raise TypeError(f"{what}: root must be a Value, got {type(root).__name__}: {brief(root)}")
    if not is_whole(max_nodes) or max_nodes < 1:
        raise ValueError(f"{what}: max_nodes must be a positive int, got {brief(max_nodes)}")
    order = backward_order(root)
    if len(order) > max_nodes:
        raise GraphTooLargeError(
            f"{what}: the graph below root has {len(order)} Values, more than max_nodes={max_nodes}; "
            "Graphviz's dot would take minutes to lay it out. Draw a sub-graph instead (pass an intermediate "
            "Value as root: one neuron's output, one sample's loss), record it with a smaller model or batch "
            "and group it by module with scopes=record_scopes(), or raise max_nodes if you can wait."
        )
    order.reverse()
    return order


def _check_options(rankdir: str, fmt: str, what: str) -> None:
    if rankdir not in RANKDIRS:
        raise ValueError(f"{what}: rankdir must be one of {', '.join(RANKDIRS)}, got {brief(rankdir)}")
    check_format(fmt, what)


class GraphTooLargeError(ValueError):
    """The graph has more Values than ``max_nodes``: dot would take too long to lay it out."""


def draw_dot(
    root: Value,
    *,
    rankdir: str = AUTO,
    show_grad: bool = True,
    color_by_grad: bool = False,
    scopes: Sequence[Scope] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    format: str = "svg",
) -> Graph:
    """The computation graph below root as a ``graphviz.Digraph`` (displays inline in Jupyter).

    One box per Value (label, data, grad with 4 decimals, stacked), one oval per operation.
    ``rankdir``: "LR" (left to right), "TB", "RL", "BT" or "auto" (the default): left to right unless
    that must shrink the text in a laptop's notebook column more than top to bottom would (measured
    by laying out both, for graphs of up to 300 Values; larger ones go left to right).
    ``show_grad=False`` hides the grads;
    ``color_by_grad=True`` fills each box from white to red by |grad| / max |grad|. ``scopes``
    (from ``record_scopes()``) draws the Values made inside each module call as a labelled
    cluster, nested as the calls were; a parameter made outside every call joins the cluster of
    the one call that reads it (inputs read by several stay outside). More than ``max_nodes``
    Values raise GraphTooLargeError (clusters slow ``dot`` down too: group one sample, not a batch).
    ``format`` is the default output format of ``.render()``/``.pipe()``.
    """
    _check_options(rankdir, format, "draw_dot")
    nodes = _graph_nodes(root, max_nodes, "draw_dot")
    grad_look, title = grad_looks([v.grad for v in nodes], show_grad=show_grad, color_by_grad=color_by_grad)
    look: Callable[[Value], Look] = lambda v: grad_look(v.grad)
    groups = group(nodes, scopes, "draw_dot")
    # "auto" runs dot on both layouts to measure them: worth it for a picture one can read
    both = rankdir == AUTO and len(nodes) <= AUTO_MAX_NODES
    ways = ["LR", "TB"] if both else ["LR" if rankdir == AUTO else rankdir]
    caption = html_label(title)
    drawn = [_picture(nodes, look, rankdir=r, fmt=format, groups=groups, title=caption) for r in ways]
    return narrowest_in_column(drawn)


# ---- the forward and backward passes, step by step ------------------------------------------------


def _step_pictures(root: Value, rankdir: str, max_nodes: int, forward: bool, what: str) -> StepPictures:
    """Check the arguments, then lay the graph below root out once for all the steps."""
    _check_options(rankdir, "svg", what)
    _graph_nodes(root, max_nodes, what)
    return build(passes(root, forward=forward), rankdir=rankdir, what=what)


def backward_steps(
    root: Value,
    *,
    rankdir: str = AUTO,
    forward: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    format: str = "svg",
) -> list[PinnedGraph]:
    """One picture per step of ``root.backward()``, in the order the engine runs them, on one layout.

    Picture 0 is the seed, d root / d root = 1; picture k is the k-th chain-rule step: that node
    outlined in red, each arrow into its operation showing ``local x grad = contribution`` and each
    receiving box its running sum. Green: gradient final (every consumer has passed its
    contribution); blue: still accumulating; grey: no contribution yet. ``forward=True`` puts the
    forward pass first (each value after its operands). The graph is laid out once, so
    nothing moves between pictures. The numbers come from ``.data`` and ``.local_grads`` in the
    engine's order and rule; ``.grad`` is neither read nor changed.
    """
    check_format(format, "backward_steps")
    pictures = _step_pictures(root, rankdir, max_nodes, forward, "backward_steps")
    return [pictures.frame(k, format) for k in range(len(pictures.run.steps))]


STEP_FORMATS = ("html", "gif")
GIF_WIDTH = 1800  # pixels at most: a wider graph is drawn at a lower resolution, keeping the file small


def write_steps(
    root: Value,
    path: str | Path,
    *,
    format: str | None = None,
    rankdir: str = AUTO,
    forward: bool = True,
    max_nodes: int = DEFAULT_MAX_NODES,
    frame_ms: int = 1200,
    title: str = "The forward and backward passes, step by step",
) -> Path:
    """Write the passes through the graph below root, step by step, and return the file written.

    ``format="html"``: one self-contained page (one SVG and the steps as JSON) with buttons, a
    slider, the arrow keys, Home/End, play/pause, zoom and pan. ``format="gif"``: an animation
    (``frame_ms`` per step; needs Pillow) that shows on any code host. Without ``format`` the
    suffix of path decides (.html or .gif); a path without one is a directory that gets index.html.
    ``forward=False`` leaves out the forward pass.
    """
    path, fmt = _steps_target(path, format, frame_ms, "write_steps")
    pictures = _step_pictures(root, rankdir, max_nodes, forward, "write_steps")
    return _write(pictures, len(pictures.run.steps), path, fmt, frame_ms, title)


class _Stepped(Protocol):
    def frame(self, k: int, fmt: str = "svg", *, max_pixels: int | None = None) -> PinnedGraph: ...

    def page(self, title: str) -> str: ...


def _steps_target(path: str | Path, format: str | None, frame_ms: int, what: str) -> tuple[Path, str]:
    """The file to write and its format, checked: format, else the suffix, else html into a directory."""
    path = Path(path)
    fmt = format or path.suffix.lstrip(".").lower() or "html"
    if fmt not in STEP_FORMATS:
        raise ValueError(f"{what}: format must be one of {', '.join(STEP_FORMATS)}, got {brief(fmt)}")
    if fmt == "gif" and (not is_whole(frame_ms) or frame_ms < 20):
        raise ValueError(f"{what}: frame_ms must be an int >= 20 (milliseconds), got {brief(frame_ms)}")
    return (path if path.suffix else path / f"index.{fmt}"), fmt


def _write(pictures: _Stepped, count: int, path: Path, fmt: str, frame_ms: int, title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "gif":
        from autograd_tiny.viz.animation import write_gif  # imported here: only GIFs need Pillow

        frames = [pictures.frame(k, "png", max_pixels=GIF_WIDTH) for k in range(count)]
        return write_gif(frames, path, frame_ms)
    path.write_text(pictures.page(title), encoding="utf-8")
    return path


# ---- a network as layers of units ---------------------------------------------------------------------


def write_network_steps(
    model: MLP,
    x: Sequence[float],
    target: float | Sequence[float],
    path: str | Path,
    *,
    format: str | None = None,
    rankdir: str = "LR",
    frame_ms: int = 1500,
    title: str = "Backpropagation layer by layer: the delta rules",
) -> Path:
    """Write draw_network's picture stepped layer by layer backward, as a page (.html) or a GIF (.gif).

    Step 0 shows the forward values and the cost; each further step computes one layer's deltas,
    from the output layer back to the first hidden layer, and colours the arrows into it by dc/dw.
    """
    _check_options(rankdir, "svg", "write_network_steps")
    path, fmt = _steps_target(path, format, frame_ms, "write_network_steps")
    pictures = network_pictures(model, x, target, rankdir=rankdir)
    return _write(pictures, len(pictures.steps), path, fmt, frame_ms, title)


# How large the widget draws its picture, as the fewest pixels per point of the layout (a point is 4/3 px).
WIDGET_ZOOMS = {
    "fit": 0.0,  # the whole graph in the cell's width, however small its text
    "readable": READABLE_PX_PER_PT,  # the cell's width, but no text under 12 px: the box scrolls
    "100%": 4 / 3,  # natural size
}
_VIEW_CLASS = "autograd-tiny-steps-view"


def steps_widget(
    root: Value,
    *,
    rankdir: str = AUTO,
    forward: bool = True,
    max_nodes: int = DEFAULT_MAX_NODES,
    zoom: str = "readable",
) -> Any:
    """A notebook widget stepping through the passes (needs ipywidgets): play/pause, a slider, the picture.

    The slider reads "forward k" and "backward k", counting each pass's steps as `backward_steps`
    numbers its frames. The picture is drawn on one layout (``rankdir="auto"``: left to right or
    top to bottom, whichever fits a laptop's notebook better) and scales to the cell's width;
    ``zoom="readable"`` (the default, as on write_steps' page) keeps every text at least 12 px tall,
    and a picture larger than its box scrolls inside it, gliding to each step's node and arrows,
    while the controls and the step's sentence above it stay in view. ``zoom="fit"`` shows the
    whole width, ``"100%"`` the natural size; the zoom buttons switch between them.
    """
    import ipywidgets  # type: ignore[import-untyped]  # imported here: only notebooks need it

    if zoom not in WIDGET_ZOOMS:
        raise ValueError(f"steps_widget: zoom must be one of {', '.join(WIDGET_ZOOMS)}, got {brief(zoom)}")
    pictures = _step_pictures(root, rankdir, max_nodes, forward, "steps_widget")
    steps = pictures.run.steps
    rendered: dict[int, str] = {}

    def picture_of(k: int, zoom: str) -> str:
        if k not in rendered:
            svg = to_svg(pictures.frame(k))
            rendered[k] = svg[svg.index("<svg"):]
        return following(fit_width(rendered[k], WIDGET_ZOOMS[zoom]), _VIEW_CLASS)

    def caption_of(k: int) -> str:
        sentence = f"<b>{html.escape(steps[k].title)}</b>: {html.escape(steps[k].text)}"
        return f'<p aria-live="polite" style="margin:0;line-height:1.3;white-space:normal">{sentence}</p>'

    play = ipywidgets.Play(value=0, min=0, max=len(steps) - 1, interval=1200, description="play")
    phases = [s.phase for s in steps]
    numbered = [(f"{p} {k - phases.index(p)}", k) for k, p in enumerate(phases)]  # "backward 4"
    slider = ipywidgets.SelectionSlider(options=numbered, value=0, description="step",
                                        layout=ipywidgets.Layout(flex="1 1 auto"))  # fmt: skip
    ipywidgets.jslink((play, "value"), (slider, "index"))
    sizes = ipywidgets.ToggleButtons(options=list(WIDGET_ZOOMS), value=zoom, description="zoom",
                                     style={"button_width": "6.5em"},
                                     layout=ipywidgets.Layout(margin="0 0 0 2em"))  # fmt: skip
    # Three lines whatever the step says: a longer or shorter sentence never moves the picture below it.
    caption = ipywidgets.HTML(caption_of(0), layout=ipywidgets.Layout(height="4em", overflow="auto"))
    whole_width = ipywidgets.Layout(width="100%", flex="0 0 auto", margin="0")
    picture = ipywidgets.HTML(picture_of(0, zoom), layout=whole_width)
    # The box, not the picture, scrolls: it outlives the pictures swapped in, and glides to each step.
    scrolling = ipywidgets.Layout(width="100%", max_height="65vh", overflow="auto")
    view = ipywidgets.Box([picture], layout=scrolling)
    view.add_class(_VIEW_CLASS)

    def show(_change: Mapping[str, Any]) -> None:
        caption.value = caption_of(slider.value)
        picture.value = picture_of(slider.value, sizes.value)

    slider.observe(show, names="value")
    sizes.observe(show, names="value")
    wrapping = ipywidgets.Layout(width="100%", flex_flow="row wrap")
    controls = ipywidgets.HBox([play, slider, sizes], layout=wrapping)
    return ipywidgets.VBox([controls, caption, view], layout=ipywidgets.Layout(width="100%"))
