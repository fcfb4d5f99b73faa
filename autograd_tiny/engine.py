"""The scalar reverse-mode engine: `Value`, the derivative rules, `backward()` and the grad modes.

Every operation makes a new `Value` that remembers its parents and the local derivative of
its result with respect to each parent. `backward()` then applies the chain rule,
``parent.grad += local * node.grad``, over the graph in reverse topological order.

All operations are described by one table, `RULES`: for each operation its forward value and
its local derivatives, written once and generic in the maths namespace ``m``. The eager engine
evaluates them on floats (``m = FloatMath``); `autograd_tiny.grad(..., create_graph=True)`
evaluates the very same rules on Values (``m = Value``) to get gradients that are themselves
differentiable, and `compile_graph` evaluates them on symbols to write code.

A node keeps up to two parents and their local derivatives in flat slots (``_x``, ``_dx``,
``_y``, ``_dy``); an n-ary node (`sum`) keeps tuples of them in ``_y`` and ``_dy`` with ``_x``
None. ``_g`` and ``_n`` are scratch space for `backward()`: this call's gradient and the number
of consumers that have not passed theirs yet.
"""

from __future__ import annotations

import builtins
import itertools
import math
import numbers
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ContextDecorator
from typing import Any, TypeAlias, TypeGuard

from autograd_tiny.symbolic import Branches, Escapes, Symbol, SymbolicMath, all_paths, code, if_else

Number: TypeAlias = "int | float | numbers.Real"
Operand: TypeAlias = "Value | int | float | numbers.Real"


def is_real(x: object) -> TypeGuard[float]:
    """The one test of what is a number here: a real number (numpy scalars too), not a bool, not a Value."""
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, Value))


def is_whole(x: object) -> TypeGuard[int]:
    """A whole number that is not a bool (numpy integers too): a count, a size, a class index."""
    return isinstance(x, numbers.Integral) and is_real(x)


def not_a_number(what: str, x: object) -> TypeError:
    """The error for an argument that is not a real number, naming the operation and what was given."""
    hint = "; use its .data" if isinstance(x, Value) else ""
    return TypeError(f"{what}: expected a real number, got {type(x).__name__}: {x!r}{hint}")


class FloatMath:
    """The maths the rules need, on floats, with IEEE 754's answers instead of exceptions.

    Overflow gives +-inf, a pole gives inf, a point outside the real domain gives nan: the rules
    may then report an infinite derivative, as PyTorch does. Domain errors for the user are raised
    by the operations themselves (see `_check_domain`), before a rule runs.
    """

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
    def held(value: float, *operands: tuple[Any, bool]) -> float:
        """A derivative held at ``value`` by PyTorch's convention (see `Value.held`): on floats, the value."""
        return value

    @staticmethod
    def sum(xs: Iterable[Any]) -> Any:
        """Left to right, as a chain of + would add them (the -0.0 start changes no value)."""
        return builtins.sum(xs, -0.0)


Rule = tuple[Callable[..., Any], Callable[..., tuple[Any, ...]]]

