"""Check cells answer in one line: red with what is wrong, or green "correct"; no library traceback.

Run in a real IPython shell (in-process), as a notebook's kernel runs them; the failing cell must
still fail with ExerciseError, so that nbmake, build.py and the learner-edition test see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from autograd_tiny.exercises import ExerciseError
from autograd_tiny.teaching.cell_feedback import RED, install, is_check_cell

IPython = pytest.importorskip("IPython")


@pytest.fixture
def shell() -> Iterator[Any]:
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    install(ip)
    install(ip)  # twice, as a notebook importing the checks in two cells does
    ip.run_cell("from autograd_tiny.exercises import check_equal")
    yield ip
    ip.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def test_a_failing_check_cell_shows_one_red_line_and_still_fails_with_exercise_error(
    shell: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    result = shell.run_cell("check_equal('count', 5, 4)")
    shown = capsys.readouterr().out
    assert isinstance(result.error_in_exec, ExerciseError)
    assert shown.strip() == f"{RED}✗ not yet: count: got 5, too large\x1b[0m"
    assert "Traceback" not in shown and "feedback.py" not in shown and "correct" not in shown


def test_a_passing_check_cell_says_correct_once_and_other_cells_say_nothing(
    shell: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert shell.run_cell("check_equal('count', 4, 4)").success
    assert capsys.readouterr().out.count("✓ correct") == 1
    assert shell.run_cell("x = 1\ncheck_equal('count', 4, 4)").success  # not a check cell: code comes first
    assert shell.run_cell("1 / 0").error_in_exec is not None
    assert "correct" not in capsys.readouterr().out


def test_other_errors_keep_their_full_traceback(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    shell.run_cell("def f():\n    return 1 / 0\nf()")
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_a_check_cell_is_one_whose_code_starts_with_a_check_call() -> None:
    assert is_check_cell("# compare with the engine\ncheck_backward(Value)")
    assert not is_check_cell("answer = 3\ncheck_equal('a', answer, 3)")
    assert not is_check_cell("# only a comment")
