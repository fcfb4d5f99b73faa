"""The scalar reverse-mode engine: `Value`, the derivative rules, `backward()` and `no_grad()`.

Every operation makes a new `Value` that remembers its parents and the local derivative of
its result with respect to each parent. `backward()` then applies the chain rule,
``parent.grad += local * node.grad``, over the graph in reverse topological order.

All operations are described by one table, `RULES`: for each operation its forward value and
its local derivatives, written once and generic in the maths namespace ``m``. The eager engine
evaluates them on floats (``m = FloatMath``); `autograd_tiny.grad(..., create_graph=True)`
evaluates the very same rules on Values (``m = Value``) to get gradients that are themselves
differentiable.
"""

from __future__ import annotations

import itertools
import math
import numbers
import operator
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeAlias, TypeGuard

Number: TypeAlias = int | float
Operand: TypeAlias = "Value | int | float"


class FloatMath:
    """The maths the rules need, on floats; total where a derivative meets a pole (IEEE inf)."""

    exp = staticmethod(math.exp)
    tanh = staticmethod(math.tanh)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    sqrt = staticmethod(math.sqrt)
    abs = staticmethod(abs)

    @staticmethod
    def log(x: float) -> float:
        """Natural log, with log(0) = -inf and nan below zero instead of an exception."""
        return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)

    @staticmethod
    def pow(x: float, y: float) -> float:
        """x ** y, with 0 ** negative = inf instead of ZeroDivisionError."""
        try:
            return float(x**y)
        except ZeroDivisionError:
            return math.inf

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


Rule = tuple[Callable[..., Any], Callable[..., tuple[Any, ...]]]

# op: (forward(m, x, y), local derivatives(m, x, y, out) -> d out / d each Value operand).
# x is the first operand; y is the second Value, the constant k, or None for unary ops.
# A "k" in the name marks a Python number operand and where it stands: "k-" is k - x.
RULES: dict[str, Rule] = {
    "+":    (lambda m, x, y: x + y,       lambda m, x, y, out: (1.0, 1.0)),
    "+k":   (lambda m, x, k: x + k,       lambda m, x, k, out: (1.0,)),
    "-":    (lambda m, x, y: x - y,       lambda m, x, y, out: (1.0, -1.0)),
    "-k":   (lambda m, x, k: x - k,       lambda m, x, k, out: (1.0,)),
    "k-":   (lambda m, x, k: k - x,       lambda m, x, k, out: (-1.0,)),
    "*":    (lambda m, x, y: x * y,       lambda m, x, y, out: (y, x)),
    "*k":   (lambda m, x, k: x * k,       lambda m, x, k, out: (k,)),
    "/":    (lambda m, x, y: x / y,       lambda m, x, y, out: (1.0 / y, -out / y)),
    "/k":   (lambda m, x, k: x / k,       lambda m, x, k, out: (1.0 / k,)),
    "k/":   (lambda m, x, k: k / x,       lambda m, x, k, out: (-out / x,)),
    # d/dy x**y = x**y log x; at x = 0 PyTorch's convention is 0, below 0 it is nan.
    "**":   (lambda m, x, y: m.pow(x, y), lambda m, x, y, out: (
                y * m.pow(x, y - 1), out * m.log(x) if x > 0 else (0.0 if x >= 0 else math.nan))),
    "**k":  (lambda m, x, k: m.pow(x, k), lambda m, x, k, out: (k * m.pow(x, k - 1) if k != 0 else 0.0,)),
    "k**":  (lambda m, x, k: m.pow(k, x), lambda m, x, k, out: (out * FloatMath.log(k),)),
    "neg":  (lambda m, x, _: -x,          lambda m, x, _, out: (-1.0,)),
    "exp":  (lambda m, x, _: m.exp(x),    lambda m, x, _, out: (out,)),
    "log":  (lambda m, x, _: m.log(x),    lambda m, x, _, out: (1.0 / x,)),
    "sqrt": (lambda m, x, _: m.sqrt(x),   lambda m, x, _, out: (0.5 * m.pow(out, -1.0),)),
    "tanh": (lambda m, x, _: m.tanh(x),   lambda m, x, _, out: (1.0 - out * out,)),
    "sigmoid": (lambda m, x, _: m.sigmoid(x), lambda m, x, _, out: (out * (1.0 - out),)),
    "relu": (lambda m, x, _: m.relu(x),   lambda m, x, _, out: (1.0 if x > 0 else 0.0,)),
    "sin":  (lambda m, x, _: m.sin(x),    lambda m, x, _, out: (m.cos(x),)),
    "cos":  (lambda m, x, _: m.cos(x),    lambda m, x, _, out: (-m.sin(x),)),
    # abs'(0) = 0, as in PyTorch (the subgradient that keeps zero at rest).
    "abs":  (lambda m, x, _: m.abs(x),    lambda m, x, _, out: (
                1.0 if x > 0 else (-1.0 if x < 0 else 0.0),)),
}  # fmt: skip

