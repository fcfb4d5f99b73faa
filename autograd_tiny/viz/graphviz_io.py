"""Running Graphviz: rendering a picture, explaining a missing ``dot``, and fitting SVG to its container.

The Python package ``graphviz`` only writes DOT text; the layout and the drawing are done by
Graphviz's programs. Every picture of autograd_tiny is rendered through this module.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import graphviz  # type: ignore[import-untyped]

from autograd_tiny.checks import brief

INSTALL_HINT = (
    "install Graphviz: 'apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS) "
    "or 'conda install -c conda-forge graphviz'; the Python package 'graphviz' alone only writes DOT text"
)
NOT_INSTALLED = "Graphviz's 'dot' program is not installed (not found on PATH)"


class GraphvizNotFoundError(graphviz.ExecutableNotFound):  # type: ignore[misc]
    """Graphviz's ``dot`` program is missing, so a graph can be described but not rendered.

    A subclass of ``graphviz.ExecutableNotFound`` (and so of ``RuntimeError``); the original
    error is its ``__cause__``.
    """

    def __init__(self, what: str, problem: str = NOT_INSTALLED) -> None:
        RuntimeError.__init__(
            self,
            f"{what}: {problem}, so the graph cannot be rendered; building it and reading .source still "
            f"work. To render, {INSTALL_HINT}. Where no program can run (Pyodide in a browser), give "
            ".source (DOT text) to Graphviz compiled to WebAssembly, such as the npm package @viz-js/viz.",
        )


@contextmanager
def dot_required(what: str) -> Iterator[None]:
    """Turn graphviz's terse ExecutableNotFound into GraphvizNotFoundError saying how to install dot."""
    try:
        yield
    except GraphvizNotFoundError:
        raise
    except graphviz.ExecutableNotFound as err:
        raise GraphvizNotFoundError(what) from err
    except OSError as err:  # found but not runnable, or no programs at all (Pyodide): not a bare OSError
        raise GraphvizNotFoundError(what, f"Graphviz's 'dot' program could not be run ({err})") from err


_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
_VIEW_BOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"')


def fit_width(svg: str, min_px_per_pt: float = 0.0) -> str:
    """SVG that scales down to its container's width (never above its natural size), keeping its shape.

    Graphviz writes a fixed size in points; a notebook cell narrower than that would scroll.
    ``min_px_per_pt`` keeps it at least that many pixels per point wide: the container scrolls instead.
    """
    match = _SVG_SIZE.search(svg)
    if not match:
        return svg
    width = float(match.group(1))
    box = _VIEW_BOX.search(svg)  # the drawing's exact width: the size above is rounded
    exact = float(box.group(1)) if box else width
    least = f"min-width:{math.ceil(exact * min_px_per_pt)}px;" if min_px_per_pt else ""
    style = f"max-width:{width:g}pt;{least}height:auto"
    fitted = f'<svg width="100%" style="{style}" preserveAspectRatio="xMinYMin"'
    return svg.replace(match.group(0), fitted, 1)


class _Rendering:
    """Rendering that explains a missing dot and, in a notebook, fits the cell's width."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        with dot_required("rendering the graph"):
            return super().pipe(*args, **kwargs)  # type: ignore[misc]

    def render(self, *args: Any, **kwargs: Any) -> Any:
        with dot_required("rendering the graph"):
            return super().render(*args, **kwargs)  # type: ignore[misc]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, str]:
        """SVG fitted to the cell, and the same picture as PNG.

        JupyterLab shows SVG only in a notebook it trusts (one run here): a notebook opened from a
        download or a clone shows the stored PNG instead of the bare repr.
        """
        svg: str = self.pipe(format="svg", encoding="utf-8")
        png = base64.b64encode(self.pipe(format="png")).decode("ascii")
        return {"image/svg+xml": fit_width(svg), "image/png": png}


class Graph(_Rendering, graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` whose rendering explains a missing dot and that fits a notebook cell's width."""

    def __repr__(self) -> str:
        return f"<autograd_tiny.viz.Graph: {self.source.count(' -> ')} edges>"


class PinnedGraph(_Rendering, graphviz.Source):  # type: ignore[misc]
    """A picture whose every position is given (``pos`` attributes), drawn by ``neato -n2``: no layout runs.

    The frames of one layout are PinnedGraphs, so a node stays where it is from frame to frame.
    """

    def __init__(self, source: str, format: str = "svg") -> None:
        super().__init__(source, engine="neato", format=format)

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("neato_no_op", 2)
        return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("neato_no_op", 2)
        return super().render(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<autograd_tiny.viz.PinnedGraph: {self.source.count(' -> ')} edges>"


def check_format(fmt: str, what: str) -> None:
    """ValueError naming ``what`` unless Graphviz offers the output format ``fmt``."""
    if not isinstance(fmt, str) or fmt.lower() not in graphviz.FORMATS:
        offered = ", ".join(sorted(graphviz.FORMATS))
        raise ValueError(f"{what}: unknown output format {brief(fmt)}; Graphviz offers {offered}")


def to_svg(dot: graphviz.Digraph) -> str:
    """The picture as SVG text; GraphvizNotFoundError if ``dot`` is not installed."""
    with dot_required("to_svg"):
        svg: str = dot.pipe(format="svg", encoding="utf-8")
    return svg


def render(dot: graphviz.Digraph, path: str | Path, format: str | None = None) -> Path:
    """Write the picture to ``path`` (format from ``format``, else the suffix, else ``dot.format``).

    Unlike ``Digraph.render`` it writes exactly one file, no DOT source beside it. Raises
    GraphvizNotFoundError if ``dot`` is not installed.
    """
    path = Path(path)
    fmt = format or path.suffix.lstrip(".").lower() or dot.format
    check_format(fmt, "render")
    with dot_required("render"):
        data: bytes = dot.pipe(format=fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def run_dot(source: str, fmt: str, what: str, *, engine: str = "dot", pinned: bool = False) -> bytes:
    """Run a Graphviz program on DOT text, return its output (``pinned``: neato -n2, positions as given)."""
    with dot_required(what):
        out: bytes = graphviz.pipe(engine, fmt, source.encode("utf-8"), neato_no_op=2 if pinned else None)
    return out
