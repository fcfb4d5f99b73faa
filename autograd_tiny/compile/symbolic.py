"""Symbols: floats known only by name, whose arithmetic prints the Python source of that arithmetic.

Running a rule of `RULES` once on symbols writes its maths as code. `compile_graph` uses this to
write a whole graph as one function, and the engine to write the fast path of each operation, so
the table stays the only place where an operation's value and derivatives are written down.
A rule that decides on its operand's value (a comparison: relu, abs) raises `Branches`, unless
`all_paths` is exploring it: then each comparison is answered both ways, one run per way, so the
rule can be written out as cases. A rule that turns its operand into a float (math.exp(x),
float(x), x.data) raises `Escapes`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

from autograd_tiny.floatmath import FloatMath, MaskedZero


class Branches(Exception):
    """A rule looked at a symbol's value (a comparison): it must be called on real numbers instead."""


class Escapes(Exception):
    """A rule turned a symbol into a float (math.exp(x), float(x)) or read its .data."""


# While `all_paths` explores a rule, .decide answers the comparisons it makes on symbols.
_exploring = threading.local()


def _decide(condition: str) -> bool:
    """The way a rule's comparison ``condition`` (source) goes on this path; Branches if not exploring."""
    decide: Callable[[str], bool] | None = getattr(_exploring, "decide", None)
    if decide is None:
        raise Branches
    return decide(condition)


def _comparison(symbol: str) -> Callable[[object, object], bool]:
    """The comparison ``x symbol y`` on a symbol: a decision the rule makes on the value."""
    return lambda x, y: _decide(f"({code(x)} {symbol} {code(y)})")


Path = list[tuple[str, bool]]  # the conditions one run of a rule met, as source, and the way each went
MAX_PATHS = 64  # ways through one rule's comparisons; more means the rule is not a few cases


def all_paths(run: Callable[[], object], where: str) -> list[tuple[Path, object]]:
    """Run ``run`` (a rule on symbols) once per way its comparisons can go: each run's path and result.

    ValueError naming ``where`` past MAX_PATHS ways.
    """
    results: list[tuple[Path, object]] = []
    pending: list[list[bool]] = [[]]  # choices to replay, then to extend with True first
    while pending:
        forced = pending.pop()
        path: Path = []

        def decide(condition: str, forced: list[bool] = forced, path: Path = path) -> bool:
            for seen, way in path:  # the same question twice on one path has the same answer
                if seen == condition:
                    return way
            k = len(path)
            way = forced[k] if k < len(forced) else True
            if k >= len(forced):
                pending.append([way for _, way in path] + [False])
            path.append((condition, way))
            return way

        _exploring.decide = decide
        try:
            results.append((path, run()))
        finally:
            _exploring.decide = None
        if len(results) > MAX_PATHS:
            raise ValueError(f"{where}: more than {MAX_PATHS} branches; it cannot be written out")
    return results


def if_else(paths: list[tuple[Path, list[str]]], indent: str, depth: int = 0) -> list[str]:
    """Statements running the lines of the one path whose conditions hold, as nested if/else."""
    if len(paths) == 1 or depth >= len(paths[0][0]):
        return [indent + line for line in paths[0][1]]
    condition = paths[0][0][depth][0]
    taken = [p for p in paths if p[0][depth][1]]
    other = [p for p in paths if not p[0][depth][1]]
    inner = indent + "    "
    return [
        f"{indent}if {condition}:", *if_else(taken, inner, depth + 1),
        f"{indent}else:", *if_else(other, inner, depth + 1),
    ]  # fmt: skip


