"""Checks of a learner's function against the engine's derivatives (first and n-th), for notebooks 1-6."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd_tiny.autodiff.grad import grad
from autograd_tiny.checks import brief
from autograd_tiny.engine import Value, backward_order
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    Point,
    call_answer,
    check_close,
    check_function,
    require_answer,
    require_function,
)


def _values_and_grads(name: str, fn: Callable[..., Any], point: Point) -> tuple[float, list[float], Value]:
    """fn on fresh leaves at point: its value, d value / d leaf for each leaf, and the output node."""
    leaves = [Value(p) for p in point]
    out = call_answer(name, fn, *leaves)
    require_answer(f"{name}{tuple(point)}", out)
    if not isinstance(out, Value):
        raise ExerciseError(f"{name} must return a Value, got {type(out).__name__}: {brief(out)}")
    grads = grad(out, leaves, allow_unused=True, materialize_grads=True)
    return out.data, [float(g or 0.0) for g in grads], out


def check_value_function(
    name: str,
    fn: object,
    reference: Callable[..., Value],
    points: Sequence[Point],
    *,
    forbidden_ops: Sequence[str] = (),
    rel_tol: float = 1e-7,
    abs_tol: float = 1e-10,
) -> None:
    """fn(*Values) gives reference's value and gradients at every point, without the forbidden operations."""
    f = require_function(name, fn)
    for point in points:
        value, grads, out = _values_and_grads(name, f, point)
        used = sorted({node.op for node in backward_order(out)} & set(forbidden_ops))
        if used:
            raise ExerciseError(f"{name}: uses {', '.join(used)}; the exercise asks you to do without it")
        ref_value, ref_grads, _ = _values_and_grads("reference", reference, point)
        at = ", ".join(f"{p:g}" for p in point)
        check_close(f"{name}({at})", value, ref_value, rel_tol=rel_tol, abs_tol=abs_tol)
        for i, (g, r) in enumerate(zip(grads, ref_grads)):
            check_close(f"d {name} / d input {i} at ({at})", g, r, rel_tol=rel_tol, abs_tol=abs_tol)


def check_derivative(
    name: str, derivative: object, fn: Callable[[Value], Value], points: Sequence[float]
) -> None:
    """derivative(x) (a float function written by hand) equals the engine's d fn / dx at every point."""

    def engine(x: float) -> float:
        leaf = Value(x)
        return float(grad(fn(leaf), [leaf])[0])

    check_function(name, derivative, engine, [[x] for x in points])


def nth_derivative(fn: Callable[[Value], Value], x: float, n: int) -> float:
    """The n-th derivative of fn at x, from n nested calls of grad(..., create_graph=True)."""
    leaf = Value(x)
    d = fn(leaf)
    for _ in range(n):
        (next_d,) = grad(d, [leaf], create_graph=True, allow_unused=True, materialize_grads=True)
        d = next_d if isinstance(next_d, Value) else Value(float(next_d or 0.0))
    return d.data


def check_derivatives(
    name: str, fn: object, references: Sequence[Callable[[float], float]], points: Sequence[float]
) -> None:
    """The derivatives of fn (Value -> Value) of order 1, 2, ... through grad(create_graph=True) equal
    references[0], references[1], ... at every point, lowest order first.

    Every order is checked, not only the last: a first derivative right only up to its sign (say
    sqrt(1 - sin^2) for cos) can still have the right second derivative.
    """
    f = require_function(name, fn)
    for n, reference in enumerate(references, start=1):
        for x in points:
            got = call_answer(f"the derivative of order {n} of {name}", nth_derivative, f, x, n)
            check_close(f"derivative of order {n} of {name} at {x:g}", got, reference(x), rel_tol=1e-7)
