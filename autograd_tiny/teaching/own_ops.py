"""Notebook 6's checks: operations of the learner's own, judged by finite differences and by gradcheck."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd_tiny.autodiff.gradcheck import GradcheckError, gradcheck
from autograd_tiny.checks import brief
from autograd_tiny.engine import Value
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    check_close,
    check_equal,
    check_function,
    close_enough,
    plain_number,
    require_answer,
    require_function,
)

# How closely an operation's slope must match the central difference of its reference.
_SLOPE_REL_TOL, _SLOPE_ABS_TOL = 1e-5, 1e-7


def _central_difference(fn: Callable[[float], float], x: float, eps: float = 1e-6) -> float:
    """(fn(x + eps) - fn(x - eps)) / (2 eps), for a float function (gradcheck's differences take Values)."""
    return (fn(x + eps) - fn(x - eps)) / (2 * eps)


def _check_slope(label: str, slope: float, reference: Callable[[float], float], x: float) -> None:
    """slope is reference's derivative at x, as its central difference gives it."""
    check_close(
        label, slope, _central_difference(reference, x), rel_tol=_SLOPE_REL_TOL, abs_tol=_SLOPE_ABS_TOL
    )


def _op_at(name: str, op: Callable[..., Any], x: float) -> tuple[float, float]:
    leaf = Value(x)
    out = call_answer(name, op, leaf)
    if not isinstance(out, Value):
        raise ExerciseError(f"{name} must return a Value, got {type(out).__name__}")
    out.backward()
    return out.data, leaf.grad


def check_unary_op(
    name: str, op: object, reference: Callable[[float], float], points: Sequence[float]
) -> None:
    """op(Value) computes reference and its derivative (by finite differences of reference) at every point."""
    f = require_function(name, op)
    for x in points:
        value, slope = _op_at(name, f, x)
        check_close(f"{name}({x:g})", value, reference(x), rel_tol=1e-9)
        _check_slope(f"d {name} / dx at {x:g}", slope, reference, x)


def check_wrong_only_away_from(name: str, op: object, reference: Callable[[float], float], at: float) -> None:
    """op's derivative agrees with reference's at `at` but is wrong somewhere in [at - 3, at + 3]."""
    f = require_function(name, op)
    _, slope = _op_at(name, f, at)
    _check_slope(f"d {name} / dx at {at:g} (should look right there)", slope, reference, at)
    for k in range(-30, 31):
        x = at + k / 10
        slope_x = _op_at(name, f, x)[1]
        if not close_enough(slope_x, _central_difference(reference, x), _SLOPE_REL_TOL, _SLOPE_ABS_TOL):
            return
    raise ExerciseError(f"{name}: its derivative is right everywhere in [{at - 3:g}, {at + 3:g}]; break it")


def check_kink_point(point: object) -> None:
    """point = (x, y) with x * y + 1 exactly 0 in floating point."""
    require_answer("kink_point", point)
    if not isinstance(point, (list, tuple)) or len(point) != 2:
        raise ExerciseError(f"kink_point: expected a pair (x, y), got {brief(point)}")
    x, y = (plain_number(n, v) for n, v in zip(("x", "y"), point))
    if x * y + 1.0 != 0.0:
        raise ExerciseError(f"at ({x!r}, {y!r}), x * y + 1 = {x * y + 1.0!r}, not exactly 0")


def check_gradcheck_verdict(op: object, answer: object) -> None:
    """op: hypot with forward x + y, local (x / out, y / out); answer: whether gradcheck fails on it."""
    f = require_function("hypot_bad_forward", op)
    check_close("hypot_bad_forward(3, 4)", call_answer("hypot_bad_forward", f, 3.0, 4.0).data, 7.0)
    failed = False
    for point in ([3.0, 4.0], [1.0, -2.0], [0.5, 0.25]):
        try:
            gradcheck(lambda x, y: f(x, y), point)
        except GradcheckError:
            failed = True
    if not isinstance(answer, bool):
        require_answer("gradcheck_notices", answer)
        raise ExerciseError(f"gradcheck_notices: answer True or False, got {answer!r}")
    check_equal("gradcheck_notices", answer, failed)


def check_one_sided_difference(fn: object) -> None:
    """fn(f, x, eps) = (f(x + eps) - f(x)) / eps."""

    def one_sided(f: Callable[[float], float], x: float, eps: float) -> float:
        return (f(x + eps) - f(x)) / eps

    cube: Callable[[float], float] = lambda v: v**3
    cases = [(math.sin, 0.7, 1e-3), (math.exp, -1.0, 1e-6), (cube, 2.0, 0.5)]
    check_function("one_sided_difference", fn, one_sided, cases, rel_tol=1e-12)
