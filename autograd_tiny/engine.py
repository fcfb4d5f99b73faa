"""The scalar reverse-mode engine: the derivative rules, `Value`, and `backward()`.

Every operation makes a new `Value` that remembers its parents and the local derivative of its
result with respect to each parent. `backward()` then applies the chain rule,
``parent.grad += local * node.grad``, walking the graph from the output back (Kahn's algorithm).

Read it top to bottom: `RULES` (each operation's value and local derivatives, written once and
generic in a maths namespace ``m``), `Value` (each method records one rule), making a node, and
the walk. The rules run on floats here (``m = FloatMath``, with `floatmath.DOMAIN` refusing the
points with no real value); on Values in `grad(create_graph=True)`; on symbols that print code in
`compile_graph` and in tools/write_fast_ops.py, which writes `fast_ops.py`: Value's arithmetic
as straight-line code, installed at import and tested equal to the plain methods below.
`graph_copy.py` installs copying and pickling; `modes.py` holds the ``with`` blocks.

A node keeps up to two parents and their local derivatives in flat slots (``_x``, ``_dx``,
``_y``, ``_dy``); an n-ary node (`sum`) keeps tuples of them in ``_y`` and ``_dy`` with ``_x``
None. ``_g`` and ``_n`` are the walk's scratch space: this call's gradient, consumers to come.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from autograd_tiny import modes
from autograd_tiny.checks import as_number, is_real
from autograd_tiny.floatmath import DOMAIN, MASKED, FloatMath
from autograd_tiny.modes import (  # noqa: F401  (importable from the engine, as before)
    RuleEscapesGraphError,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)

Number: TypeAlias = "int | float | numbers.Real"
Operand: TypeAlias = "Value | int | float | numbers.Real"
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
    "relu": (lambda m, x, _: m.relu(x),   lambda m, x, _, out: (m.step(x),)),
    "sin":  (lambda m, x, _: m.sin(x),    lambda m, x, _, out: (m.cos(x),)),
    "cos":  (lambda m, x, _: m.cos(x),    lambda m, x, _, out: (-m.sin(x),)),
    "abs":  (lambda m, x, _: m.abs(x),    lambda m, x, _, out: (m.sign(x),)),
    # relu's and abs's derivatives, as operations: in a graph of a gradient they stay a branch,
    # taken anew wherever the graph is evaluated (compiled, replayed). Flat: their slope is 0.
    # relu is flat below 0, so its derivative there is a MASKED 0: 0 times anything, inf included.
    "step": (lambda m, x, _: m.step(x),   lambda m, x, _, out: (MASKED,)),
    "sign": (lambda m, x, _: m.sign(x),   lambda m, x, _, out: (0.0,)),
    # n-ary: x is the tuple of operands, added left to right; each local derivative is 1.
    "sum":  (lambda m, xs, _: m.sum(xs),  lambda m, xs, _, out: (1.0,) * len(xs)),
}  # fmt: skip

# Nodes grad(create_graph=True) makes for a derivative that holds only in the case chosen where it was
# taken (pow's conventions at 0, a rule comparing its operands): no rule, so never replayed elsewhere.
CHOSEN_CASES = frozenset({"held", "case"})

# The operations with a number operand, and the operation on two Values each is a case of.
NUMBER_OPS = {"+k": "+", "-k": "-", "k-": "-", "*k": "*", "/k": "/", "k/": "/", "**k": "**", "k**": "**"}


def _is_zero(x: Any) -> bool:
    """x == 0 by value, for a float or a Value (whose == is identity)."""
    return not (x > 0 or x < 0) and x >= 0


def in_order(op: str, x: Any, y: Any) -> tuple[Any, Any]:
    """The operands as the maths reads them: (k, x) when op's number stands first ("k-": k - x)."""
    return (y, x) if op[0] == "k" and op in NUMBER_OPS else (x, y)


def rule_operands(node: Value) -> tuple[Any, Any]:
    """The (x, y) node's rule was evaluated on, as Values: y is the second parent, the constant or None.

    For an n-ary node x is the tuple of parents.
    """
    if node._x is None:
        return node._y, None
    return node._x, (node._y if node._y is not None else node._arg)


