"""Regenerate the notebooks: each NN_name.py (jupytext percent format) becomes NN_name.ipynb, executed.

A lesson added between two notebooks is named NNx_name.py (02b_..., after 02_...), so that adding it
renumbers nothing.

The .py file is the source a reviewer reads; the .ipynb is made from it here, run top to bottom in a
fresh kernel with its outputs stored (so a code host shows the pictures), and stripped to the
metadata a reader needs. Cell ids are numbered, so rebuilding an unchanged source rewrites the
same file.

    .venv/bin/python notebooks/build.py                       # every notebooks/NN[x]_*.py
    .venv/bin/python notebooks/build.py notebooks/03_*.py     # just these
    .venv/bin/python notebooks/build.py --starter work/       # learner editions, answers blanked

Exercise answers are marked in the source: the lines between `# BEGIN SOLUTION` and
`# END SOLUTION`, or one line `name = answer  # SOLUTION`. The stored notebook runs them (so
its check cells pass); the learner edition replaces each with `...`, which the check rejects,
and puts the solution in a collapsed <details> block after the exercise's check cell.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

from autograd_tiny.teaching.cell_feedback import is_check_cell

HERE = Path(__file__).resolve().parent
KERNEL = "python3"
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": KERNEL},
    "language_info": {"name": "python"},
}
CELL_TIMEOUT = 300  # seconds; each notebook is meant to take well under a minute in all
MAX_BYTES = 1_000_000
PLOT_TEXT = "autograd_tiny.teaching.plot_text"  # the kernel extension recording each plot's smallest text


# A notebook's name is its place in the reading order: NN_name.py, or NNx_name.py for a lesson
# added after notebook NN without renumbering those that follow (02b comes after 02, before 03).
PLACE = re.compile(r"^(\d\d)([a-z]?)_\w+\.py$")


def place(path: Path) -> tuple[int, str]:
    """(NN, x) of an NN[x]_name.py notebook source: where it comes in the reading order."""
    found = PLACE.match(path.name)
    if not found:
        raise ValueError(f"build: {path.name} is not named NN_name.py or NNx_name.py")
    return int(found.group(1)), found.group(2)


def sources(paths: list[str]) -> list[Path]:
    """The notebook sources to build: the given .py files, or every NN[x]_*.py here, in reading order."""
    if not paths:
        return sorted((p for p in HERE.glob("[0-9][0-9]*_*.py") if PLACE.match(p.name)), key=place)
    found = [Path(p).resolve() for p in paths]
    for path in found:
        if path.suffix != ".py" or not path.is_file():
            raise FileNotFoundError(f"build: {path} is not a notebook source (an existing .py file)")
    return found


def from_source(path: Path) -> nbformat.NotebookNode:
    """The unexecuted notebook for a percent-format .py file, with clean metadata and numbered ids."""
    nb = jupytext.read(path)
    nb.metadata = nbformat.from_dict(METADATA)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
        cell.metadata = nbformat.NotebookNode()
    return nb


SOLUTION_BLOCK = re.compile(r"^( *)# BEGIN SOLUTION\n(.*?)^ *# END SOLUTION *(?:\n|$)", re.MULTILINE | re.DOTALL)
SOLUTION_LINE = re.compile(r"^( *[\w, ]+ = ).*?  # SOLUTION$", re.MULTILINE)


def has_answer(source: str) -> bool:
    """Whether a code cell holds marked exercise answers."""
    return bool(SOLUTION_BLOCK.search(source) or SOLUTION_LINE.search(source))


def solved_source(source: str) -> str:
    """An answer cell as its solution reads: the cell with the marker comments taken out."""
    source = SOLUTION_BLOCK.sub(lambda m: m.group(2), source)
    return SOLUTION_LINE.sub(lambda m: m.group(0).removesuffix("  # SOLUTION"), source)


ASSIGNMENT = re.compile(r"^([A-Za-z_][\w, ]*?) = ")


def blank(match: re.Match[str]) -> str:
    """The starter for one solution block: `name = ...` for each name it assigns at its own level, else `...`."""
    indent, lines = match.group(1), match.group(2).splitlines()
    targets = [m.group(1) for line in lines if line.startswith(indent) and (m := ASSIGNMENT.match(line[len(indent):]))]
    names = list(dict.fromkeys(name.strip() for target in targets for name in target.split(",")))
    return "".join(f"{indent}{name} = ...  # your answer\n" for name in names) or f"{indent}...  # your answer\n"


def starter_source(source: str) -> str:
    """An answer cell with every marked solution replaced by `...`, the placeholder its check rejects."""
    source = SOLUTION_BLOCK.sub(blank, source)
    return SOLUTION_LINE.sub(lambda m: f"{m.group(1)}...  # your answer", source)


def learner_edition(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with blank answers, no outputs, and each solution collapsed after its check cell."""
    cells: list[nbformat.NotebookNode] = []
    pending = ""
    for cell in nb.cells:
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if has_answer(cell.source):
                cell.source, pending = starter_source(cell.source), solved_source(cell.source)
            elif pending and is_check_cell(cell.source):
                cells.append(cell)
                body = f"<details><summary>Solution</summary>\n\n```python\n{pending}\n```\n\n</details>"
                cell = nbformat.v4.new_markdown_cell(body)
                pending = ""
        cells.append(cell)
    edition = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    for i, cell in enumerate(edition.cells):
        cell.id = f"cell-{i:02d}"
    return edition


