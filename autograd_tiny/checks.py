"""What counts as a number, and the argument checks every layer shares (the package's lowest module).

A number is a real number that is not a bool: ints, floats and numpy scalars, never a Value,
an array or a string. A list is a Sequence that is not text. An argument of the wrong type is a
TypeError naming the operation and what was given; a number out of range is the caller's
ValueError (the caller knows the range). Nothing here imports the rest of the package.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Sequence
from typing import Any, TypeGuard

_short = reprlib.Repr()
_short.maxlevel, _short.maxlist, _short.maxdict = 2, 4, 4
_short.maxstring = _short.maxlong = _short.maxother = 40


def brief(value: object) -> str:
    """A repr short enough for an error message, whatever size or depth ``value`` has."""
    return _short.repr(value)


def is_real(x: object) -> TypeGuard[float]:
    """A real number (numpy scalars too), not a bool. Values are not numbers: they are not `numbers.Real`."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def is_whole(x: object) -> TypeGuard[int]:
    """A whole number that is not a bool (numpy integers too): a count, a size, a class index."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def is_list(x: object) -> TypeGuard[Sequence[Any]]:
    """A list, a tuple or another Sequence, but not a string or bytes (which are sequences of letters)."""
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def not_a_number(what: str, x: object) -> TypeError:
    """The error for an argument that is not a real number, naming the operation and what was given."""
    hint = "; use its .data" if hasattr(x, "data") and hasattr(x, "grad") else ""
    return TypeError(f"{what}: expected a real number, got {type(x).__name__}: {brief(x)}{hint}")


def all_floats(values: Sequence[object]) -> bool:
    """Every value a plain float: the common case of a call's numbers, checked without `numbers.Real`."""
    return all(type(x) is float for x in values)


def as_number(what: str, x: object) -> float:
    """x as a float, or TypeError naming ``what`` and x (bools, Values, arrays and strings are refused).

    An int too large for a float raises OverflowError naming ``what``.
    """
    if type(x) is float:
        return x
    if not is_real(x):
        raise not_a_number(what, x)
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(f"{what}: {brief(x)} is too large for a float") from None


def real(value: object, what: str) -> float:
    """``value`` as a float if it is a real number; else TypeError naming ``what`` (nn, optim, losses, train).

    An int too large for a float gives +-inf, for the caller's range check to refuse.
    """
    if not is_real(value):
        raise TypeError(f"{what} must be a real number, got {type(value).__name__}: {brief(value)}")
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def whole(value: object, what: str) -> int:
    """``value`` as an int if it is a whole number (numpy integers too); else TypeError naming ``what``."""
    if not is_whole(value):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}: {brief(value)}")
    return int(value)


def numbers_list(what: str, xs: object) -> list[float]:
    """xs as a non-empty list of floats; TypeError for a non-list or a non-number, ValueError if empty."""
    if not is_list(xs):
        raise TypeError(f"{what}: expected a list of numbers, got {type(xs).__name__}: {brief(xs)}")
    if not xs:
        raise ValueError(f"{what}: needs at least one input")
    for x in xs:
        if not is_real(x):
            raise TypeError(f"{what}: inputs must be numbers, got {type(x).__name__}: {brief(x)}")
    return [as_number(what, x) for x in xs]
