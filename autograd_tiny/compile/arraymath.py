"""The rules' maths on NumPy arrays, for replaying one sample's graph over every row at once.

`ArrayMath` is `FloatMath` element-wise (the same values at poles: log(0) = -inf, 0 ** -1 = inf).
A rule that branches on its operand (relu's and abs's derivatives, the exponent cases of ``**``)
cannot take an array, so `array_rule` derives its array form from the rule itself: it runs the
rule on symbols once per way its comparisons can go and joins the results with ``numpy.where``.
Needs NumPy (the ``numpy`` extra); the engine itself does not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_tiny.compile.symbolic import FLOAT_SYMBOLS, Path, Symbol, all_paths, code
from autograd_tiny.floatmath import FloatMath


def _sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x) without overflow: e^-x where x >= 0, e^x / (1 + e^x) below (as FloatMath)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_ALL_BITS = np.uint64(2**64 - 1)


class MaskArray(np.ndarray):
    """An array of local derivatives whose zeros mask (`floatmath.MaskedZero`): a product is 0 there."""

    def __mul__(self, other: Any) -> Any:
        plain = self.view(np.ndarray)
        product = np.asarray(np.multiply(plain, other), dtype=np.float64)
        # keep a product's 64 bits where the factor is not 0, clear them (+0.0) where it is: numpy.where's
        # result to the bit (inf and nan masked too), without a branch per element, in place (a large
        # temporary costs its page faults)
        keep = (plain != 0).astype(np.uint64)
        keep *= _ALL_BITS
        bits = product.view(np.uint64)
        bits &= keep
        return product[()]  # a number for numbers, as numpy.where gives

    __rmul__ = __mul__


class ArrayMath:
    """FloatMath element-wise on float64 arrays (run under ``numpy.errstate(all="ignore")``)."""

    exp = staticmethod(np.exp)
    tanh = staticmethod(np.tanh)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    sqrt = staticmethod(np.sqrt)
    abs = staticmethod(np.abs)
    log = staticmethod(np.log)  # -inf at 0 and nan below, as FloatMath.log
    sigmoid = staticmethod(_sigmoid)

    pow = staticmethod(np.power)  # C's pow, as FloatMath.pow: (-0) ** -1 = -inf, (+-0) ** -2 = inf

    @staticmethod
    def relu(x: Any) -> Any:
        # numpy.where(x <= 0, 0.0, x) to the bit, in two fast passes: maximum keeps nan, + 0.0 makes -0.0 0.0
        result = np.maximum(x, 0.0)
        result += 0.0
        return result

    @staticmethod
    def step(x: Any) -> Any:
        # 0.0 where x <= 0, else 1.0 (nan included), as FloatMath.step; its zeros mask
        return np.asarray(~np.less_equal(x, 0), dtype=np.float64).view(MaskArray)

    @staticmethod
    def sign(x: Any) -> Any:
        return np.where(x > 0, 1.0, np.where(x < 0, -1.0, 0.0))  # 0 at nan, as FloatMath.sign

    MASKED = FloatMath.MASKED
    held = staticmethod(FloatMath.held)  # a derivative held by convention: its value, whatever the shape
    sum = staticmethod(FloatMath.sum)  # left to right, element-wise


def _join(paths: list[tuple[Path, str]], depth: int = 0) -> str:
    """One expression choosing, element-wise, the result of the path whose conditions hold."""
    if len(paths) == 1 or depth >= len(paths[0][0]):
        return paths[0][1]
    condition = paths[0][0][depth][0]
    taken = [p for p in paths if p[0][depth][1]]
    other = [p for p in paths if not p[0][depth][1]]
    return f"_where({condition}, {_join(taken, depth + 1)}, {_join(other, depth + 1)})"


def array_rule(function: Callable[..., Any], arity: int, where: str, y_is_value: bool = True
               ) -> Callable[..., Any]:  # fmt: skip
    """``function`` (a rule's forward or local part, called as f(m, x, y[, out])) for arrays.

    ``arity`` is 3 for a forward rule and 4 for a local rule. ``y_is_value`` says y is a second
    operand (an array); otherwise y is the node's constant or None, and the array form is made
    for each constant the first time it is met. Raises ValueError naming ``where`` if the rule
    does something other than arithmetic, ``m``'s functions and comparisons on its operands.
    """
    if y_is_value:
        return _array_rule(function, arity, where, Symbol("y"))
    forms: dict[float | None, Callable[..., Any]] = {}

    def rule(m: Any, x: Any, y: float | None, *out: Any) -> Any:
        if y not in forms:
            forms[y] = _array_rule(function, arity, where, y)
        return forms[y](m, x, y, *out)

    return rule


def _array_rule(function: Callable[..., Any], arity: int, where: str, y: object) -> Callable[..., Any]:
    names = ["x", "y", "out"][: arity - 1]
    symbols = [y if name == "y" else Symbol(name) for name in names]
    try:
        runs = all_paths(lambda: function(FLOAT_SYMBOLS, *symbols), where)
    except (TypeError, AttributeError, ArithmeticError) as e:
        raise ValueError(f"{where}: its rule cannot run on arrays ({type(e).__name__}: {e})") from None
    if arity == 3:
        expression = _join([(path, code(value)) for path, value in runs])
    else:
        sizes = {len(value) if isinstance(value, tuple) else -1 for _, value in runs}
        if len(sizes) != 1 or -1 in sizes:
            raise ValueError(f"{where}: its local rule must return one tuple, of one length on every branch")
        parts = [_join([(path, code(value[k])) for path, value in runs]) for k in range(sizes.pop())]  # type: ignore[index]
        expression = f"({', '.join(parts)},)"
    namespace: dict[str, Any] = {"_where": np.where, "_float": float}
    exec(f"def rule(_m, {', '.join(names)}):\n    return {expression}", namespace)
    rule: Callable[..., Any] = namespace["rule"]
    return rule
