"""How a check cell answers in Jupyter: one red line saying what is wrong, or a green "correct".

A failing check raises ExerciseError; IPython would print a long traceback through this library
with the useful line last. Inside IPython this module shows that line alone, in red (the cell
still fails, with the exception's type, so a notebook runner still stops there). A check cell that
runs through (its code starts with a call of a check_ function) is answered with a green
"correct". Outside IPython nothing changes: a plain `python` run gets the usual traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from autograd_tiny.teaching.feedback import ExerciseError

RED, GREEN, RESET = "\x1b[1;31m", "\x1b[1;32m", "\x1b[0m"
CORRECT = {
    "text/html": '<span style="color:#1a7f37;font-weight:bold">&#10003; correct</span>',
    "text/plain": "✓ correct",
}


def is_check_cell(source: str) -> bool:
    """A cell that checks an exercise: its code (comments aside) starts with a call of a check_ function."""
    code = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return bool(code) and code[0].startswith("check_")


def failure_lines(error: BaseException) -> list[str]:
    """What a failed check shows instead of a traceback: its message, in red."""
    return [f"{RED}✗ not yet: {error}{RESET}"]


def _show_failure(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> list[str]:
    """IPython's handler for ExerciseError (set_custom_exc): the short red message, no traceback."""
    lines = failure_lines(value)
    shell._showtraceback(etype, value, lines)
    return lines


def _announce_success(result: Any) -> None:
    """After a cell: a check cell that ran without an error gets a green 'correct'."""
    if result.success and is_check_cell(result.info.raw_cell or ""):
        importlib.import_module("IPython.display").display(CORRECT, raw=True)


def install(shell: Any) -> None:
    """Make shell (an IPython InteractiveShell) answer check cells as above; installing twice is harmless."""
    shell.set_custom_exc((ExerciseError,), _show_failure)
    events = shell.events
    if _announce_success not in events.callbacks["post_run_cell"]:
        events.register("post_run_cell", _announce_success)


def install_in_running_ipython() -> None:
    """install() into the IPython shell this code runs in, if any (a notebook's kernel); else nothing."""
    if "IPython" not in sys.modules:
        return
    shell = sys.modules["IPython"].get_ipython()
    if shell is not None:
        install(shell)
