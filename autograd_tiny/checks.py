"""Argument checks shared by nn, optim, losses, data and train, and short reprs for their messages.

What counts as a number is decided once, by `engine.is_real` and `engine.is_whole`; a value of
the wrong type is a TypeError naming its type, a number out of range a ValueError (raised by
the caller, which knows the range).
"""

from __future__ import annotations

import reprlib

from autograd_tiny.engine import is_real, is_whole

_short = reprlib.Repr()
_short.maxlevel, _short.maxlist, _short.maxdict = 2, 4, 4
_short.maxstring = _short.maxlong = _short.maxother = 40


def brief(value: object) -> str:
    """A repr short enough for an error message, whatever size or depth ``value`` has."""
    return _short.repr(value)


def real(value: object, what: str) -> float:
    """``value`` as a float if it is a real number (numpy scalars included); else TypeError naming ``what``.

    An int too large for a float gives inf, for the caller's range check to refuse.
    """
    if not is_real(value):
        raise TypeError(f"{what} must be a real number, got {type(value).__name__}: {brief(value)}")
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def whole(value: object, what: str) -> int:
    """``value`` as an int if it is a whole number (numpy integers too); else TypeError naming ``what``."""
    if not is_whole(value):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}: {brief(value)}")
    return int(value)
