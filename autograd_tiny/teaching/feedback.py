"""How every check answers a learner (ExerciseError, saying what is wrong), and the generic checks.

A message says what is wrong and where to look (too large or too small, which entry, which case),
never the value that would pass: a learner who copies a number out of a message learns nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd_tiny.checks import as_number, brief
from autograd_tiny.engine import Value

Point = Sequence[float]


class ExerciseError(AssertionError):
    """The answer to an exercise is not right yet; the message says where and by how much."""


def require_answer(name: str, got: object) -> None:
    """Reject an answer still left as the starter's ``...`` (or a function body that returned None)."""
    if got is Ellipsis or got is None:
        left = "`...`" if got is Ellipsis else "None (a body still left as `...` returns None)"
        raise ExerciseError(f"{name}: not answered yet, got {left}; replace the `...` with your answer")


def require_function(name: str, fn: object) -> Callable[..., Any]:
    """fn itself, if the answer is a function; else ExerciseError."""
    require_answer(name, fn)
    if not callable(fn):
        raise ExerciseError(f"{name}: expected a function, got {type(fn).__name__}: {brief(fn)}")
    return fn


def plain_number(name: str, got: object) -> float:
    """got as a float if it is a real number (autograd_tiny.checks' rule); a Value is refused with a hint."""
    require_answer(name, got)
    if isinstance(got, Value):
        raise ExerciseError(f"{name}: expected a plain number, got a Value ({got!r}); use its .data")
    try:
        return as_number(name, got)
    except TypeError as err:
        raise ExerciseError(str(err)) from None


def close_enough(got: float, expected: float, rel_tol: float, abs_tol: float) -> bool:
    """math.isclose, except that a NaN expected is matched by a NaN."""
    if math.isnan(expected):
        return math.isnan(got)
    return math.isclose(got, expected, rel_tol=rel_tol, abs_tol=abs_tol)


def call_answer(name: str, fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args), with an exception from the learner's code reported as an ExerciseError naming it."""
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except Exception as err:
        shown = ", ".join(_show(a) for a in args)
        hint = " (is a function of yours still returning None?)" if "NoneType" in str(err) else ""
        raise ExerciseError(f"{name}({shown}) raised {type(err).__name__}: {err}{hint}") from err


def _show(x: object) -> str:
    """x as a message shows it: floats to 6 digits, Values by their data, functions by their name."""
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, Value):
        return f"Value({x.data:.6g})"
    if callable(x):
        return getattr(x, "__name__", "a function")
    return brief(x)


def miss(got: float, expected: float) -> str:
    """How got misses expected without saying expected: too large or too small, and whether it is close."""
    if math.isnan(got):
        return "not a number (NaN)"
    if math.isnan(expected) or math.isinf(expected):
        return "a finite number where none exists"
    direction = "too large" if got > expected else "too small"
    if math.isclose(got, expected, rel_tol=1e-2):
        return f"{direction}, though within 1% (rounded? use the exact value)"
    return direction


def check_close(
    name: str,
    got: object,
    expected: float,
    *,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
    hint: str = "",
) -> None:
    """A number within rel_tol (relative) or abs_tol (absolute) of expected; a hint may say where to look."""
    value = plain_number(name, got)
    if not close_enough(value, expected, rel_tol, abs_tol):
        raise ExerciseError(f"{name}: got {value:.10g}, {miss(value, expected)}{_then(hint)}")


def _then(hint: str) -> str:
    return f"; {hint}" if hint else ""


def check_all_close(
    name: str, got: object, expected: object, *, rel_tol: float = 1e-6, abs_tol: float = 1e-9
) -> None:
    """Nested lists of numbers of the same shape as expected, entry by entry; names the first wrong index."""
    require_answer(name, got)
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            raise ExerciseError(
                f"{name}: expected a list of {len(expected)}, got {type(got).__name__}: {brief(got)}"
            )
        if len(got) != len(expected):
            raise ExerciseError(f"{name}: expected {len(expected)} entries, got {len(got)}")
        for i, (g, e) in enumerate(zip(got, expected)):
            check_all_close(f"{name}[{i}]", g, e, rel_tol=rel_tol, abs_tol=abs_tol)
    else:
        check_close(name, got, float(expected), rel_tol=rel_tol, abs_tol=abs_tol)  # type: ignore[arg-type]


def check_equal(name: str, got: object, expected: object, *, hint: str = "") -> None:
    """Exactly the expected answer (a count, a choice, a list of steps); a hint may say where to look.

    None is a possible answer (say, "never"): only where it is not expected is it taken as unanswered.
    """
    if expected is not None:
        require_answer(name, got)
    if got != expected:
        raise ExerciseError(f"{name}: {unequal(got, expected)}{_then(hint)}")


def _is_count(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def unequal(got: object, expected: object) -> str:
    """How got differs from expected without saying expected: the first wrong entry of a list, a
    count too large or too small, or a choice that is not the right one."""
    if _is_count(got) and _is_count(expected):
        return f"got {got!r}, {'too large' if got > expected else 'too small'}"  # type: ignore[operator]
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        if len(got) != len(expected):
            return f"got {len(got)} entries, {'too many' if len(got) > len(expected) else 'too few'}"
        i = next((i for i, (g, e) in enumerate(zip(got, expected)) if g != e), None)
        if i is None:
            kinds = type(got).__name__, type(expected).__name__
            return "the right entries, but in a {}: answer with a {}".format(*kinds)
        return f"entry {i} of {brief(list(got))}: {unequal(got[i], expected[i])}"
    return f"got {got!r}, not the right answer"


def check_raises(name: str, error: object, expected_type: type[BaseException], mentions: str) -> None:
    """error is the exception caught in the exercise: of expected_type, with `mentions` in its message."""
    require_answer(name, error)
    if not isinstance(error, expected_type):
        raise ExerciseError(
            f"{name}: expected a {expected_type.__name__}, got {type(error).__name__}: {brief(error)}"
        )
    if mentions not in str(error):
        raise ExerciseError(f"{name}: the message should mention {mentions!r}: {error}")


def check_function(
    name: str,
    fn: object,
    reference: Callable[..., float],
    points: Sequence[Sequence[Any]],
    *,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
) -> None:
    """fn(*point) equals reference(*point) at every point; names the first point where it does not.

    A point is usually numbers, but may hold other arguments too (a function is shown by its name).
    """
    f = require_function(name, fn)
    for point in points:
        shown = ", ".join(_show(p) for p in point)
        check_close(
            f"{name}({shown})",
            call_answer(name, f, *point),
            reference(*point),
            rel_tol=rel_tol,
            abs_tol=abs_tol,
        )