_grad_enabled = True
_creation_counter = itertools.count()  # creation order is a topological order: parents come first
_new_value = object.__new__


@contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, enabled
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad() -> AbstractContextManager[None]:
    """Within this block operations record no graph: results are leaves with no parents."""
    return _grad_mode(False)


def enable_grad() -> AbstractContextManager[None]:
    """Within this block operations record the graph again, even inside `no_grad()`."""
    return _grad_mode(True)


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()` (and not inside an `enable_grad()` within it)."""
    return _grad_enabled


def is_real(x: object) -> TypeGuard[int | float]:
    """A Python int or float that is not a bool: what the library's arguments accept as a number."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def is_whole(x: object) -> TypeGuard[int]:
    """A Python int that is not a bool: a count, a size, a class index."""
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float, numbers.Real)) and not isinstance(x, Value)


def _record(
    op: str, rule: Rule, x: Value, b: float | None, parents: tuple[Value, ...], k: float | None
) -> Value:
    """Evaluate rule on x.data and b (a Value's data, the constant k or None) and make the node.

    Outside no_grad() the node records its parents and its local derivatives for backward().
    """
    forward, local = rule
    a = x.data
    out: float = forward(FloatMath, a, b)
    node = _new_value(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._op = op
    node._arg = k
    node._id = next(_creation_counter)
    if _grad_enabled:
        node._parents = parents
        node._locals = local(FloatMath, a, b, out)
    else:
        node._parents = node._locals = ()
    return node


def _binary(op: str, op_k: str) -> Callable[[Value, Any], Value]:
    """The method recording op with another Value, or op_k with a Python number."""
    rule, rule_k = RULES[op], RULES[op_k]

    def method(self: Value, other: Any) -> Value:
        if type(other) is Value:
            return _record(op, rule, self, other.data, (self, other), None)
        if _is_number(other):
            k = float(other)
            return _record(op_k, rule_k, self, k, (self,), k)
        return NotImplemented  # type: ignore[no-any-return]

    return method


def _unary(op: str, doc: str = "") -> Callable[[Value], Value]:
    """The method recording the one-operand op."""
    rule = RULES[op]

    def method(self: Value) -> Value:
        return _record(op, rule, self, None, (self,), None)

    method.__name__, method.__doc__ = op, doc
    return method


class Value:
    """One float in a computation graph, with the gradient backward() fills in.

    ``data`` is the value, ``grad`` the accumulated d(root)/d(self), ``label`` a name for
    pictures. ``op``, ``parents`` and ``local_grads`` say how the value was made.
    """

    __slots__ = ("_arg", "_id", "_locals", "_op", "_parents", "data", "grad", "label")

    data: float
    grad: float
    label: str

    def __init__(self, data: Number, label: str = "") -> None:
        if isinstance(data, bool) or not _is_number(data):
            hint = "; use its .data" if isinstance(data, Value) else ""
            raise TypeError(f"Value() takes a real number, got {type(data).__name__}: {data!r}{hint}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._op = ""
        self._parents: tuple[Value, ...] = ()
        self._locals: tuple[float, ...] = ()
        self._arg: float | None = None
        self._id = next(_creation_counter)

    # ---- how this value was made (read-only) -------------------------------------------------

    @property
    def op(self) -> str:
        """The operation that made this value, with its constant: '*', 'tanh', '**2', '' for a leaf."""
        op, k = self._op, self._arg
        return op if k is None else op.replace("k", f"{k:g}", 1)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from (empty for a leaf)."""
        return self._parents

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d parent for each parent, recorded when this value was computed."""
        return self._locals

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    # ---- arithmetic: each method records one RULES entry (see _binary and _unary below) ----------

    __add__ = __radd__ = _binary("+", "+k")
    __sub__ = _binary("-", "-k")
    __rsub__ = _binary("-", "k-")
    __mul__ = __rmul__ = _binary("*", "*k")
    _div = _binary("/", "/k")
    _rdiv = _binary("/", "k/")
    _pow = _binary("**", "**k")
    _rpow = _binary("**", "k**")
    __neg__ = _unary("neg")

    def __truediv__(self, other: Operand) -> Value:
        divisor = other.data if type(other) is Value else other
        if divisor == 0:
            raise ZeroDivisionError(f"division: {self.data!r} / {divisor!r} divides by zero")
        return self._div(other)

    def __rtruediv__(self, other: Number) -> Value:
        if self.data == 0 and _is_number(other):
            raise ZeroDivisionError(f"division: {other!r} / {self.data!r} divides by zero")
        return self._rdiv(other)

    def __pow__(self, other: Operand) -> Value:
        exponent = other.data if type(other) is Value else other
        if _is_number(exponent):
            _check_pow(self.data, exponent)  # type: ignore[arg-type]
        try:
            return self._pow(other)
        except OverflowError:
            raise OverflowError(f"pow: {self.data!r} ** {exponent!r} is too large for a float") from None

    def __rpow__(self, other: Number) -> Value:
        if _is_number(other):
            _check_pow(other, self.data)
        try:
            return self._rpow(other)
        except OverflowError:
            raise OverflowError(f"pow: {other!r} ** {self.data!r} is too large for a float") from None

    def pow(self, exponent: Operand) -> Value:
        """self ** exponent (PyTorch's name)."""
        return self.__pow__(exponent)

    def __pos__(self) -> Value:
        return self

    # ---- functions -----------------------------------------------------------------------------

    def exp(self) -> Value:
        """e ** self; OverflowError past about 709.78."""
        try:
            return self._exp()
        except OverflowError:
            raise OverflowError(f"exp: e ** {self.data!r} is too large for a float") from None

    def log(self) -> Value:
        """Natural logarithm; ValueError for self <= 0."""
        if self.data <= 0:
            raise ValueError(f"log: input must be > 0, got {self.data!r}")
        return self._log()

    def sqrt(self) -> Value:
        """Square root; ValueError for self < 0 (the gradient at 0 is inf, as in PyTorch)."""
        if self.data < 0:
            raise ValueError(f"sqrt: input must be >= 0, got {self.data!r}")
        return self._sqrt()

    _exp, _log, _sqrt = _unary("exp"), _unary("log"), _unary("sqrt")
    tanh = _unary("tanh", "Hyperbolic tangent; derivative 1 - tanh^2.")
    sigmoid = _unary("sigmoid", "1 / (1 + e^-self); derivative s (1 - s).")
    relu = _unary("relu", "max(self, 0); derivative 0 at 0, as in PyTorch.")
    sin = _unary("sin", "Sine; derivative cos.")
    cos = _unary("cos", "Cosine; derivative -sin.")
    abs = _unary("abs", "|self|; derivative 0 at 0, as in PyTorch.")
    __abs__ = abs

    # ---- comparisons: on .data, building no graph; == stays identity so Values hash -----------

    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data

    # ---- backward ------------------------------------------------------------------------------

    def backward(self) -> None:
        """Add d(self)/d(node) to ``node.grad`` for every node of the graph below self.

        Gradients accumulate, as in PyTorch with a retained graph: calling backward() twice
        doubles every grad, so call ``zero_grad()`` between steps.
        """
        order = backward_order(self)
        grads = dict.fromkeys(order, 0.0)  # this call's d(self)/d(node), added to .grad below
        grads[self] = 1.0
        for node in order:
            g = grads[node]
            node.grad += g
            parents = node._parents
            if len(parents) == 2:  # the common case, unpacked: twice as fast as zip() in CPython
                x, y = parents
                dx, dy = node._locals
                grads[x] += dx * g
                grads[y] += dy * g
            else:
                for parent, local in zip(parents, node._locals):
                    grads[parent] += local * g


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _check_pow(base: float, exponent: float) -> None:
    """Reject powers with no real value before any node is made."""
    if base < 0 and math.isfinite(exponent) and exponent != int(exponent):
        raise ValueError(f"pow: a negative base {base!r} to the non-integer power {exponent!r} is not real")
    if base == 0 and exponent < 0:
        raise ZeroDivisionError(f"pow: 0.0 to the negative power {exponent!r} divides by zero")


def backward_order(root: Value) -> list[Value]:
    """Every node below root, each listed before the nodes it was computed from (root first).

    An iterative walk (no recursion: graphs millions of nodes deep are fine) collects the
    nodes; since a node is always created after its parents, sorting by creation, newest
    first, gives the order in which `backward()` applies the chain rule.
    """
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop()._parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return sorted(seen, key=creation_index, reverse=True)


# When a Value was made, as a number that only grows: a node's parents have smaller ones.
creation_index: Callable[[Value], int] = operator.attrgetter("_id")


def creation_mark() -> int:
    """A number smaller than the creation_index of every Value made from now on."""
    return next(_creation_counter)


def define_op(
    name: str, forward: Callable[..., Any], local: Callable[..., tuple[Any, ...]]
) -> Callable[..., Value]:
    """Add an operation of your own to RULES and return the function that applies it.

    ``forward(m, x, y)`` gives the value and ``local(m, x, y, out)`` the local derivatives, one
    per operand, as in the table; y is None for a one-operand operation. Written with ``m``'s
    functions (m.exp, m.log, ...) and arithmetic, the same rule also serves
    `grad(..., create_graph=True)` (m = Value) and `compile_graph`. Numbers given to the
    returned function become leaf Values.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"define_op: name must be a non-empty string, got {name!r}")
    if name in RULES:
        raise ValueError(f"define_op: {name!r} is already an operation in RULES; pick another name")
    if not callable(forward) or not callable(local):
        raise TypeError(f"define_op {name!r}: forward and local must be functions")
    rule: Rule = (forward, local)

    def apply(x: Operand, y: Operand | None = None) -> Value:
        operands = tuple(v if isinstance(v, Value) else Value(v) for v in (x, y) if v is not None)
        node = _record(name, rule, operands[0], operands[1].data if y is not None else None, operands, None)
        if not isinstance(node.data, float):
            got = f"{type(node.data).__name__}: {node.data!r}"
            raise TypeError(f"{name}: forward must return a float, got {got}")
        if _grad_enabled and len(node._locals) != len(operands):
            raise ValueError(
                f"{name}: local must return {len(operands)} derivative(s), one per operand, "
                f"got {len(node._locals)}: {node._locals!r}"
            )
        return node

    apply.__name__ = apply.__qualname__ = name
    RULES[name] = rule
    return apply