def _unary(op: str, doc: str) -> Callable[[Value], Value]:
    """The method of a one-operand operation: it records RULES[op] on self."""

    def method(self: Value) -> Value:
        return record(op, self)

    method.__name__, method.__doc__ = op, doc
    return method


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
    _arg: float | None  # the constant of a number operation ("*k": x * k)
    _x: Value | None  # first parent
    _y: Any  # second parent, or an n-ary node's tuple of parents
    _dx: Any  # d self / d _x
    _dy: Any  # d self / d _y, or the tuple of an n-ary node's local derivatives
    _g: float  # scratch for backward(): this call's gradient
    _n: int  # scratch for the walk: consumers that have not passed their gradient yet
    _id: int  # set only while record_creation_order() is open

    def __init__(self, data: Number, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value(): label must be a string, got {type(label).__name__}: {label!r}")
        _set_leaf(self, as_number("Value()", data), 0.0, label)
        if modes.open_blocks:
            modes.note_creation(self)

    # ---- how this value was made (read-only) -------------------------------------------------

    @property
    def rule(self) -> str:
        """The RULES key of the operation that made this value: '*', '*k', 'tanh'; '' for a leaf."""
        return self._op

    @property
    def constant(self) -> float | None:
        """The number folded into a number operation ('*k' is x * k), else None."""
        return self._arg

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

    # ---- arithmetic: each method records one rule ------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        return _binary("+", "+k", self, other)

    def __sub__(self, other: Operand) -> Value:
        return _binary("-", "-k", self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary("-", "k-", self, other, reflected=True)

    def __mul__(self, other: Operand) -> Value:
        return _binary("*", "*k", self, other)

    def __truediv__(self, other: Operand) -> Value:
        return _binary("/", "/k", self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary("/", "k/", self, other, reflected=True)

    def __pow__(self, other: Operand) -> Value:
        return _binary("**", "**k", self, other)

    def __rpow__(self, other: Operand) -> Value:
        return _binary("**", "k**", self, other, reflected=True)

    __radd__, __rmul__ = __add__, __mul__

    __neg__ = _unary("neg", "-self")

    def __pos__(self) -> Value:
        return self

    def pow(self, exponent: Operand) -> Value:
        """self ** exponent (PyTorch's name)."""
        return self.__pow__(exponent)

    exp = _unary("exp", "e ** self; inf past about 709.78, as in IEEE arithmetic.")
    log = _unary("log", "Natural logarithm; ValueError for self <= 0.")
    sqrt = _unary("sqrt", "Square root; ValueError for self < 0 (the gradient at 0 is inf, as PyTorch).")
    tanh = _unary("tanh", "Hyperbolic tangent; derivative 1 - tanh^2.")
    sigmoid = _unary("sigmoid", "1 / (1 + e^-self); derivative s (1 - s).")
    relu = _unary("relu", "max(self, 0); derivative 0 at 0, as in PyTorch.")
    sin = _unary("sin", "Sine; derivative cos.")
    cos = _unary("cos", "Cosine; derivative -sin.")
    abs = _unary("abs", "|self|; derivative 0 at 0, as in PyTorch.")
    __abs__ = abs

    # ---- comparisons: on .data, building no graph; == stays identity so Values hash -----------
    # A rule that compares its operands picks a case by their values (`modes.note_comparison`).

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
        op = modes.rule_being_evaluated()
        if op is not None:
            raise RuleEscapesGraphError(op, "turns a Value into a float (math.* on a Value, float(x))")
        return self.data

    # ---- backward ------------------------------------------------------------------------------

    def backward(self, gradient: Number = 1.0) -> None:
        """Add d(self)/d(node) * gradient to ``node.grad`` for every node of the graph below self.

        Gradients accumulate, as in PyTorch with a retained graph: calling backward() twice
        doubles every grad, so call ``zero_grad()`` between steps. ``gradient`` seeds the root
        (PyTorch's keyword), 1 by default.
        """
        seed = as_number("backward: gradient", gradient)
        _walk(self, seed, modes.anomaly_sites())


# ---- making nodes -------------------------------------------------------------------------------


def _binary(op: str, op_k: str, x: Value, other: object, reflected: bool = False) -> Value:
    """x op other (other op x if reflected): op's node with another Value, op_k's with a number."""
    if isinstance(other, Value):
        return record(op, other, x) if reflected else record(op, x, other)
    if is_real(other):
        return record(op_k, x, as_number(op, other))
    refused: Value = refuse(op, other)  # NotImplemented, for Python to ask the other operand
    return refused


def record(op: str, x: Value, y: Value | float | None = None, ieee: bool = False) -> Value:
    """Evaluate RULES[op] on x and y (a Value, a number or None) and make the node remembering how.

    Under no_grad() the node is a leaf: it records neither parents nor local derivatives. With
    ``ieee`` a point the operation refuses gets IEEE's answer instead (inf at a pole), as a rule's
    derivative on floats does.
    """
    a = x.data
    b = y.data if isinstance(y, Value) else y
    check = None if ieee else DOMAIN.get(NUMBER_OPS.get(op, op))
    if check is not None:
        check(*in_order(op, a, b))
    forward, local = RULES[op]
    out = forward(FloatMath, a, b)
    node = new_node(out)
    if modes.open_blocks and not modes.note_creation(node):
        return node
    if isinstance(y, Value):
        link(node, op, None, (x, y), local(FloatMath, a, b, out))
    else:
        link(node, op, y, (x,), local(FloatMath, a, b, out))
    return node


def new_node(data: float, grad: float = 0.0, label: str = "", cls: type[Value] | None = None) -> Value:
    """A new leaf (of Value, or cls) holding a float already checked: every node starts so, then
    `link` records its operation."""
    node = object.__new__(cls or Value)
    _set_leaf(node, data, grad, label)
    return node


def _set_leaf(node: Value, data: float, grad: float, label: str) -> None:
    node.data, node.grad, node.label = data, grad, label
    node._op, node._arg, node._g, node._n = "", None, 0.0, 0
    node._x = node._y = node._dx = node._dy = None


def link(
    node: Value, op: str, arg: float | None, parents: tuple[Value, ...], local_grads: Sequence[Any]
) -> None:
    """Record that node was made by op (with constant arg) from parents, in the slots (module docstring)."""
    node._op, node._arg = op, arg
    if op == "sum" or len(parents) > 2:
        node._y, node._dy = parents, tuple(local_grads)
    elif parents:
        node._x, node._dx = parents[0], local_grads[0]
        if len(parents) == 2:
            node._y, node._dy = parents[1], local_grads[1]


def unrecorded(node: Value) -> Value:
    """node as a leaf again (an operation under no_grad())."""
    node._op, node._arg = "", None
    node._x = node._y = node._dx = node._dy = None
    return node


def refuse(symbol: str, other: object) -> Any:
    """NotImplemented for types Python should ask next; TypeError for bools, arrays and complex numbers."""
    if isinstance(other, (bool, numbers.Number)) or hasattr(other, "__array__"):
        raise TypeError(f"{symbol}: cannot combine a Value with {type(other).__name__}: {other!r}")
    return NotImplemented


def _data(what: str, x: Operand) -> float:
    """The number a comparison reads; inside a rule evaluated on Values, note that it chose a case."""
    if modes.open_blocks:
        modes.note_comparison()
    return x.data if isinstance(x, Value) else as_number(f"comparison {what}", x)


# ---- the backward walk ----------------------------------------------------------------------------

# One walk at a time: the walk keeps scratch numbers on the nodes, and threads may share nodes
# (a model's parameters). The interpreter runs one thread at a time anyway.
_graph_lock = threading.RLock()


def backward_order(root: Value) -> list[Value]:
    """Every node below root, each listed before the nodes it was computed from (root first).

    This is the order of `backward()`, `grad`, forward mode, the step pictures and compiled code;
    it depends on the graph's shape alone, and is found iteratively: graphs millions deep are fine.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_order: expected a Value, got {type(root).__name__}: {root!r}")
    return _walk(root, None, None)


def _walk(root: Value, seed: float | None, sites: dict[Any, str] | None) -> list[Value]:
    """Kahn's algorithm: a node comes once all its consumers have come. Returns the nodes in that order.

    With a seed (`backward()`), each node's gradient is complete when it comes, so on the way the
    walk adds it to ``.grad`` and passes ``local * gradient`` to each parent: the chain rule. This
    call's gradients wait in ``_g``. Parent slots are read one by one: a node costs no tuple.
    """
    with _graph_lock:
        _count_consumers(root)
        order: list[Value] = []
        ready = [root]
        take, pop, release = order.append, ready.pop, ready.append
        chain_rule = seed is not None
        if seed is not None:
            root._g = seed
        g = 0.0
        try:
            while ready:
                node = pop()
                take(node)
                if chain_rule:
                    g = node._g
                    node._g = 0.0
                    node.grad += g
                    if sites is not None:
                        _check_contributions(node, g, sites)
                x = node._x
                if x is not None:
                    if chain_rule:
                        x._g += node._dx * g
                    x._n -= 1
                    if not x._n:
                        release(x)
                    x = node._y
                    if x is not None:
                        if chain_rule:
                            x._g += node._dy * g
                        x._n -= 1
                        if not x._n:
                            release(x)
                elif node._y is not None:  # n-ary
                    for x, local in zip(node._y, node._dy):
                        if chain_rule:
                            x._g += local * g
                        x._n -= 1
                        if not x._n:
                            release(x)
        except BaseException:  # an anomaly, a KeyboardInterrupt: leave no scratch number behind
            _reset(root)
            raise
    return order


def _count_consumers(root: Value) -> None:
    """Set each node's ``_n`` to its number of consumers below root (depth first, no recursion)."""
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        x = node._x
        if x is not None:
            if not x._n:
                push(x)
            x._n += 1
            x = node._y
            if x is not None:
                if not x._n:
                    push(x)
                x._n += 1
        elif node._y is not None:  # n-ary
            for x in node._y:
                if not x._n:
                    push(x)
                x._n += 1


def _reset(root: Value) -> None:
    """Clear the walk's scratch numbers below root, after an exception stopped a walk midway."""
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        node._n, node._g = 0, 0.0
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)


def _check_contributions(node: Value, g: float, sites: dict[Any, str]) -> None:
    """detect_anomaly(): refuse a contribution that turns a finite gradient into nan or inf."""
    for parent, local in zip(node.parents, node.local_grads):
        modes.check_contribution("backward", node, parent, local, g, parent._g, sites)
