"""A plot's smallest text, recorded beside its PNG when a notebook is built, is what the plot draws.

The stored notebooks' plots are checked with it (tests/test_viz.py offline,
tests/test_notebooks_in_jupyterlab.py in a real JupyterLab): a plot with small text must fail that check.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from notebook_pictures import MIN_TEXT_PX, PLOT_TEXT_KEY, Picture

pytest.importorskip("matplotlib")
IPython = pytest.importorskip("IPython")

from matplotlib.figure import Figure  # noqa: E402

from autograd_tiny.teaching import plot_text  # noqa: E402


def plot(*, tick_pt: float = 10, legend_pt: float = 10, note_pt: float = 10, dpi: float = 100) -> Figure:
    """A small plot: a title, axis labels, tick labels, a legend and an annotation, each at its own size."""
    fig = Figure(figsize=(4, 3), dpi=dpi)
    ax = fig.subplots()
    ax.plot([0, 1, 2], [0, 1, 4], label="loss")
    ax.set_title("a title", fontsize=12)
    ax.set_xlabel("step", fontsize=11)
    ax.tick_params(labelsize=tick_pt)
    ax.legend(fontsize=legend_pt)
    ax.annotate("a note", (1, 1), fontsize=note_pt)
    return fig


@pytest.mark.parametrize("small", ["tick_pt", "legend_pt", "note_pt"])
def test_the_smallest_text_is_found_whichever_kind_it_is(small: str) -> None:
    assert plot_text.smallest_text_px(plot(**{small: 7})) == pytest.approx(7 * 100 / 72)


def test_it_is_in_the_pixels_of_the_figures_dpi() -> None:
    assert plot_text.smallest_text_px(plot(dpi=200)) == pytest.approx(10 * 200 / 72)


def test_hidden_and_empty_texts_do_not_count() -> None:
    fig = plot()
    ax = fig.axes[0]
    ax.text(0.5, 0.5, "hidden", fontsize=3).set_visible(False)
    ax.text(0.5, 0.5, "  ", fontsize=3)
    assert plot_text.smallest_text_px(fig) == pytest.approx(10 * 100 / 72)
    assert plot_text.smallest_text_px(Figure()) is None


def shown_in_a_kernel(fig: Figure) -> Picture:
    """The notebook output IPython makes of fig with the extension loaded, as the stored notebooks hold it."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import print_figure

    shell = InteractiveShell.instance()
    shell.display_formatter.formatters["image/png"].for_type(Figure, lambda f: print_figure(f, "png"))
    plot_text.load_ipython_extension(shell)
    data, metadata = shell.display_formatter.format(fig)
    png = data["image/png"]
    return Picture(Path("synthetic.ipynb"), 0, 0, {"image/png": base64.b64encode(png).decode()}, metadata)


def test_a_figure_shown_in_a_kernel_carries_its_smallest_text_in_its_metadata() -> None:
    picture = shown_in_a_kernel(plot(legend_pt=9))
    assert picture.metadata["image/png"][PLOT_TEXT_KEY] == pytest.approx(9 * 100 / 72)
    assert picture.smallest_text_px(picture.natural_px()) == pytest.approx(12.5)  # shown at its own size
    assert picture.smallest_text_px(picture.natural_px() / 2) == pytest.approx(6.25)  # shrunk to half


def test_the_notebooks_check_fails_a_plot_with_small_text() -> None:
    small = shown_in_a_kernel(plot(tick_pt=8))  # 11.1 px, matplotlib's legend size in many notebooks
    smallest = small.smallest_text_px(small.natural_px())
    assert smallest is not None and smallest < MIN_TEXT_PX


def test_a_plot_without_a_recorded_size_is_not_measured() -> None:
    buffer = io.BytesIO()
    plot().savefig(buffer, format="png")
    png = base64.b64encode(buffer.getvalue()).decode()
    bare = Picture(Path("synthetic.ipynb"), 0, 0, {"image/png": png}, {})
    assert bare.smallest_text_px(bare.natural_px()) is None  # which the notebooks' checks reject
