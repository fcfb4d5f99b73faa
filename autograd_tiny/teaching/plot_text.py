"""A matplotlib figure's smallest text, in its PNG's pixels, stored beside each plot a notebook shows.

A PNG holds no font sizes, so a check of how large a plot's text reads on screen (the stored notebooks in a
laptop's JupyterLab) needs them from the figure. Loaded into a kernel as an IPython extension
(``%load_ext autograd_tiny.teaching.plot_text``; notebooks/build.py loads it), every figure shown as PNG
carries ``{"smallest_text_px": ...}`` in its output's ``image/png`` metadata.
"""

from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure

METADATA_KEY = "smallest_text_px"


class _RecordingRenderer(RendererAgg):
    """Agg, noting the size in pixels of each non-blank text it draws (titles, ticks, legends, notes)."""

    def __init__(self, width: float, height: float, dpi: float) -> None:
        super().__init__(width, height, dpi)  # type: ignore[no-untyped-call]
        self.sizes_px: list[float] = []

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                  ismath: Any = False, mtext: Any = None) -> None:  # fmt: skip
        if s.strip():
            self.sizes_px.append(prop.get_size_in_points() * self.dpi / 72)
        super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)  # type: ignore[no-untyped-call]


def smallest_text_px(fig: Figure) -> float | None:
    """The smallest text the figure draws, in pixels at its dpi (as its PNG is saved); None if it draws none.

    Only what a drawing draws counts: hidden texts, empty ones, tick labels outside the axes' limits do not.
    """
    renderer = _RecordingRenderer(fig.bbox.width, fig.bbox.height, fig.dpi)
    fig.draw(renderer)
    return min(renderer.sizes_px, default=None)


def _recording_png_formatter(original: Any) -> Any:
    """IPython's PNG formatter, made to return a figure's smallest text size as the PNG's metadata."""
    base = type(original)

    class RecordingPNGFormatter(base):  # type: ignore[valid-type, misc]
        def __call__(self, obj: Any) -> Any:
            data = super().__call__(obj)
            if data is None or isinstance(data, tuple) or not isinstance(obj, Figure):
                return data
            return data, {METADATA_KEY: smallest_text_px(obj)}

    recording = RecordingPNGFormatter(parent=original.parent)
    recording.singleton_printers.update(original.singleton_printers)
    recording.type_printers.update(original.type_printers)
    recording.deferred_printers.update(original.deferred_printers)
    return recording


def load_ipython_extension(shell: Any) -> None:
    """Make every matplotlib figure the kernel shows as PNG carry its smallest text size in its metadata."""
    formatters = shell.display_formatter.formatters
    formatters["image/png"] = _recording_png_formatter(formatters["image/png"])
