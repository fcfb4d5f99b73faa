"""Notebook 7's checks: where Newton's method ends, whether a method finds a minimum, a descent path."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autograd_tiny.autodiff.grad import grad
from autograd_tiny.engine import Value
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    check_close,
    check_equal,
    plain_number,
    require_answer,
    require_function,
)


def _first_two(fn: Callable[[Value], Value], x: float) -> tuple[float, float]:
    """fn'(x) and fn''(x), from one grad(create_graph=True) and a second grad of the slope."""
    leaf = Value(x)
    (slope,) = grad(fn(leaf), [leaf], create_graph=True)
    (curvature,) = grad(slope, [leaf], allow_unused=True, materialize_grads=True)
    return slope.data, float(curvature or 0.0)


def check_stationary_point(fn: Callable[[Value], Value], x0: float, where: object, kind: object) -> None:
    """Newton's method on fn from x0 ends at `where`, a "minimum" or a "maximum" as `kind` says."""
    x = x0
    for _ in range(50):
        slope, curvature = _first_two(fn, x)
        x -= slope / curvature
    check_close(f"where Newton's method from {x0:g} ends", where, x, rel_tol=1e-6, abs_tol=1e-9)
    expected = "minimum" if _first_two(fn, x)[1] > 0 else "maximum"
    if kind not in ("minimum", "maximum"):
        require_answer("kind", kind)
        raise ExerciseError(f"kind: answer 'minimum' or 'maximum', got {kind!r}")
    check_equal(f"the kind of stationary point at {x:.6g} (look at the sign of f'')", kind, expected)


def check_finds_minimum(method: object, fn: Callable[[Value], Value], starts: Sequence[float]) -> None:
    """method(fn, x0, steps=50) returns a path whose end has f' ~ 0 and f'' > 0, from every start."""
    m = require_function("method", method)
    for x0 in starts:
        path = call_answer("method", m, fn, x0, 50)
        require_answer(f"method(f, {x0:g}, 50)", path)
        end = plain_number(f"the last point of the path from {x0:g}", list(path)[-1])
        slope, curvature = _first_two(fn, end)
        if not (abs(slope) < 1e-6 and curvature > 0):
            raise ExerciseError(
                f"from {x0:g} the path ends at {end:.6g}, where f' = {slope:.3g} and f'' = "
                f"{curvature:.3g}: not a minimum (f' should be ~0 and f'' > 0)"
            )


def check_descent_path(
    path: object, fn: Callable[[Sequence[float]], float], minimum: Sequence[float], tol: float = 1e-6
) -> None:
    """Every step of path lowers fn, and the path ends within tol of minimum."""
    require_answer("path", path)
    points = [[float(v) for v in p] for p in path]  # type: ignore[attr-defined]
    for k in range(1, len(points)):
        before, after = fn(points[k - 1]), fn(points[k])
        if after > before:
            raise ExerciseError(
                f"step {k} goes from f = {before:.6g} up to f = {after:.6g}; no step may raise f"
            )
    distance = math.dist(points[-1], minimum)
    if not distance < tol:
        raise ExerciseError(
            f"the path ends at {points[-1]}, {distance:.3g} from {list(minimum)}; take more steps"
        )