def code(x: object) -> str:
    """Python source for a symbol, a tuple of them, or a float constant (inf and nan as ``_float('inf')``)."""
    if isinstance(x, Symbol):
        return x.code
    if isinstance(x, tuple):
        return f"({''.join(code(e) + ', ' for e in x)})"
    if isinstance(x, MaskedZero):
        return "_m.MASKED"
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

    def __abs__(self) -> Symbol:  # builtin abs() in a user's rule: Python's abs, on floats or arrays alike
        return Symbol(f"abs({self.code})")

    def __bool__(self) -> bool:
        return _decide(f"({self.code} != 0)")

    def __float__(self) -> float:
        raise Escapes

    @property
    def data(self) -> float:
        raise Escapes

    __gt__, __lt__ = _comparison(">"), _comparison("<")
    __ge__, __le__ = _comparison(">="), _comparison("<=")
    __eq__, __ne__ = _comparison("=="), _comparison("!=")


def is_symbolic(x: object) -> bool:
    """A symbol, or a tuple holding one (an n-ary operation's operands)."""
    return isinstance(x, Symbol) or (isinstance(x, tuple) and any(isinstance(e, Symbol) for e in x))


# The most terms an n-ary sum is printed with as a chain of +; a longer chain would nest too deeply
# for Python's compiler, so it stays a call to the sum of ``floats``.
INLINE_SUM_TERMS = 100


class SymbolicMath:
    """A rules' maths namespace that prints calls to ``floats`` (bound as ``_m`` in the generated code).

    Calls without symbols among their arguments are constants: they are evaluated at once.
    """

    def __init__(self, floats: Any) -> None:
        self._floats = floats

    def sum(self, xs: tuple[object, ...]) -> object:
        """``floats.sum(xs)``, printed as ``x0 + x1 + ...`` when it has at most INLINE_SUM_TERMS terms.

        FloatMath.sum adds left to right from -0.0, and -0.0 + x0 is x0 to the bit (signed zeros and
        nan too), so the chain is the same number, without a call and a tuple per evaluation.
        """
        if not is_symbolic(xs):
            return self._floats.sum(xs)
        if 0 < len(xs) <= INLINE_SUM_TERMS:
            return Symbol(f"({' + '.join(code(x) for x in xs)})")
        return Symbol(f"_m.sum({code(xs)})")

    def __getattr__(self, name: str) -> Callable[..., object]:
        function = getattr(self._floats, name)

        def call(*args: object) -> object:
            if not any(map(is_symbolic, args)):
                return function(*args)
            return Symbol(f"_m.{name}({', '.join(code(a) for a in args)})")

        return call


FLOAT_SYMBOLS = SymbolicMath(FloatMath)  # the rules' maths on symbols, printing calls to FloatMath


class Step(Symbol):
    """relu's derivative of a float symbol, FloatMath.step inline: times a gradient, a choice, not two calls.

    ``step(x) * g`` is MASKED * g = 0.0 where x <= 0 and 1.0 * g = g (nan included) elsewhere, so it
    prints as ``(0.0 if x <= 0.0 else g)``; anything else on it prints FloatMath.step's own choice.
    """

    __slots__ = ("condition",)

    def __init__(self, x: Symbol) -> None:
        self.condition = f"{x.code} <= 0.0"
        super().__init__(f"(_m.MASKED if {self.condition} else 1.0)")

    def times(self, gradient: str) -> str:
        """Code for this derivative times the float ``gradient`` (a variable's name)."""
        return f"(0.0 if {self.condition} else {gradient})"


class ScalarSymbols(SymbolicMath):
    """The rules' maths on symbols for code that only ever runs on floats: relu and its step written inline.

    A call to FloatMath.relu or .step is a Python call per node and row; the conditional expression
    is the same number (``0.0 if x <= 0 else x``) at a fraction of the cost.
    """

    def relu(self, x: object) -> object:
        if not isinstance(x, Symbol):
            return self._floats.relu(x)
        return Symbol(f"(0.0 if {x.code} <= 0.0 else {x.code})")

    def step(self, x: object) -> object:
        return Step(x) if isinstance(x, Symbol) else self._floats.step(x)


SCALAR_SYMBOLS = ScalarSymbols(FloatMath)  # as FLOAT_SYMBOLS, for code that never sees an array
