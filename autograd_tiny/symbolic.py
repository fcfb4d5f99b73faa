"""Symbols: floats known only by name, whose arithmetic prints the Python source of that arithmetic.

Running a rule of `RULES` once on symbols writes its maths as code. `compile_graph` uses this to
write a whole graph as one function, and the engine to write the fast path of each operation, so
the table stays the only place where an operation's value and derivatives are written down.
A rule that decides on its operand's value (a comparison: relu, abs) raises `Branches`, and one
that turns its operand into a float (math.exp(x), float(x), x.data) raises `Escapes`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


class Branches(Exception):
    """A rule looked at a symbol's value (a comparison): it must be called on real numbers instead."""


class Escapes(Exception):
    """A rule turned a symbol into a float (math.exp(x), float(x)) or read its .data."""


def code(x: object) -> str:
    """Python source for a symbol, a tuple of them, or a float constant (inf and nan as ``_float('inf')``)."""
    if isinstance(x, Symbol):
        return x.code
    if isinstance(x, tuple):
        return f"({''.join(code(e) + ', ' for e in x)})"
    if isinstance(x, float) and not math.isfinite(x):
        return f"_float({str(x)!r})"
    return repr(x)


def bare(source: str) -> str:
    """source without the parentheses around the whole of it, if it has them (less for compile() to parse)."""
    depth = 0
    for j, char in enumerate(source):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return source[1:-1] if j == len(source) - 1 and j > 0 else source
    return source


def _infix(symbol: str) -> tuple[Callable[[object, object], Symbol], Callable[[object, object], Symbol]]:
    """The operator method printing ``x symbol y``, and its reflected twin (``y symbol x``)."""
    return (
        lambda x, y: Symbol(f"({code(x)} {symbol} {code(y)})"),
        lambda x, y: Symbol(f"({code(y)} {symbol} {code(x)})"),
    )


class Symbol:
    """A float known only by name: arithmetic on it returns the source code of that arithmetic."""

    __slots__ = ("code",)

    def __init__(self, source: str) -> None:
        self.code = source

    __add__, __radd__ = _infix("+")
    __sub__, __rsub__ = _infix("-")
    __mul__, __rmul__ = _infix("*")
    __truediv__, __rtruediv__ = _infix("/")
    __pow__, __rpow__ = _infix("**")
    __hash__ = None  # type: ignore[assignment]

    def __neg__(self) -> Symbol:
        return Symbol(f"(-{self.code})")

    def __bool__(self) -> bool:
        raise Branches

    def __float__(self) -> float:
        raise Escapes

    @property
    def data(self) -> float:
        raise Escapes

    def __gt__(self, other: object) -> bool:
        raise Branches

    __lt__ = __le__ = __ge__ = __gt__
    __eq__ = __ne__ = __gt__


def is_symbolic(x: object) -> bool:
    """A symbol, or a tuple holding one (an n-ary operation's operands)."""
    return isinstance(x, Symbol) or (isinstance(x, tuple) and any(isinstance(e, Symbol) for e in x))


class SymbolicMath:
    """A rules' maths namespace that prints calls to ``floats`` (bound as ``_m`` in the generated code).

    Calls without symbols among their arguments are constants: they are evaluated at once.
    """

    def __init__(self, floats: Any) -> None:
        self._floats = floats

    def __getattr__(self, name: str) -> Callable[..., object]:
        function = getattr(self._floats, name)

        def call(*args: object) -> object:
            if not any(map(is_symbolic, args)):
                return function(*args)
            return Symbol(f"_m.{name}({', '.join(code(a) for a in args)})")

        return call
