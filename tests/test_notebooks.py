"""The committed notebooks: made from their .py sources, executed with outputs, lean, in reading order.

`make test` also runs every notebook in a fresh kernel (nbmake); these checks are about the files a
reader sees on a code host without running anything. Rebuild with `python notebooks/build.py`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

jupytext = pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
EXPECTED_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
MAX_BYTES = 1_000_000


def load(source: Path) -> Any:
    notebook = source.with_suffix(".ipynb")
    build = f"python notebooks/build.py notebooks/{source.name}"
    assert notebook.is_file(), f"{notebook.name} was never built: {build}"
    return nbformat.read(notebook, as_version=4)


def test_notebooks_are_numbered_in_reading_order_from_01() -> None:
    numbers = [int(p.name[:2]) for p in SOURCES]
    # unique and from 01; a gap is allowed while notebooks written in parallel are merged
    assert numbers[0] == 1 and len(set(numbers)) == len(numbers), [p.name for p in SOURCES]
    assert len(numbers) >= 6


def test_every_notebook_has_its_source_and_every_source_its_notebook() -> None:
    notebooks = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    assert notebooks == {p.stem for p in SOURCES}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_cells_are_its_source_cells(source: Path) -> None:
    expected = [(c.cell_type, c.source) for c in jupytext.read(source).cells]
    stored = [(c.cell_type, c.source) for c in load(source).cells]
    assert stored == expected, f"{source.name} changed since its notebook was built; run notebooks/build.py"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_is_small_and_carries_no_stray_metadata(source: Path) -> None:
    nb = load(source)
    assert source.with_suffix(".ipynb").stat().st_size < MAX_BYTES
    nbformat.validate(nb)
    assert nb.metadata == EXPECTED_METADATA
    assert [c.metadata for c in nb.cells] == [{} for _ in nb.cells]
    assert [c.id for c in nb.cells] == [f"cell-{i:02d}" for i in range(len(nb.cells))]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_was_executed_top_to_bottom_with_outputs_stored(source: Path) -> None:
    code = [c for c in load(source).cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    outputs = [o for c in code for o in c.outputs]
    assert outputs, f"{source.name} has no stored outputs"
    assert not [o for o in outputs if o.output_type == "error"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_outputs_hold_nothing_that_changes_from_run_to_run(source: Path) -> None:
    load(source)
    text = source.with_suffix(".ipynb").read_text(encoding="utf-8")
    assert not re.search(r" at 0x[0-9a-f]{6,}", text), "a memory address in an output: rebuilds would differ"
    assert '"execution"' not in text, "cell execution timings are stored"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_opens_with_a_numbered_title_and_ends_with_exercises(source: Path) -> None:
    cells = load(source).cells
    number = int(source.name[:2])
    assert cells[0].cell_type == "markdown"
    assert re.match(rf"# {number}\. \S", cells[0].source), cells[0].source.splitlines()[0]
    assert cells[-1].cell_type == "markdown"
    exercises = re.search(r"^## Exercises$(.*)", cells[-1].source, re.MULTILINE | re.DOTALL)
    assert exercises, "the last cell should hold an '## Exercises' section"
    assert re.search(r"^1\. ", exercises.group(1), re.MULTILINE), "exercises are a numbered list"
