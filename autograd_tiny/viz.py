"""Pictures of computation graphs with Graphviz: `draw_dot`, and the backward pass step by step.

Each Value is a box ``label | data | grad``; each operation a small oval between its inputs and
its result. The DOT text is written here line by line (no per-node library calls), so describing
thousands of nodes takes milliseconds; laying them out is Graphviz's ``dot`` program's job, and
it is the slow part, hence the ``max_nodes`` guard.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import graphviz  # type: ignore[import-untyped]

from autograd_tiny.engine import Value, backward_order, creation_index, is_whole
from autograd_tiny.scopes import Scope

DEFAULT_MAX_NODES = 2000
RANKDIRS = ("LR", "TB", "RL", "BT")
_HOT = "#d62728"  # the chain-rule step that just ran
_INSTALL_HINT = (
    "install Graphviz: 'apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS) "
    "or 'conda install -c conda-forge graphviz'; the Python package 'graphviz' alone only writes DOT text"
)


class GraphvizNotFoundError(graphviz.ExecutableNotFound):  # type: ignore[misc]
    """Graphviz's ``dot`` program is missing, so a graph can be described but not rendered.

    A subclass of ``graphviz.ExecutableNotFound`` (and so of ``RuntimeError``); the original
    error is its ``__cause__``.
    """

    def __init__(self, what: str) -> None:
        RuntimeError.__init__(
            self,
            f"{what}: Graphviz's 'dot' program is not installed (not found on PATH), so the graph cannot be "
            f"rendered; building it and reading .source still work. To render, {_INSTALL_HINT}.",
        )


@contextmanager
def _dot_required(what: str) -> Iterator[None]:
    """Turn graphviz's terse ExecutableNotFound into GraphvizNotFoundError saying how to install dot."""
    try:
        yield
    except GraphvizNotFoundError:
        raise
    except graphviz.ExecutableNotFound as err:
        raise GraphvizNotFoundError(what) from err


