"""The committed notebooks: made from their .py sources, executed with outputs, lean, in reading order.

`make test` also runs every notebook in a fresh kernel (nbmake); these checks are about the files a
reader sees on a code host without running anything. Rebuild with `python notebooks/build.py`.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

jupytext = pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]*_*.py"))
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


def builder() -> Any:
    """notebooks/build.py as a module: the learner edition and the solution markers are defined there."""
    spec = importlib.util.spec_from_file_location("notebook_build", NOTEBOOKS / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebooks_are_numbered_in_reading_order_from_00() -> None:
    """NN_name.py from 00 without gaps; a lesson added after NN is NNb, NNc, ... (no NNa, no gap)."""
    places = builder().sources([])
    assert sorted(places) == SOURCES, "every notebook source is named NN_name.py or NNx_name.py"
    numbers = sorted({builder().place(p)[0] for p in places})
    assert numbers == list(range(len(numbers))), [p.name for p in places]
    assert len(numbers) >= 11
    for number in numbers:
        letters = [builder().place(p)[1] for p in places if builder().place(p)[0] == number]
        assert letters == ["", *"bcdefgh"[: len(letters) - 1]], (number, letters)


def test_a_lesson_between_two_notebooks_is_read_after_the_first() -> None:
    build = builder()
    names = ["03_c.py", "02b_b.py", "02_a.py", "02c_d.py", "10_e.py"]
    assert [p.name for p in sorted(map(Path, names), key=build.place)] == [
        "02_a.py", "02b_b.py", "02c_d.py", "03_c.py", "10_e.py"
    ]
    with pytest.raises(ValueError, match="not named"):
        build.place(Path("2b_short.py"))


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
def test_notebook_opens_with_a_numbered_title_and_has_checked_exercises(source: Path) -> None:
    build = builder()
    cells = load(source).cells
    number, letter = build.place(source)
    assert cells[0].cell_type == "markdown"
    assert re.match(rf"# {number}{letter}\. \S", cells[0].source), cells[0].source.splitlines()[0]
    headings = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## Exercises" in c.source]
    assert headings, "an '## Exercises' section is expected"
    code = [c for c in cells[headings[0] :] if c.cell_type == "code"]
    answers = [i for i, c in enumerate(code) if build.has_answer(c.source)]
    assert answers, "the exercises need answer cells (marked with # BEGIN SOLUTION / # END SOLUTION)"
    for i in answers:
        following = code[i + 1] if i + 1 < len(code) else None
        assert following is not None and build.is_check_cell(following.source), (
            f"the answer cell {code[i].source[:60]!r} should be followed by its check_...() cell"
        )


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_check_cell_fails_on_the_starter_answers(source: Path) -> None:
    """The learner edition (answers blanked to `...`) runs, and every check cell raises ExerciseError."""
    from nbclient import NotebookClient

    build = builder()
    edition = build.learner_edition(build.from_source(source))
    resources = {"metadata": {"path": str(NOTEBOOKS)}}
    client = NotebookClient(edition, kernel_name="python3", resources=resources, allow_errors=True)
    client.execute()
    checks = [c for c in edition.cells if c.cell_type == "code" and build.is_check_cell(c.source)]
    assert checks
    for cell in checks:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        names = [e.ename for e in errors]
        assert names == ["ExerciseError"], f"{cell.source!r} on a blank answer: {names or 'passed'}"
        shown = errors[0].traceback
        assert len(shown) == 1 and "not yet" in shown[0], f"one red line, no traceback: {shown}"
    details = [c for c in edition.cells if c.cell_type == "markdown" and c.source.startswith("<details>")]
    answers = [c for c in load(source).cells if c.cell_type == "code" and build.has_answer(c.source)]
    assert len(details) == len(answers)


def test_each_step_of_notebook_0_is_caught_on_its_own() -> None:
    """Blank one answer of notebook 0 at a time (the others solved): its own check cell must fail."""
    from autograd_tiny.teaching.exercises import ExerciseError

    build = builder()
    source = NOTEBOOKS / "00_build_it_yourself.py"
    cells = jupytext.read(source).cells
    code = [c.source for c in cells if c.cell_type == "code" and "torch" not in c.source]
    answers = [i for i, text in enumerate(code) if build.has_answer(text)]
    assert len(answers) >= 6
    for k in answers:
        namespace: dict[str, Any] = {}
        for i, text in enumerate(code[: k + 2]):
            text = build.starter_source(text) if i == k else build.solved_source(text)
            if i == k + 1:
                assert build.is_check_cell(text)
                with pytest.raises(ExerciseError):
                    exec(compile(text, f"cell {i}", "exec"), namespace)
            else:
                exec(compile(text, f"cell {i}", "exec"), namespace)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_stored_check_cell_says_correct(source: Path) -> None:
    build = builder()
    checks = [c for c in load(source).cells if c.cell_type == "code" and build.is_check_cell(c.source)]
    for cell in checks:
        shown = [o.data.get("text/plain", "") for o in cell.outputs if o.output_type == "display_data"]
        assert "✓ correct" in shown, f"{cell.source[:60]!r} shows no green 'correct'"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_learner_edition_never_mentions_solution_markers(source: Path) -> None:
    """The learner edition has no `# BEGIN SOLUTION` lines, so no cell may tell the reader about them."""
    build = builder()
    edition = build.learner_edition(build.from_source(source))
    mentions = [c.source[:60] for c in edition.cells if "SOLUTION" in c.source]
    assert not mentions


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_notebook_is_on_the_learners_path_and_in_the_main_readme(source: Path) -> None:
    path = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    main = (NOTEBOOKS.parent / "README.md").read_text(encoding="utf-8")
    assert f"]({source.stem}.ipynb)" in path, "a row in notebooks/README.md's learner's path"
    assert f"](notebooks/{source.stem}.ipynb)" in main, "an entry in the README's Notebooks section"