def execute(nb: nbformat.NotebookNode, cwd: Path) -> None:
    """Run every cell in a fresh kernel, storing outputs; a failing cell raises CellExecutionError."""
    # AUTOGRAD_TINY_HEADLESS tells notebooks that nobody will interact (e.g. show frames, not a slider);
    # a fixed hash seed keeps anything that iterates over a set in the same order on every build.
    os.environ["AUTOGRAD_TINY_HEADLESS"] = "1"
    os.environ["PYTHONHASHSEED"] = "0"
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
        store_widget_state=False,
        coalesce_streams=True,  # one stdout output per cell, however the kernel happened to flush it
        # every plot's PNG output notes its smallest text size, for the check of the stored notebooks
        extra_arguments=[f"--ext={PLOT_TEXT}"],
    )
    client.execute()
    nb.metadata = nbformat.from_dict(METADATA)  # the kernel reports its version details; drop them
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode()
        for output in cell.get("outputs", []):
            drop_address_repr(output)


# The default repr, "<module.Class at 0x7f...>", differs on every run and says nothing a reader needs.
ADDRESS_REPR = re.compile(r"^<[\w.]+ (object )?at 0x[0-9a-f]+>$")


def drop_address_repr(output: nbformat.NotebookNode) -> None:
    """Remove an output's plain-text fallback when it is a default repr and a picture stands beside it."""
    data = output.get("data", {})
    if len(data) > 1 and ADDRESS_REPR.match(data.get("text/plain", "")):
        del data["text/plain"]


def stderr_cells(nb: nbformat.NotebookNode) -> list[int]:
    """Indices of cells that wrote to stderr (usually a warning worth fixing at the source)."""
    return [
        i
        for i, cell in enumerate(nb.cells)
        if any(out.get("name") == "stderr" for out in cell.get("outputs", []))
    ]


def build(path: Path) -> Path:
    """Make, execute and write path's .ipynb; returns the written path."""
    nb = from_source(path)
    execute(nb, path.parent)
    target = path.with_suffix(".ipynb")
    nbformat.validate(nb)
    nbformat.write(nb, target)
    size = target.stat().st_size
    if size >= MAX_BYTES:
        raise ValueError(f"build: {target.name} is {size:,} bytes, over the {MAX_BYTES:,} limit")
    noisy = stderr_cells(nb)
    if noisy:
        print(f"  warning: {target.name} cells {noisy} wrote to stderr", file=sys.stderr)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", help="notebook sources (.py); default: every notebooks/NN[x]_*.py")
    parser.add_argument("--starter", metavar="DIR", type=Path,
                        help="write learner editions (answers blanked, not executed) into DIR instead")  # fmt: skip
    args = parser.parse_args(argv)
    if args.starter:
        args.starter.mkdir(parents=True, exist_ok=True)
        for path in sources(args.paths):
            target = args.starter / path.with_suffix(".ipynb").name
            nbformat.write(learner_edition(from_source(path)), target)
            print(f"{target}: learner edition")
        return 0
    for path in sources(args.paths):
        start = time.perf_counter()
        target = build(path)
        took = time.perf_counter() - start
        print(f"{target.name}: {target.stat().st_size:,} bytes, executed in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