# op: (forward(m, x, y), local derivatives(m, x, y, out) -> d out / d each Value operand).
# x is the first operand; y is the second Value, the constant k, or None for unary ops.
# A "k" in the name marks a Python number operand and where it stands: "k-" is k - x.
# Comparisons in rules (x > 0) read the operand's value; never use == (on Values it is identity).
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
    # PyTorch's conventions: d/dx is held at 0 where the exponent is 0 (so 0 ** 0 has d/dx = 0),
    # d/dy = x ** y log x at 0 where x = 0 <= y, and at nan where x < 0 (no real logarithm).
    # m.held(value, (operand, nan?)...) marks where the held derivative's own derivative is nan.
    "**":   (lambda m, x, y: m.pow(x, y), lambda m, x, y, out: (
                m.held(0.0, (x, _is_zero(x)), (y, not x > 0)) if _is_zero(y) else y * m.pow(x, y - 1),
                out * m.log(x) if x > 0 else
                m.held(0.0 if _is_zero(x) and y >= 0 else math.nan, (x, True), (y, True)))),
    "**k":  (lambda m, x, k: m.pow(x, k), lambda m, x, k, out: (0.0 if k == 0 else k * m.pow(x, k - 1),)),
    "k**":  (lambda m, x, k: m.pow(k, x), lambda m, x, k, out: (
                out * math.log(k) if k > 0 else m.held(0.0 if k == 0 and x >= 0 else math.nan, (x, True)),)),
    "neg":  (lambda m, x, _: -x,          lambda m, x, _, out: (-1.0,)),
    "exp":  (lambda m, x, _: m.exp(x),    lambda m, x, _, out: (out,)),
    "log":  (lambda m, x, _: m.log(x),    lambda m, x, _, out: (1.0 / x,)),
    "sqrt": (lambda m, x, _: m.sqrt(x),   lambda m, x, _, out: (0.5 * m.pow(out, -1.0),)),
    "tanh": (lambda m, x, _: m.tanh(x),   lambda m, x, _, out: (1.0 - out * out,)),
    "sigmoid": (lambda m, x, _: m.sigmoid(x), lambda m, x, _, out: (out * (1.0 - out),)),
    "relu": (lambda m, x, _: m.relu(x),   lambda m, x, _, out: (0.0 if x <= 0 else 1.0,)),
    "sin":  (lambda m, x, _: m.sin(x),    lambda m, x, _, out: (m.cos(x),)),
    "cos":  (lambda m, x, _: m.cos(x),    lambda m, x, _, out: (-m.sin(x),)),
    # abs'(0) = 0, as in PyTorch (the subgradient that keeps zero at rest).
    "abs":  (lambda m, x, _: m.abs(x),    lambda m, x, _, out: (
                1.0 if x > 0 else (-1.0 if x < 0 else 0.0),)),
    # n-ary: x is the tuple of operands, added left to right; each local derivative is 1.
    "sum":  (lambda m, xs, _: m.sum(xs),  lambda m, xs, _, out: (1.0,) * len(xs)),
}  # fmt: skip

_new_value = object.__new__


def _is_zero(x: Any) -> bool:
    """x == 0 by value, for a float or a Value (whose == is identity)."""
    return not (x > 0 or x < 0) and x >= 0


# ---- per-thread settings: grad mode, scope recording, anomaly mode --------------------------------


class _ThreadState(threading.local):
    """What a ``with`` block sets, per thread, as PyTorch's grad mode is."""

    grad_enabled = True
    recording_scopes = 0  # open record_scopes() blocks: Values made get a creation index
    anomaly_sites: dict[Value, str] | None = None  # inside detect_anomaly(): where each Value was made
    rule_op: str | None = None  # the operation whose rule is being evaluated on Values, if any


_state = _ThreadState()
# The number of such blocks open in any thread. While it is 0 every thread has the defaults, so
# making a node reads one global instead of the thread-local state: the hot path stays fast.
_open_blocks = 0
_open_blocks_lock = threading.Lock()
_creation_counter = itertools.count()


class _ThreadSetting(ContextDecorator):
    """A ``with`` block (or decorator) that sets one attribute of this thread's state."""

    def __init__(self, name: str, value: Callable[[Any], Any]) -> None:
        self._name, self._value = name, value
        self._saved: list[Any] = []

    def __enter__(self) -> None:
        global _open_blocks
        previous = getattr(_state, self._name)
        self._saved.append(previous)
        setattr(_state, self._name, self._value(previous))
        with _open_blocks_lock:
            _open_blocks += 1

    def __exit__(self, *exc: object) -> None:
        global _open_blocks
        setattr(_state, self._name, self._saved.pop())
        with _open_blocks_lock:
            _open_blocks -= 1


def no_grad() -> _ThreadSetting:
    """Within this block (in this thread) operations record no graph: results are leaves."""
    return _ThreadSetting("grad_enabled", lambda _: False)


def enable_grad() -> _ThreadSetting:
    """Within this block (in this thread) operations record the graph again, even inside `no_grad()`."""
    return _ThreadSetting("grad_enabled", lambda _: True)


def is_grad_enabled() -> bool:
    """True unless this thread is inside `no_grad()` (and not inside an `enable_grad()` within it)."""
    return _state.grad_enabled


