"""FloatMath: the maths the derivative rules need, on floats, with IEEE 754's answers.

The rules in `engine.RULES` are written once, generic in a maths namespace ``m``. The engine
evaluates them with ``m = FloatMath``; `grad(create_graph=True)` with ``m = ValueMath`` (Values),
`compile_graph` with symbols, batched replay with NumPy arrays.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterable
from typing import Any

from autograd_tiny.checks import is_real


class MaskedZero(float):
    """A local derivative of 0 that masks: times anything, inf and nan included, it is 0.

    Where relu is flat, or a derivative is held at 0 by convention (pow's cases), PyTorch selects 0
    instead of multiplying (threshold_backward), so an infinite gradient from above does not turn
    into nan. An ordinary 0 (the 0 of x * y at y = 0) multiplies as usual: 0 x inf is nan.
    """

    __slots__ = ()

    def __mul__(self, other: object) -> float:
        return 0.0

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return "0.0"


MASKED = MaskedZero(0.0)


class FloatMath:
    """The maths the rules need, on floats, with IEEE 754's answers instead of exceptions.

    Overflow gives +-inf, a pole gives inf, a point outside the real domain gives nan: the rules
    may then report an infinite derivative, as PyTorch does. Domain errors for the user are raised
    by the operations themselves (see `_check_domain`), before a rule runs.
    """

    MASKED = MASKED
    tanh = staticmethod(math.tanh)
    abs = staticmethod(abs)

    @staticmethod
    def exp(x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf

    @staticmethod
    def log(x: float) -> float:
        """Natural log, with log(0) = -inf and nan below zero."""
        return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)

    @staticmethod
    def sqrt(x: float) -> float:
        return math.sqrt(x) if x >= 0 else math.nan

    @staticmethod
    def sin(x: float) -> float:
        return math.sin(x) if math.isfinite(x) else math.nan

    @staticmethod
    def cos(x: float) -> float:
        return math.cos(x) if math.isfinite(x) else math.nan

    @staticmethod
    def pow(x: float, y: float) -> float:
        """x ** y as C's pow: (+-0) ** negative = +-inf, overflow = +-inf, negative ** fraction = nan."""
        try:
            result = x**y
        except (ZeroDivisionError, OverflowError):
            if x < 0 and math.isfinite(y) and y != int(y):
                return math.nan  # no real value, however large: the domain comes first, as in C
            odd = math.isfinite(y) and y == int(y) and int(y) % 2 == 1
            return math.copysign(math.inf, x) if odd else math.inf
        return result if type(result) is float else (float(result) if is_real(result) else math.nan)

    @staticmethod
    def sigmoid(x: float) -> float:
        """1 / (1 + e^-x), computed so that neither branch can overflow."""
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    @staticmethod
    def relu(x: float) -> float:
        return 0.0 if x <= 0 else x

    @staticmethod
    def step(x: float) -> float:
        """relu's derivative: 0 at and below 0 (0 at 0, as PyTorch), else 1 (nan passes, as PyTorch)."""
        return MASKED if x <= 0 else 1.0

    @staticmethod
    def sign(x: float) -> float:
        """abs's derivative: 1 above 0, -1 below, 0 at 0 (the subgradient that keeps zero at rest) and nan."""
        return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)

    @staticmethod
    def held(value: float, *operands: tuple[Any, bool]) -> float:
        """A derivative held at ``value`` by PyTorch's convention (see `grad.held`): on floats, the value
        (a held 0 masks, as PyTorch's)."""
        return MASKED if value == 0 else value

    @staticmethod
    def sum(xs: Iterable[Any]) -> Any:
        """Left to right, exactly as a chain of + adds them (the -0.0 start changes no value).

        Not builtin sum: from Python 3.12 it compensates rounding errors, so its floats differ.
        """
        return functools.reduce(operator.add, xs, -0.0)


# The points each operation refuses, checked on the operands in the maths' order before any node
# is made (`engine.record`): these have no real value, and are almost always a bug. Everything
# else, inf and nan included, follows IEEE 754.


def check_log(x: float, _: object) -> None:
    if x <= 0:
        raise ValueError(f"log: input must be > 0, got {x!r}")


def check_sqrt(x: float, _: object) -> None:
    if x < 0:
        raise ValueError(f"sqrt: input must be >= 0, got {x!r}")


def check_division(x: float, y: float) -> None:
    if y == 0:
        raise ZeroDivisionError(f"division: {x!r} / {y!r} divides by zero")


def check_pow(base: float, exponent: float) -> None:
    if base < 0 and math.isfinite(exponent) and exponent != int(exponent):
        raise ValueError(f"pow: a negative base {base!r} to the non-integer power {exponent!r} is not real")
    if base == 0 and exponent < 0:
        raise ZeroDivisionError(f"pow: {base!r} to the negative power {exponent!r} divides by zero")


DOMAIN: dict[str, Callable[[float, Any], None]] = {
    "log": check_log, "sqrt": check_sqrt, "/": check_division, "**": check_pow,
}  # fmt: skip
