"""Every stored notebook as a learner first sees it: opened (not run) in a real JupyterLab at 1280x800
with the file browser open, Playwright driving Debian's Chromium.

- every drawing's (a graph's, the playground's network's) smallest text, as displayed, is at least 12 px:
  its font size (from the SVG stored in the output) times the displayed width over the drawing's own width
  (tests/notebook_pictures.py, shared with the offline check in tests/test_viz.py); an inline SVG's texts
  are measured on screen;
- every plot and animation is shown, decoded, at the size it was drawn, and its smallest text, as displayed,
  is at least 12 px: the size recorded in the output's metadata when the notebook was built (a PNG holds no
  font sizes; autograd_tiny.teaching.plot_text) times the displayed width over the raster's own width;
- no output makes the notebook, or itself, scroll sideways.

One server and one page: the notebooks are opened one after another, each measured once. Cells are not
virtualised (windowingMode "none") and images are loaded eagerly, so every output is in the DOM and decoded
when measured. Skipped, with the reason, when JupyterLab, Playwright, Chromium or dot is missing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import NEEDS_CHROMIUM_AND_DOT, SMALLEST_SVG_TEXT_IN, jupyterlab
from notebook_pictures import MIN_TEXT_PX, NOTEBOOKS, Picture, as_params, pictures

pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (the test extra)")

pytestmark = NEEDS_CHROMIUM_AND_DOT

# Every cell in the DOM; a notebook's kernel (started on opening, never used) shut down on closing.
SETTINGS = {"@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "kernelShutdown": True}}
LAPTOP = {"width": 1280, "height": 800}
Opened = Callable[[Path], dict[str, Any]]  # a notebook -> how it is shown (MEASURE's answer)
COLUMN_PX = (800, 900)  # the output column JupyterLab gives at that size with the file browser open (~848)

OPEN = """path => {
  window.shownNotebook = null;
  window.shownLayout = null;
  window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'})
    .then(panel => { window.shownNotebook = panel; });
}"""
# Whether the open notebook shows all its cells, its markdown rendered, all its outputs, every image decoded,
# fonts loaded and the layout the same as at the previous poll. Images offscreen are lazy: asked to load now.
READY = """cells => {
  const panel = window.shownNotebook;
  if (!panel || !panel.context.isReady || !panel.isVisible) return false;
  if (document.fonts.status !== 'loaded') return false;
  const notebook = panel.content;
  if (notebook.widgets.length !== cells) return false;
  const missing = notebook.widgets.some(cell => cell.outputArea && cell.model.outputs.length
    !== cell.outputArea.node.querySelectorAll(':scope > .jp-OutputArea-child').length);
  if (missing) return false;
  const unrendered = notebook.widgets.some(cell => cell.model.type === 'markdown'
    && cell.model.sharedModel.getSource().trim() && !cell.node.querySelector('.jp-RenderedMarkdown > *'));
  if (unrendered) return false;
  const images = Array.from(notebook.node.querySelectorAll('.jp-OutputArea-output img'));
  images.forEach(img => { if (img.loading !== 'eager') img.loading = 'eager'; });
  if (!images.every(img => img.complete && img.naturalWidth > 0)) return false;
  const layout = JSON.stringify([notebook.node.clientWidth, notebook.node.scrollWidth,
    images.map(img => img.getBoundingClientRect().width)]);
  const same = layout === window.shownLayout;
  window.shownLayout = layout;
  return same;
}"""
# For each picture output, in order: how it is shown. For each output wider than its box: where.
MEASURE = """() => {
  const smallestSvgText = SMALLEST_SVG_TEXT_IN;
  const notebook = window.shownNotebook.content, scroller = notebook.node;
  const right = scroller.getBoundingClientRect().left + scroller.clientLeft + scroller.clientWidth;
  const shown = [], wide = [];
  if (scroller.scrollWidth > scroller.clientWidth + 1)
    wide.push({what: 'notebook', scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth});
  notebook.widgets.forEach((cell, k) => {
    if (!cell.outputArea) return;
    const children = cell.outputArea.node.querySelectorAll(':scope > .jp-OutputArea-child');
    children.forEach((child, j) => {
      const out = child.querySelector('.jp-OutputArea-output');
      if (!out) return;
      const box = out.getBoundingClientRect();
      if (out.scrollWidth > out.clientWidth + 1 || box.right > right + 1)
        wide.push({cell: k, scrollWidth: out.scrollWidth, clientWidth: out.clientWidth, right: box.right});
      const data = cell.model.outputs.get(j).data;
      if (!Object.keys(data).some(mime => mime.startsWith('image/'))) return;
      const img = out.querySelector('img'), svg = out.querySelector('svg');
      shown.push({cell: k, column: out.clientWidth,
        as: img ? img.src.slice(0, img.src.search(/[;,]/))
          : svg ? 'inline svg' : out.textContent.slice(0, 80),
        width: img ? img.getBoundingClientRect().width : svg ? svg.getBoundingClientRect().width : 0,
        naturalWidth: img ? img.naturalWidth : 0,
        svgTextPx: svg ? smallestSvgText(out) : null});
    });
  });
  return {shown, wide, fileBrowser: !!document.querySelector('#filebrowser:not(.lm-mod-hidden)')};
}""".replace("SMALLEST_SVG_TEXT_IN", SMALLEST_SVG_TEXT_IN)


@pytest.fixture(scope="module")
def opened(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Opened]:
    """notebook -> how a fresh JupyterLab at 1280x800 shows it (each notebook opened once, then closed).

    The server serves copies, so nothing JupyterLab writes reaches the repository.
    """
    root = tmp_path_factory.mktemp("lab")
    (root / "notebooks").mkdir()
    for notebook in NOTEBOOKS:
        shutil.copy(notebook, root / "notebooks" / notebook.name)
    with jupyterlab(root, SETTINGS) as (base, token):
        page = browser.new_page(viewport=LAPTOP)
        page.set_default_timeout(60_000)
        page.goto(f"{base}/lab?token={token}")
        page.wait_for_function("() => window.jupyterapp?.restored")
        page.evaluate("() => { window.jupyterapp.restored.then(() => { window.labRestored = true; }); }")
        page.wait_for_function("() => window.labRestored")
        seen: dict[Path, dict[str, Any]] = {}

        def show(notebook: Path) -> dict[str, Any]:
            if notebook not in seen:
                cells = len(json.loads(notebook.read_text(encoding="utf-8"))["cells"])
                page.evaluate(OPEN, notebook.name)
                page.wait_for_function(READY, arg=cells)
                seen[notebook] = page.evaluate(MEASURE)
                page.evaluate("() => window.shownNotebook.close()")
            return seen[notebook]

        yield show
        page.close()


def _shown(opened: Opened, picture: Picture) -> dict[str, Any]:
    """How the picture is shown: the measures of the same picture output, in order, in its notebook."""
    stored = pictures(picture.notebook)
    measured = opened(picture.notebook)["shown"]
    assert [p.cell for p in stored] == [m["cell"] for m in measured], "the stored and shown pictures differ"
    return dict(measured[stored.index(picture)])


# Pictures drawn as SVG (graphs, the playground's network), whose font sizes are known, and plots and
# animations, rasters whose font sizes are not: a plot's (matplotlib's PNG) is recorded with it when the
# notebook is built; an animation's (Graphviz's frames joined into a GIF) is not.
DRAWINGS = [p for notebook in NOTEBOOKS for p in pictures(notebook) if p.svg is not None]
RASTERS = [p for notebook in NOTEBOOKS for p in pictures(notebook) if p.svg is None]
PLOTS = [p for p in RASTERS if p.raster[0] == "image/png"]


@pytest.mark.parametrize("picture", as_params(DRAWINGS))
def test_every_drawings_smallest_text_is_12_px_or_more_as_displayed(opened: Opened, picture: Picture) -> None:
    shown = _shown(opened, picture)
    assert COLUMN_PX[0] <= shown["column"] <= COLUMN_PX[1], shown  # a laptop's column, the file browser open
    if shown["as"] == "inline svg":
        smallest = shown["svgTextPx"]
    else:
        assert shown["as"].startswith("data:image/"), f"shown as {shown['as']!r}, not as a picture"
        smallest = picture.smallest_text_px(shown["width"])
    assert smallest is not None and smallest >= MIN_TEXT_PX, (smallest, shown)


@pytest.mark.parametrize("picture", as_params(RASTERS))
def test_every_plot_is_shown_at_the_size_it_was_drawn(opened: Opened, picture: Picture) -> None:
    shown = _shown(opened, picture)
    assert shown["as"].startswith("data:image/"), f"shown as {shown['as']!r}, not as a picture"
    assert shown["naturalWidth"] == picture.natural_px()
    assert shown["width"] >= shown["naturalWidth"] - 0.5, ("shrunk", shown)


@pytest.mark.parametrize("picture", as_params(PLOTS))
def test_every_plots_smallest_text_is_12_px_or_more_as_displayed(opened: Opened, picture: Picture) -> None:
    shown = _shown(opened, picture)
    assert COLUMN_PX[0] <= shown["column"] <= COLUMN_PX[1], shown
    smallest = picture.smallest_text_px(shown["width"])
    assert smallest is not None, "no smallest text recorded with the plot: rebuild it with notebooks/build.py"
    assert smallest >= MIN_TEXT_PX, (smallest, shown)


@pytest.mark.parametrize("notebook", as_params(NOTEBOOKS))
def test_no_output_makes_the_notebook_scroll_sideways(opened: Opened, notebook: Path) -> None:
    shown = opened(notebook)
    assert shown["fileBrowser"], "the file browser is open beside the notebook"
    assert shown["wide"] == []