class Graph(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` whose rendering (pipe, render, notebook display) explains a missing dot."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_required("rendering the graph"):
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        with _dot_required("rendering the graph"):
            return super().render(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<autograd_tiny.viz.Graph: {self.source.count(' -> ')} edges>"


def to_svg(dot: graphviz.Digraph) -> str:
    """The picture as SVG text; GraphvizNotFoundError if ``dot`` is not installed."""
    with _dot_required("to_svg"):
        svg: str = dot.pipe(format="svg", encoding="utf-8")
    return svg


def render(dot: graphviz.Digraph, path: str | Path, format: str | None = None) -> Path:
    """Write the picture to ``path`` (format from ``format``, else the suffix, else ``dot.format``).

    Unlike ``Digraph.render`` it writes exactly one file, no DOT source beside it. Raises
    GraphvizNotFoundError if ``dot`` is not installed.
    """
    path = Path(path)
    fmt = format or path.suffix.lstrip(".").lower() or dot.format
    _check_format(fmt, "render")
    with _dot_required("render"):
        data: bytes = dot.pipe(format=fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ---- text in DOT -----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _html(text: str) -> str:
    """Text for an HTML-like label, shown verbatim whatever it holds (<, &, quotes, braces, newlines)."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).replace("\t", " ")
    return html.escape(text, quote=True).replace("\n", "<BR/>")


def _number(x: float) -> str:
    return f"{x:.4f}"


def _check_format(fmt: str, what: str) -> None:
    if fmt.lower() not in graphviz.FORMATS:
        offered = ", ".join(sorted(graphviz.FORMATS))
        raise ValueError(f"{what}: unknown output format {fmt!r}; Graphviz offers {offered}")


# ---- one picture -----------------------------------------------------------------------------------


class _Look(NamedTuple):
    """How one Value box looks: its grad text (None hides the cell) and its colours."""

    grad: str | None
    fill: str = ""
    hot: bool = False  # a thick red border: the node whose chain-rule step just ran
    faded: bool = False  # grey text and border: not reached yet


def _value_line(name: str, v: Value, look: _Look) -> str:
    cells = [f"<B>{_html(v.label)}</B>"] if v.label else []
    cells.append(f"data {_number(v.data)}")
    if look.grad is not None:
        cells.append(f"grad {look.grad}")
    if look.faded:
        cells = [f'<FONT COLOR="grey55">{c}</FONT>' for c in cells]
    attrs = 'BORDER="0" CELLSPACING="0" CELLPADDING="4"'
    attrs += f' CELLBORDER="2" COLOR="{_HOT}"' if look.hot else ' CELLBORDER="1"'
    if look.faded:
        attrs += ' COLOR="grey70"'
    if look.fill:
        attrs += f' BGCOLOR="{look.fill}"'
    row = "".join(f"<TD>{c}</TD>" for c in cells)
    return f"\t{name} [label=<<TABLE {attrs}><TR>{row}</TR></TABLE>>]\n"


def _scope_tree(scopes: Sequence[Scope], what: str) -> tuple[list[Scope], list[int]]:
    """Non-empty scopes sorted outermost first, and each one's enclosing scope (-1: none)."""
    ordered = []
    for s in scopes:
        if not (isinstance(s, tuple) and len(s) == 3 and isinstance(s[1], int) and isinstance(s[2], int)):
            raise TypeError(f"{what}: scopes must hold Scope(name, start, stop) items, got {s!r}")
        if s[1] < s[2]:
            ordered.append(Scope(str(s[0]), s[1], s[2]))
    ordered.sort(key=lambda s: (s.start, -s.stop))
    parents: list[int] = []
    stack: list[int] = []
    for i, s in enumerate(ordered):
        while stack and ordered[stack[-1]].stop <= s.start:
            stack.pop()
        if stack and ordered[stack[-1]].stop < s.stop:
            raise ValueError(f"{what}: scopes overlap without nesting: {ordered[stack[-1]]} and {s}")
        parents.append(stack[-1] if stack else -1)
        stack.append(i)
    return ordered, parents


def _owners(nodes: Sequence[Value], ordered: Sequence[Scope]) -> dict[Value, int]:
    """The innermost scope (index into ordered) each node was made in, for nodes made in one.

    A leaf made outside every scope (a weight made when the model was built) joins its
    consumers' scope when all of them lie in the same one, so a neuron's cluster holds its weights.
    """
    owner: dict[Value, int] = {}
    stack: list[int] = []
    j = 0
    for v in sorted(nodes, key=creation_index):  # oldest first, like the scopes (-1: made outside them)
        i = creation_index(v)
        while j < len(ordered) and ordered[j].start <= i:
            stack.append(j)
            j += 1
        while stack and ordered[stack[-1]].stop <= i:
            stack.pop()
        if stack:
            owner[v] = stack[-1]
    consumers: dict[Value, set[int | None]] = {}
    for v in nodes:
        for p in v.parents:
            if not p.parents and p not in owner:
                consumers.setdefault(p, set()).add(owner.get(v))
    for leaf, where in consumers.items():
        only = where.pop() if len(where) == 1 else None
        if only is not None:
            owner[leaf] = only
    return owner


class _Clusters(NamedTuple):
    """The scopes that group a picture: sorted outermost first, each one's parent, each node's scope."""

    scopes: list[Scope]
    parent_of: list[int]
    owner: dict[Value, int]


def _group(nodes: Sequence[Value], scopes: Sequence[Scope] | None, what: str) -> _Clusters:
    ordered, parent_of = _scope_tree(scopes or (), what)
    return _Clusters(ordered, parent_of, _owners(nodes, ordered) if ordered else {})


def _picture(
    nodes: Sequence[Value],
    look: Callable[[Value], _Look],
    *,
    rankdir: str,
    fmt: str,
    groups: _Clusters,
    title: str = "",
    hot: Value | None = None,
    hot_grad: float = 0.0,
) -> Graph:
    """The DOT description of nodes (oldest first): a box per Value, an oval per operation.

    ``hot`` is the node whose chain-rule step is shown: its edges are red and labelled with
    what each input receives, local gradient times ``hot_grad``.
    """
    name = {v: f"v{i}" for i, v in enumerate(nodes)}
    lines = [
        # newrank lets dot rank nested clusters together: about a second of layout instead of a minute
        f"\tgraph [rankdir={rankdir} fontname=Helvetica" + (" newrank=true" if groups.scopes else "")
        + (f' labelloc=t label=<{title}>]\n' if title else "]\n"),
        "\tnode [shape=plain fontname=Helvetica fontsize=11]\n",
        "\tedge [arrowsize=0.7 fontname=Helvetica fontsize=10]\n",
    ]
    members: dict[int, list[str]] = {}
    edges = []
    for v in nodes:
        own = [_value_line(name[v], v, look(v))]
        if v.parents:
            op = f"o{name[v][1:]}"
            red = f' color="{_HOT}" fontcolor="{_HOT}" penwidth=2' if v is hot else ""
            own.append(f"\t{op} [label=<{_html(v.op)}> shape=ellipse style=filled fillcolor=grey94 "
                       f"margin=0.04 width=0 height=0{red}]\n")
            edges.append(f"\t{op} -> {name[v]}{f' [{red[1:]}]' if red else ''}\n")
            for p, local in zip(v.parents, v.local_grads):
                extra = f" [label=<+{_number(local * hot_grad)}>{red}]" if red else ""
                edges.append(f"\t{name[p]} -> {op}{extra}\n")
        where = groups.owner.get(v)
        if where is None:
            lines += own
        else:
            members.setdefault(where, []).extend(own)
    lines += _clusters(groups.scopes, groups.parent_of, members)
    lines += edges
    return Graph(format=fmt, body=lines)


def _clusters(
    ordered: Sequence[Scope], parent_of: Sequence[int], members: Mapping[int, list[str]]
) -> list[str]:
    """Nested ``subgraph cluster_i`` blocks for the scopes that hold at least one node."""
    children: dict[int, list[int]] = {}
    used = set()
    for c in members:
        while c != -1 and c not in used:
            used.add(c)
            c = parent_of[c]
    for c in sorted(used):
        children.setdefault(parent_of[c], []).append(c)

    def block(c: int, indent: str) -> list[str]:
        out = [f"{indent}subgraph cluster_{c} {{\n",
               f"{indent}\tlabel=<{_html(ordered[c].name)}> style=rounded color=grey60 fontcolor=grey30\n"]
        out += [indent + line for line in members.get(c, ())]
        for child in children.get(c, ()):
            out += block(child, indent + "\t")
        return [*out, f"{indent}}}\n"]

    return [line for top in children.get(-1, ()) for line in block(top, "\t")]


def _graph_nodes(root: Value, max_nodes: int, what: str) -> list[Value]:
    """Every node below root, oldest first, after checking the arguments every picture takes."""
    if not isinstance(root, Value):
        raise TypeError(f"{what}: root must be a Value, got {type(root).__name__}: {root!r}")
    if not is_whole(max_nodes) or max_nodes < 1:
        raise ValueError(f"{what}: max_nodes must be a positive int, got {max_nodes!r}")
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
        raise ValueError(f"{what}: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    _check_format(fmt, what)


class GraphTooLargeError(ValueError):
    """The graph has more Values than ``max_nodes``: dot would take too long to lay it out."""


def _heat(t: float) -> str:
    """White for 0 to red for 1: the fill colour of a node with relative |grad| t."""
    r, g, b = (round(255 + (end - 255) * t) for end in (227, 74, 51))
    return f"#{r:02x}{g:02x}{b:02x}"


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    color_by_grad: bool = False,
    scopes: Sequence[Scope] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    format: str = "svg",
) -> Graph:
    """The computation graph below root as a ``graphviz.Digraph`` (displays inline in Jupyter).

    One box per Value (label, data, grad with 4 decimals), one oval per operation. ``rankdir``:
    "LR" (left to right), "TB", "RL" or "BT". ``show_grad=False`` hides the grads;
    ``color_by_grad=True`` fills each box from white to red by |grad| / max |grad|. ``scopes``
    (from ``record_scopes()``) draws the Values made inside each module call as a labelled
    cluster, nested as the calls were; a parameter made outside every call joins the cluster of
    the one call that reads it (inputs read by several stay outside). More than ``max_nodes``
    Values raise GraphTooLargeError (clusters slow ``dot`` down too: group one sample, not a batch).
    ``format`` is the default output format of ``.render()``/``.pipe()``.
    """
    _check_options(rankdir, format, "draw_dot")
    nodes = _graph_nodes(root, max_nodes, "draw_dot")
    title = ""
    grad_text: Callable[[Value], str | None] = (lambda v: _number(v.grad)) if show_grad else (lambda v: None)
    look: Callable[[Value], _Look] = lambda v: _Look(grad_text(v))
    if color_by_grad:
        finite = [abs(v.grad) for v in nodes if math.isfinite(v.grad)]
        top = max(finite, default=0.0) or 1.0
        title = f"fill: |grad| from 0 (white) to {_number(top)} (red)"
        title += "; grey: grad not finite" if len(finite) < len(nodes) else ""
        look = lambda v: _Look(
            grad_text(v), _heat(abs(v.grad) / top) if math.isfinite(v.grad) else "#bdbdbd"
        )
    groups = _group(nodes, scopes, "draw_dot")
    return _picture(nodes, look, rankdir=rankdir, fmt=format, groups=groups, title=_html(title))


# ---- the backward pass, step by step ---------------------------------------------------------------

_PENDING = "#deebf7"  # reached, its gradient still accumulating
_CURRENT = "#ffe9a8"


def backward_steps(
    root: Value,
    *,
    rankdir: str = "LR",
    scopes: Sequence[Scope] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    format: str = "svg",
) -> Iterator[Graph]:
    """One picture per step of ``root.backward()``, in the order the engine runs them.

    Frame 0 is the forward graph with only the seed, d root / d root = 1. Frame k shows the
    k-th chain-rule step: that node in red, with what each of its inputs receives on the edges;
    gradients already final in white, still accumulating in blue, not reached yet greyed ("?").
    The numbers are this pass's d root / d node, computed with the engine's order and rule from
    ``.data`` and ``.local_grads``: the Values' ``.grad`` is neither read nor changed.
    """
    _check_options(rankdir, format, "backward_steps")
    nodes = _graph_nodes(root, max_nodes, "backward_steps")
    groups = _group(nodes, scopes, "backward_steps")
    return _frames(root, nodes, rankdir=rankdir, fmt=format, groups=groups)


def _frames(root: Value, nodes: Sequence[Value], **options: Any) -> Iterator[Graph]:
    grads = {root: 1.0}  # d root / d node accumulated so far, exactly as backward() accumulates it
    done: set[Value] = set()
    current: Value | None = None

    def look(v: Value) -> _Look:
        if v not in grads:
            return _Look("?", faded=True)
        fill = _CURRENT if v is current else ("" if v in done else _PENDING)
        return _Look(_number(grads[v]), fill, hot=v is current)

    total = len(nodes)
    legend = "<BR/>red: this step · blue: gradient still accumulating · grey: not reached yet"
    yield _picture(nodes, look, title=f"step 0 of {total}: the seed, d root / d root = 1{legend}", **options)
    for step, node in enumerate(reversed(nodes), 1):  # newest first: backward_order(root)
        g = grads[node]
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] = grads.get(parent, 0.0) + local * g
        done.add(node)
        current = node
        who = _html(node.label or (f"the {node.op} node" if node.parents else "a leaf"))
        n = len(node.parents)
        what = (f"passes grad {_number(g)} times each local grad to its {n} input(s)" if n
                else f"is a leaf: its grad {_number(g)} is final")  # fmt: skip
        yield _picture(nodes, look, title=f"step {step} of {total}: {who} {what}{legend}",
                       hot=node, hot_grad=g, **options)  # fmt: skip


def _svg_element(svg: str) -> str:
    """The <svg> element alone, without the XML prolog and doctype, for inlining in HTML."""
    return svg[svg.index("<svg"):]


def write_steps(root: Value, directory: str | Path, **options: Any) -> Path:
    """Write backward_steps(root) as step_000.svg, step_001.svg, ... and index.html into directory.

    index.html is self-contained (the pictures inline) with previous/next buttons, a slider and
    the arrow keys. ``options`` go to backward_steps. Returns the path of index.html.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    svgs = [to_svg(frame) for frame in backward_steps(root, **options)]
    width = max(3, len(str(len(svgs) - 1)))
    for i, svg in enumerate(svgs):
        (directory / f"step_{i:0{width}d}.svg").write_text(svg, encoding="utf-8")
    page = directory / "index.html"
    page.write_text(_steps_page(svgs), encoding="utf-8")
    return page


def _steps_page(svgs: Sequence[str]) -> str:
    frames = "\n".join(f'<div class="frame"{"" if i == 0 else " hidden"}>{_svg_element(svg)}</div>'
                       for i, svg in enumerate(svgs))  # fmt: skip
    last = len(svgs) - 1
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The backward pass, step by step</title>
<style>body{{font-family:sans-serif;margin:1em}} .bar{{margin-bottom:1em}} .bar *{{vertical-align:middle}}
.frame svg{{max-width:100%;height:auto}}</style></head>
<body>
<div class="bar"><button id="prev">&#9664; previous</button>
<input id="slider" type="range" min="0" max="{last}" value="0">
<button id="next">next &#9654;</button> <span id="count"></span> (arrow keys work too)</div>
{frames}
<script>
const frames = document.querySelectorAll(".frame"), slider = document.getElementById("slider");
let current = 0;
function show(i) {{
  current = Math.max(0, Math.min(frames.length - 1, i));
  frames.forEach((f, k) => {{ f.hidden = k !== current; }});
  slider.value = current;
  document.getElementById("count").textContent = "step " + current + " of " + (frames.length - 1);
}}
document.getElementById("prev").onclick = () => show(current - 1);
document.getElementById("next").onclick = () => show(current + 1);
slider.oninput = () => show(Number(slider.value));
document.addEventListener("keydown", e => {{
  if (e.key === "ArrowLeft") show(current - 1);
  if (e.key === "ArrowRight") show(current + 1);
}});
show(0);
</script>
</body></html>
"""


def steps_widget(root: Value, **options: Any) -> Any:
    """An ipywidgets slider stepping through backward_steps(root) in a notebook (needs ipywidgets)."""
    import ipywidgets  # type: ignore[import-untyped]  # imported here: only notebooks need it

    svgs = [_svg_element(to_svg(frame)) for frame in backward_steps(root, **options)]
    slider = ipywidgets.IntSlider(value=0, min=0, max=len(svgs) - 1, description="step")
    picture = ipywidgets.HTML(svgs[0])

    def show(change: Mapping[str, Any]) -> None:
        picture.value = svgs[change["new"]]

    slider.observe(show, names="value")
    return ipywidgets.VBox([slider, picture])