def detect_anomaly() -> _ThreadSetting:
    """Within this block, Values remember the line that made them, and `backward()` / `grad()` raise
    `FloatingPointError` at the first gradient contribution that is nan or inf, naming the operation,
    its value, its local derivative and that line. Off by default; costs nothing when off."""
    return _ThreadSetting("anomaly_sites", lambda sites: {} if sites is None else sites)


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()` in this thread."""
    return _state.anomaly_sites is not None


def anomaly_sites() -> dict[Value, str] | None:
    """Inside `detect_anomaly()`, where each Value made in it was made ('file:line in function: code')."""
    return _state.anomaly_sites


def record_creation_order() -> _ThreadSetting:
    """Within this block, Values made in this thread get increasing `creation_index` numbers."""
    return _ThreadSetting("recording_scopes", lambda depth: depth + 1)


def _note_creation(node: Value) -> bool:
    """The slow path of making a node while some block is open: record what is asked for.

    Returns whether this thread records the graph.
    """
    state = _state
    if state.recording_scopes:
        node._id = next(_creation_counter)
    if state.anomaly_sites is not None:
        state.anomaly_sites[node] = _user_line()
    return state.grad_enabled


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _user_line() -> str:
    """'file:line in function: source' of the innermost caller outside this package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith((_PACKAGE_DIR, "<autograd_tiny")):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "(unknown line)"
    import linecache

    code = frame.f_code
    source = linecache.getline(code.co_filename, frame.f_lineno).strip()
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}: {source}"


def creation_index(value: Value) -> int:
    """When value was made, counted while `record_creation_order()` was open; -1 otherwise.

    Only pictures use it (to group nodes by the module call that made them). `backward()`'s order
    depends on the graph alone, never on a number that a copy or another process could carry.
    """
    return getattr(value, "_id", -1)


def creation_mark() -> int:
    """A number smaller than the creation_index of every Value made from now on."""
    return next(_creation_counter)


# ---- making nodes ---------------------------------------------------------------------------------


def _record(op: str, rule: Rule, x: Value, y: Value | None, b: Any, k: float | None) -> Value:
    """Evaluate rule on x.data and b (y's data, the constant k, or None) and make the node.

    Outside no_grad() the node records its parents and its local derivatives for backward().
    """
    forward, local = rule
    a = x.data
    out = forward(FloatMath, a, b)
    node = _leaf(Value, out, 0.0, "")
    if _open_blocks and not _note_creation(node):
        return node
    node._op = op
    node._arg = k
    node._x = x
    node._y = y
    if y is None:
        (node._dx,) = local(FloatMath, a, b, out)
    else:
        node._dx, node._dy = local(FloatMath, a, b, out)
    return node


def _as_number(what: str, x: object) -> float:
    """x as a float, or TypeError naming what and x (bools, arrays and strings are not numbers here)."""
    if type(x) is float or is_real(x):
        return float(x)
    raise not_a_number(what, x)


def _refuse(symbol: str, other: object) -> Any:
    """NotImplemented for types Python should ask next; TypeError for bools, arrays and complex numbers."""
    if isinstance(other, (bool, numbers.Number)) or hasattr(other, "__array__"):
        raise TypeError(f"{symbol}: cannot combine a Value with {type(other).__name__}: {other!r}")
    return NotImplemented


def _unrecorded(node: Value) -> Value:
    """The node made under no_grad(): a leaf."""
    node._op, node._arg, node._x, node._y = "", None, None, None
    return node


_RECORD = """
        node = _new_value(Value)
        node.data = out
        node.grad = 0.0
        node.label = ""
        node._g = 0.0
        node._n = 0
        if _open_blocks and not _note_creation(node):
            return _unrecorded(node)
        node._op = {op!r}
        node._arg = {arg}
        node._x = self
        node._y = {y}"""


def _record_code(op: str, x: str, y: str | None, k: str | None) -> str:
    """Source making the node of op, its value and local derivatives written out from its RULES entry.

    A rule that compares its operand (relu, abs, pow's cases) is written as if/else over the ways
    its comparisons go; one that cannot be written out is called on the floats instead.
    """
    forward, local = RULES[op]
    b = y or k
    symbols = [Symbol(x), None if b is None else Symbol(b)]
    derivatives = ["node._dx", "node._dy"][: 1 if y is None else 2]
    forward_code = _written_out(
        op, lambda: forward(_SYMBOLIC, *symbols), lambda v: [f"out = {code(v)}"],
        f"out = _RULES[{op!r}][0](_m, {x}, {b})",
    )  # fmt: skip
    locals_code = _written_out(
        op, lambda: local(_SYMBOLIC, *symbols, Symbol("out")),
        lambda ds: [f"{d} = {code(c)}" for d, c in zip(derivatives, ds)],
        f"{', '.join(derivatives)}, = _RULES[{op!r}][1](_m, {x}, {b}, out)",
    )  # fmt: skip
    check = _DOMAIN.get(op.replace("k", ""))
    operands = f"{k}, {x}" if op.startswith("k") else f"{x}, {b}"
    check_code = [f"{check.__name__}({operands})"] if check else []
    indent = "\n        "
    record = _RECORD.format(op=op, arg=k, y="other" if y else "None")
    after = indent.join([*locals_code, "return node"])
    return indent + indent.join(check_code + forward_code) + record + indent + after


def _written_out(op: str, run: Callable[[], Any], lines: Callable[[Any], list[str]], call: str) -> list[str]:
    """The lines computing what ``run`` (a rule on symbols) computes: straight, as cases, or as a call."""
    try:
        return lines(run())
    except Branches:
        try:
            return if_else([(path, lines(result)) for path, result in all_paths(run, op)], "")
        except (Escapes, ValueError):
            return [call]
    except Escapes:
        return [call]


def _method(
    op: str, op_k: str | None = None, reflects: str | None = None, doc: str = ""
) -> Callable[..., Value]:
    """Write, from RULES, the method recording op (with another Value) or op_k (with a number).

    Straight-line code per operation keeps the eager engine near CPython's floor; the maths in it
    is printed from the table by running each rule once on symbols, never written by hand.
    ``reflects`` names the method to call for ``other op self`` when other is a Value too.
    """
    if op_k is None:
        body = "\n        a = self.data" + _record_code(op, "a", None, None)
        source = f"def method(self):{body}"
    else:
        with_value = (
            f"return {reflects}(other, self)" if reflects else "a = self.data\n        b = other.data"
        ) + ("" if reflects else _record_code(op, "a", "b", None))
        with_number = (
            "k = other if type(other) is float else float(other)\n        a = self.data"
            + _record_code(op_k, "a", None, "k")
        )
        source = (
            "def method(self, other):\n"
            f"    if type(other) is Value or isinstance(other, Value):\n        {with_value}\n"
            f"    if type(other) is float or type(other) is int or is_real(other):\n        {with_number}\n"
            f"    return _refuse({op!r}, other)"
        )
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<autograd_tiny rule {op_k or op}>", "exec"), globals(), namespace)
    method: Callable[..., Value] = namespace["method"]
    method.__name__, method.__doc__ = op_k or op, doc or None
    return method


_SYMBOLIC = SymbolicMath(FloatMath)
_RULES = RULES  # the generated methods read rules that branch from here
_m, _float = FloatMath, float  # names the generated code uses


def _check_log(x: float, _: object) -> None:
    if x <= 0:
        raise ValueError(f"log: input must be > 0, got {x!r}")


def _check_sqrt(x: float, _: object) -> None:
    if x < 0:
        raise ValueError(f"sqrt: input must be >= 0, got {x!r}")


def _check_division(x: float, y: float) -> None:
    if y == 0:
        raise ZeroDivisionError(f"division: {x!r} / {y!r} divides by zero")


def _check_pow(base: float, exponent: float) -> None:
    if base < 0 and math.isfinite(exponent) and exponent != int(exponent):
        raise ValueError(f"pow: a negative base {base!r} to the non-integer power {exponent!r} is not real")
    if base == 0 and exponent < 0:
        raise ZeroDivisionError(f"pow: 0.0 to the negative power {exponent!r} divides by zero")


# The numbers an operation refuses, checked on (first operand, second operand) before any node
# is made: these have no real value, and are almost always a bug in the model. Everything else,
# inf and nan included, follows IEEE 754 (overflow is inf, sin(inf) is nan), as PyTorch does.
_DOMAIN: dict[str, Callable[[float, Any], None]] = {
    "log": _check_log,
    "sqrt": _check_sqrt,
    "/": _check_division,
    "**": _check_pow,
}


class Value:
    """One float in a computation graph, with the gradient backward() fills in.

    ``data`` is the value, ``grad`` the accumulated d(root)/d(self), ``label`` a name for
    pictures. ``op``, ``parents`` and ``local_grads`` say how the value was made.
    """

    __slots__ = ("_arg", "_dx", "_dy", "_g", "_id", "_n", "_op", "_x", "_y", "data", "grad", "label")
    __array_ufunc__ = None  # numpy: `array * value` is refused like `value * array`, not broadcast

    data: float
    grad: float
    label: str
    _op: str  # the RULES key ('' for a leaf)
    _arg: float | None  # the folded constant of a "k" operation
    _x: Value | None  # first parent
    _y: Any  # second parent, or an n-ary node's tuple of parents
    _dx: Any  # d self / d _x
    _dy: Any  # d self / d _y, or the tuple of an n-ary node's local derivatives
    _g: float  # scratch for backward(): this call's gradient
    _n: int  # scratch for backward(): consumers that have not passed their gradient yet
    _id: int  # set only while record_creation_order() is open

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _as_number("Value()", data)
        self.grad = 0.0
        self.label = label
        self._op = ""
        self._arg = None
        self._x = self._y = self._dx = self._dy = None
        self._g = 0.0
        self._n = 0
        if _open_blocks:
            _note_creation(self)

    # ---- how this value was made (read-only) -------------------------------------------------

    @property
    def op(self) -> str:
        """The operation that made this value, with its constant: '*', 'tanh', '**2', '' for a leaf."""
        op, k = self._op, self._arg
        return op if k is None else op.replace("k", f"{k:g}", 1)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from (empty for a leaf)."""
        x, y = self._x, self._y
        if x is None:
            return () if y is None else y  # a leaf, or an n-ary node's tuple
        return (x,) if y is None else (x, y)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d parent for each parent, recorded when this value was computed."""
        x, y = self._x, self._y
        if x is None:
            return () if y is None else self._dy
        return (self._dx,) if y is None else (self._dx, self._dy)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    # ---- arithmetic: each method records one RULES entry (see _binary and _unary above) ----------

    __add__ = __radd__ = _method("+", "+k")
    __sub__ = _method("-", "-k")
    __rsub__ = _method("-", "k-", reflects="Value.__sub__")
    __mul__ = __rmul__ = _method("*", "*k")
    __truediv__ = _method("/", "/k")
    __rtruediv__ = _method("/", "k/", reflects="Value.__truediv__")
    __pow__ = _method("**", "**k")
    __rpow__ = _method("**", "k**", reflects="Value.__pow__")
    __neg__ = _method("neg")

    def pow(self, exponent: Operand) -> Value:
        """self ** exponent (PyTorch's name)."""
        return self.__pow__(exponent)

    @staticmethod
    def held(value: float, *operands: tuple[Any, bool]) -> Value:
        """A derivative held at a constant by convention, as a node one order up can differentiate.

        PyTorch masks some derivatives (pow's at 0); differentiating the mask again it passes on
        0 times the hidden formula's derivative: 0 where that is finite, nan where it is not. Each
        (operand, nan?) pair says which; operands that are not Values are constants and skipped.
        """
        pairs = [(v, math.nan if undefined else 0.0) for v, undefined in operands if isinstance(v, Value)]
        node = _leaf(Value, value, 0.0, "")
        if pairs and (not _open_blocks or _note_creation(node)):
            node._op = "held"
            _link(node, tuple(v for v, _ in pairs), tuple(d for _, d in pairs), len(pairs) > 2)
        return node

    def __pos__(self) -> Value:
        return self

    # ---- functions -----------------------------------------------------------------------------

    exp = _method("exp", doc="e ** self; inf past about 709.78, as in IEEE arithmetic.")
    log = _method("log", doc="Natural logarithm; ValueError for self <= 0.")
    sqrt = _method("sqrt", doc="Square root; ValueError for self < 0 (the gradient at 0 is inf, as PyTorch).")
    tanh = _method("tanh", doc="Hyperbolic tangent; derivative 1 - tanh^2.")
    sigmoid = _method("sigmoid", doc="1 / (1 + e^-self); derivative s (1 - s).")
    relu = _method("relu", doc="max(self, 0); derivative 0 at 0, as in PyTorch.")
    sin = _method("sin", doc="Sine; derivative cos.")
    cos = _method("cos", doc="Cosine; derivative -sin.")
    abs = _method("abs", doc="|self|; derivative 0 at 0, as in PyTorch.")
    __abs__ = abs

    # ---- comparisons: on .data, building no graph; == stays identity so Values hash -----------

    def __lt__(self, other: Operand) -> bool:
        return self.data < _data("<", other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data("<=", other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(">", other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(">=", other)

    __hash__ = object.__hash__

    def __float__(self) -> float:
        op = _state.rule_op if _open_blocks else None
        if op is not None:
            raise RuleEscapesGraphError(op, "turns a Value into a float (math.* on a Value, float(x))")
        return self.data

    # ---- copies and pickles: iterative, so graphs of any depth work ------------------------------

    def __copy__(self) -> Value:
        """A new node with the same value, label, operation and parents (the graph is shared)."""
        return _clone(self, self.parents)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph below self; nodes copied once each, parents before children."""
        for node in reversed(backward_order(self)):
            if id(node) not in memo:
                memo[id(node)] = _clone(node, tuple(memo[id(p)] for p in node.parents))
        copy: Value = memo[id(self)]
        return copy

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the graph below self as a flat list (no recursion, so any depth pickles).

        Leaves are pickled as themselves, so a model's parameters stay shared with the graph.
        """
        if self._x is None and self._y is None:
            return (_leaf, (type(self), self.data, self.grad, self.label))
        order = list(reversed(backward_order(self)))
        index = {node: i for i, node in enumerate(order)}
        items = [
            node if not node.parents else
            (node.data, node.grad, node.label, node._op, node._arg,
             tuple(index[p] for p in node.parents), node.local_grads, node._x is None)
            for node in order
        ]  # fmt: skip
        return (_graph, (items,))

    # ---- backward ------------------------------------------------------------------------------

    def backward(self, gradient: Number = 1.0) -> None:
        """Add d(self)/d(node) * gradient to ``node.grad`` for every node of the graph below self.

        Gradients accumulate, as in PyTorch with a retained graph: calling backward() twice
        doubles every grad, so call ``zero_grad()`` between steps. ``gradient`` seeds the root
        (PyTorch's keyword), 1 by default.
        """
        seed = _as_number("backward: gradient", gradient)
        with _graph_lock:
            nodes = _count_consumers(self)
            try:
                sites = _state.anomaly_sites if _open_blocks else None
                if sites is not None:
                    _chain_rule_checked(self, seed, sites)
                else:
                    _chain_rule(self, seed)
            except BaseException:
                _reset(nodes)
                raise


# One graph walk at a time: backward() keeps its scratch numbers on the nodes, and threads may share
# nodes (a model's parameters). The interpreter runs one thread at a time anyway.
_graph_lock = threading.RLock()


def _count_consumers(root: Value) -> list[Value]:
    """Set each node's ``_n`` to its number of consumers below root; return the nodes (root first).

    The parent slots are visited one by one, unrolled: one- and two-parent nodes then cost no tuple.
    """
    nodes = [root]
    stack = [root]
    while stack:
        node = stack.pop()
        x = node._x
        if x is not None:
            if not x._n:
                nodes.append(x)
                stack.append(x)
            x._n += 1
            x = node._y
            if x is not None:
                if not x._n:
                    nodes.append(x)
                    stack.append(x)
                x._n += 1
        elif node._y is not None:  # n-ary
            for x in node._y:
                if not x._n:
                    nodes.append(x)
                    stack.append(x)
                x._n += 1
    return nodes


def _chain_rule(root: Value, seed: float) -> None:
    """Kahn's algorithm: a node passes its gradient on once every consumer has passed theirs."""
    root._g = seed
    ready = [root]
    while ready:
        node = ready.pop()
        g = node._g
        node._g = 0.0
        node.grad += g
        x = node._x
        if x is not None:
            x._g += node._dx * g
            x._n -= 1
            if not x._n:
                ready.append(x)
            x = node._y
            if x is not None:
                x._g += node._dy * g
                x._n -= 1
                if not x._n:
                    ready.append(x)
        elif node._y is not None:  # n-ary
            for x, local in zip(node._y, node._dy):
                x._g += local * g
                x._n -= 1
                if not x._n:
                    ready.append(x)


def _chain_rule_checked(root: Value, seed: float, sites: dict[Value, str]) -> None:
    """`_chain_rule` in anomaly mode: stop at the first contribution that is nan or inf."""
    root._g = seed
    for node in _kahn_order(root):
        g = node._g
        node._g = 0.0
        node.grad += g
        for parent, local in zip(node.parents, node.local_grads):
            step = local * g
            if not math.isfinite(step) and math.isfinite(g):
                raise FloatingPointError(anomaly_report("backward", node, local, g, sites))
            parent._g += step


def anomaly_report(what: str, node: Value, local: Any, g: Any, sites: dict[Value, str]) -> str:
    """The message of detect_anomaly(): which node's contribution went non-finite, and where it was made."""
    where = sites.get(node, "(made outside detect_anomaly())")
    operands = ", ".join(f"{p.data!r}" for p in node.parents)
    return (
        f"{what}: the gradient passed down by {node.op!r} (value {node.data!r}, operands {operands}) "
        f"is {float(local) * float(g)!r}: local derivative {float(local)!r} times upstream gradient "
        f"{float(g)!r}.\n  The node was made at {where}"
    )


def _kahn_order(root: Value) -> Iterator[Value]:
    """The nodes in `_chain_rule`'s order (consumer counts already set), releasing each parent's count."""
    ready = [root]
    while ready:
        node = ready.pop()
        yield node
        for parent in node.parents:
            parent._n -= 1
            if not parent._n:
                ready.append(parent)


def _reset(nodes: list[Value]) -> None:
    for node in nodes:
        node._n = 0
        node._g = 0.0


def backward_order(root: Value) -> list[Value]:
    """Every node below root, each listed before the nodes it was computed from (root first).

    This is the order in which `backward()` applies the chain rule (Kahn's algorithm: a node
    comes once all its consumers have come), found iteratively: graphs millions of nodes deep
    are fine. It depends on the graph's shape alone.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_order: expected a Value, got {type(root).__name__}: {root!r}")
    with _graph_lock:
        nodes = _count_consumers(root)
        try:
            order = list(_kahn_order(root))
        finally:
            _reset(nodes)
    return order


def rule_operands(node: Value) -> tuple[Any, Any]:
    """The (x, y) a node's rule was evaluated on, as Values: y is the second parent, the constant or None.

    For an n-ary node x is the tuple of parents.
    """
    if node._x is None:
        return node._y, None
    return node._x, (node._y if node._y is not None else node._arg)


class RuleEscapesGraphError(TypeError):
    """A rule evaluated on Values turned one into a float: its derivative would silently lose terms."""

    def __init__(self, op: str, how: str) -> None:
        super().__init__(
            f"the rule of {op!r} {how}, so its derivative would leave the graph and higher-order "
            f"derivatives would be silently wrong. Write it with m's functions (m.exp, m.log, ...) "
            f"and arithmetic on its arguments, never math.* or float()."
        )
        self.op = op


def evaluating_rule(op: str) -> _ThreadSetting:
    """A block in which a Value converted to float raises `RuleEscapesGraphError` naming op."""
    return _ThreadSetting("rule_op", lambda _: op)


def _data(what: str, x: Operand) -> float:
    return x.data if isinstance(x, Value) else _as_number(f"comparison {what}", x)


def _clone(node: Value, parents: tuple[Value, ...]) -> Value:
    """A node like ``node`` (value, grad, label, operation, local derivatives) over the given parents."""
    copy = _new_value(type(node))
    copy.data, copy.grad, copy.label = node.data, node.grad, node.label
    copy._op, copy._arg, copy._g, copy._n = node._op, node._arg, 0.0, 0
    _link(copy, parents, node.local_grads, node._x is None and bool(parents))
    return copy


def _link(node: Value, parents: tuple[Value, ...], local_grads: tuple[Any, ...], n_ary: bool) -> None:
    """Store parents and local derivatives in the node's slots (see the module docstring)."""
    node._x = node._y = node._dx = node._dy = None
    if n_ary:
        node._y, node._dy = parents, local_grads
    elif parents:
        node._x, node._dx = parents[0], local_grads[0]
        if len(parents) == 2:
            node._y, node._dy = parents[1], local_grads[1]


def _leaf(cls: type[Value], data: float, grad: float, label: str) -> Value:
    """A new leaf, made without __init__'s checks (the data is known to be a float): nodes start so."""
    leaf = _new_value(cls)
    leaf.data, leaf.grad, leaf.label = data, grad, label
    leaf._op, leaf._arg, leaf._g, leaf._n = "", None, 0.0, 0
    _link(leaf, (), (), False)
    return leaf


def _graph(items: list[Any]) -> Value:
    """Unpickle a graph from `Value.__reduce__`'s list (parents before children); return its root."""
    nodes: list[Value] = []
    for item in items:
        if isinstance(item, Value):
            nodes.append(item)
            continue
        data, grad, label, op, arg, parents, local_grads, n_ary = item
        node = _leaf(Value, data, grad, label)
        node._op, node._arg = op, arg
        _link(node, tuple(nodes[i] for i in parents), tuple(local_grads), n_ary)
        nodes.append(node)
    return nodes[-1]


def value_sum(values: Iterable[Operand]) -> Value:
    """One node adding all values left to right: n parents, local derivatives all 1.

    Gives the numbers of the chain ``v0 + v1 + ...`` (and of builtin ``sum``) but a graph one node
    deep instead of n, for backward(), grad(create_graph=True), compile_graph and pictures alike.
    Numbers among the values become leaf Values. An empty list gives a leaf Value(0.0).
    """
    if isinstance(values, Value) or not isinstance(values, Iterable):
        raise TypeError(f"sum: expected an iterable of Values, got {type(values).__name__}: {values!r}")
    operands = tuple(v if isinstance(v, Value) else Value(_as_number("sum", v)) for v in values)
    if not operands:
        return Value(0.0)
    forward, local = RULES["sum"]
    data = tuple(v.data for v in operands)
    out = forward(FloatMath, data, None)
    node = _leaf(Value, out, 0.0, "")
    if _open_blocks and not _note_creation(node):
        return node
    node._op = "sum"
    _link(node, operands, local(FloatMath, data, None, out), True)
    return node


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
    def checked_local(m: Any, x: Any, y: Any, out: Any) -> tuple[Any, ...]:
        derivatives = tuple(local(m, x, y, out))
        if len(derivatives) != (1 if y is None else 2):
            raise ValueError(
                f"{name}: local must return {1 if y is None else 2} derivative(s), one per operand, "
                f"got {len(derivatives)}: {derivatives!r}"
            )
        return derivatives

    checked: Rule = (forward, checked_local)

    def apply(x: Operand, y: Operand | None = None) -> Value:
        operands = [v if isinstance(v, Value) else Value(_as_number(name, v))
                    for v in (x, y) if v is not None]
        second = operands[1] if y is not None else None
        node = _record(name, checked, operands[0], second, None if second is None else second.data, None)
        if not isinstance(node.data, float):
            got = f"{type(node.data).__name__}: {node.data!r}"
            raise TypeError(f"{name}: forward must return a float, got {got}")
        return node

    apply.__name__ = apply.__qualname__ = name
    RULES[name] = (forward, local)
    USER_OPS.add(name)
    return apply


USER_OPS: set[str] = set()  # operations added by define_op (their rules are checked harder)
