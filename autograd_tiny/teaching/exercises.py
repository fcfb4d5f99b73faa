"""Checks for the notebooks' exercises: each runs a learner's answer against autograd_tiny.

A check returns None when the answer is right and raises `ExerciseError` otherwise, naming the
first thing that is wrong (which node, which input, which point) with the expected and the
received value, so a learner knows where to look. An answer still left as ``...`` is reported as
not answered yet. Only the standard library and autograd_tiny itself are imported.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from autograd_tiny.autodiff.grad import grad
from autograd_tiny.checks import is_real
from autograd_tiny.engine import Value, backward_order

Point = Sequence[float]


class ExerciseError(AssertionError):
    """The answer to an exercise is not right yet; the message says where and by how much."""


# ---- shared pieces ------------------------------------------------------------------------------


def _require_answer(name: str, got: object) -> None:
    """Reject an answer still left as the starter's ``...`` (or a function body that returned None)."""
    if got is Ellipsis or got is None:
        left = "`...`" if got is Ellipsis else "None (a body still left as `...` returns None)"
        raise ExerciseError(f"{name}: not answered yet, got {left}; replace the `...` with your answer")


def _require_callable(name: str, fn: object) -> Callable[..., Any]:
    _require_answer(name, fn)
    if not callable(fn):
        raise ExerciseError(f"{name}: expected a function, got {type(fn).__name__}: {fn!r}")
    return fn


def _number(name: str, got: object) -> float:
    _require_answer(name, got)
    if isinstance(got, Value):
        raise ExerciseError(f"{name}: expected a plain number, got a Value ({got!r}); use its .data")
    if not is_real(got):
        raise ExerciseError(f"{name}: expected a number, got {type(got).__name__}: {got!r}")
    return float(got)


def _close(got: float, expected: float, rel_tol: float, abs_tol: float) -> bool:
    if math.isnan(expected):
        return math.isnan(got)
    return math.isclose(got, expected, rel_tol=rel_tol, abs_tol=abs_tol)


def _call(name: str, fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args), with an exception from the learner's code reported as an ExerciseError naming it."""
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except Exception as err:
        shown = ", ".join(_show(a) for a in args)
        hint = " (is a function of yours still returning None?)" if "NoneType" in str(err) else ""
        raise ExerciseError(f"{name}({shown}) raised {type(err).__name__}: {err}{hint}") from err


def _show(x: object) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, Value):
        return f"Value({x.data:.6g})"
    if callable(x):
        return getattr(x, "__name__", "a function")
    return repr(x)


def check_close(
    name: str, got: object, expected: float, *, rel_tol: float = 1e-6, abs_tol: float = 1e-9
) -> None:
    """A number within rel_tol (relative) or abs_tol (absolute) of expected."""
    value = _number(name, got)
    if not _close(value, expected, rel_tol, abs_tol):
        raise ExerciseError(
            f"{name}: expected {expected:.10g}, got {value:.10g} (off by {value - expected:.3g})"
        )


def check_all_close(
    name: str, got: object, expected: object, *, rel_tol: float = 1e-6, abs_tol: float = 1e-9
) -> None:
    """Nested lists of numbers of the same shape as expected, entry by entry; names the first wrong index."""
    _require_answer(name, got)
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            raise ExerciseError(
                f"{name}: expected a list of {len(expected)}, got {type(got).__name__}: {got!r}"
            )
        if len(got) != len(expected):
            raise ExerciseError(f"{name}: expected {len(expected)} entries, got {len(got)}")
        for i, (g, e) in enumerate(zip(got, expected)):
            check_all_close(f"{name}[{i}]", g, e, rel_tol=rel_tol, abs_tol=abs_tol)
    else:
        check_close(name, got, float(expected), rel_tol=rel_tol, abs_tol=abs_tol)  # type: ignore[arg-type]


def check_equal(name: str, got: object, expected: object) -> None:
    """Exactly the expected answer (a count, a choice, a list of steps)."""
    _require_answer(name, got)
    if got != expected:
        raise ExerciseError(f"{name}: expected {expected!r}, got {got!r}")


def check_function(
    name: str,
    fn: object,
    reference: Callable[..., float],
    points: Sequence[Point],
    *,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
) -> None:
    """fn(*point) equals reference(*point) at every point; names the first point where it does not."""
    f = _require_callable(name, fn)
    for point in points:
        shown = ", ".join(_show(p) for p in point)
        check_close(
            f"{name}({shown})", _call(name, f, *point), reference(*point), rel_tol=rel_tol, abs_tol=abs_tol
        )


def _values_and_grads(name: str, fn: Callable[..., Any], point: Point) -> tuple[float, list[float], Value]:
    """fn on fresh leaves at point: its value, d value / d leaf for each leaf, and the output node."""
    leaves = [Value(p) for p in point]
    out = _call(name, fn, *leaves)
    _require_answer(f"{name}{tuple(point)}", out)
    if not isinstance(out, Value):
        raise ExerciseError(f"{name} must return a Value, got {type(out).__name__}: {out!r}")
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
    f = _require_callable(name, fn)
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


def check_nth_derivative(
    name: str, fn: object, n: int, reference: Callable[[float], float], points: Sequence[float]
) -> None:
    """The n-th derivative of fn (Value -> Value), through grad(create_graph=True), equals reference."""
    f = _require_callable(name, fn)
    for x in points:
        got = _call(f"the derivative of order {n} of {name}", nth_derivative, f, x, n)
        check_close(f"derivative of order {n} of {name} at {x:g}", got, reference(x), rel_tol=1e-7)


# ---- notebook 0: a Value of your own ------------------------------------------------------------


class _Node:
    """One node of a test expression, built with both the learner's class and autograd_tiny's."""

    def __init__(self, name: str, mine: Any, ours: Value) -> None:
        self.name, self.mine, self.ours = name, mine, ours


def _make(cls: object, data: float) -> Any:
    make = _require_callable("Value", cls)
    return _call("Value", make, data)


def _attribute(node: _Node, attr: str) -> Any:
    if not hasattr(node.mine, attr):
        raise ExerciseError(f"{node.name}: your Value has no attribute {attr!r}; set self.{attr} in __init__")
    return getattr(node.mine, attr)


def _same_data(node: _Node) -> None:
    check_close(f"{node.name}: data", _attribute(node, "data"), node.ours.data, rel_tol=1e-9)


def _same_local_grads(node: _Node, parents: Sequence[_Node]) -> None:
    """The learner's node lists parents as expected, with the expected local derivative for each."""
    mine_parents = tuple(_attribute(node, "parents"))
    mine_locals = tuple(_attribute(node, "local_grads"))
    if len(mine_locals) != len(mine_parents):
        raise ExerciseError(
            f"{node.name}: {len(mine_parents)} parents but {len(mine_locals)} local_grads; one per parent"
        )
    for parent in parents:
        where = [i for i, p in enumerate(mine_parents) if p is parent.mine]
        if not where:
            raise ExerciseError(f"{node.name}: {parent.name} is not among its parents")
        expected = node.ours.local_grads[node.ours.parents.index(parent.ours)]
        check_close(
            f"{node.name}: local derivative with respect to {parent.name}",
            mine_locals[where[0]],
            expected,
            rel_tol=1e-9,
        )


def _leaves(cls: object, values: Sequence[float]) -> list[_Node]:
    names = "abcdefgh"
    leaves = [_Node(f"leaf {names[i]}", _make(cls, v), Value(v)) for i, v in enumerate(values)]
    for leaf in leaves:
        _same_data(leaf)
        check_close(f"{leaf.name}: grad of a new Value", _attribute(leaf, "grad"), 0.0)
        for attr in ("parents", "local_grads"):
            if tuple(_attribute(leaf, attr)) != ():
                raise ExerciseError(
                    f"{leaf.name}: a new Value should have no {attr}, got {_attribute(leaf, attr)!r}"
                )
    return leaves


def _apply(name: str, op: Callable[..., Any], *nodes: _Node) -> _Node:
    mine = _call(name, op, *[n.mine for n in nodes])
    if mine is None or mine is Ellipsis:
        raise ExerciseError(f"{name}: returned {mine!r}; the operation must return a new Value")
    node = _Node(name, mine, op(*[n.ours for n in nodes]))
    _same_data(node)
    return node


def check_value_basics(cls: object) -> None:
    """Step 1: Value(data) holds data, grad 0, no parents; + and * record parents and local derivatives."""
    a, b = _leaves(cls, [2.0, -3.0])
    for name, op in [("a + b", lambda x, y: x + y), ("a * b", lambda x, y: x * y)]:
        node = _apply(name, op, a, b)
        _same_local_grads(node, [a, b])
    for name, op1 in [("a + 1.5", lambda x: x + 1.5), ("a * 4.0", lambda x: x * 4.0)]:
        node = _apply(name, op1, a)  # a number on the right: wrap it in a Value (or fold it in)
        _same_local_grads(node, [a])


def check_operations(cls: object) -> None:
    """Step 2: tanh, exp and ** a number record local derivatives; -, / and numbers on the left work."""
    (a, b) = _leaves(cls, [0.7, -1.3])
    for name, op in [
        ("a.tanh()", lambda x: x.tanh()),
        ("a.exp()", lambda x: x.exp()),
        ("a ** 3", lambda x: x**3),
        ("a ** -1", lambda x: x**-1),
    ]:
        _same_local_grads(_apply(name, op, a), [a])
    for name, op2 in [("a - b", lambda x, y: x - y), ("a / b", lambda x, y: x / y)]:
        _apply(name, op2, a, b)
    for name, op in [
        ("-a", lambda x: -x),
        ("2 + a", lambda x: 2 + x),
        ("2 * a", lambda x: 2 * x),
        ("2 - a", lambda x: 2 - x),
        ("2 / a", lambda x: 2 / x),
    ]:
        _apply(name, op, a)


def _test_graph(cls: object) -> tuple[list[_Node], _Node]:
    """A small graph with shared nodes, built with + and * only: every node and the root."""
    a, b, c = _leaves(cls, [1.5, -2.0, 0.5])
    d = _apply("d = a * b", lambda x, y: x * y, a, b)
    e = _apply("e = d + c", lambda x, y: x + y, d, c)
    f = _apply("f = d * e", lambda x, y: x * y, d, e)
    g = _apply("g = f + a", lambda x, y: x + y, f, a)
    return [a, b, c, d, e, f, g], g


def check_topological_sort(order: object, cls: object) -> None:
    """Step 3: order(root) lists every node below root once, each after all of its parents."""
    fn = _require_callable("topological_order", order)
    nodes, root = _test_graph(cls)
    got = _call("topological_order", fn, root.mine)
    _require_answer("topological_order(g)", got)
    if not isinstance(got, (list, tuple)):
        raise ExerciseError(f"topological_order(g): expected a list of nodes, got {type(got).__name__}")
    names = {id(n.mine): n.name for n in nodes}
    position: dict[int, int] = {}
    for i, item in enumerate(got):
        if id(item) not in names:
            raise ExerciseError(f"topological_order(g): item {i} is not a node of g's graph: {item!r}")
        if id(item) in position:
            raise ExerciseError(
                f"topological_order(g): {names[id(item)]} is listed twice (positions "
                f"{position[id(item)]} and {i}); remember which nodes you have visited"
            )
        position[id(item)] = i
    for node in nodes:
        if id(node.mine) not in position:
            raise ExerciseError(f"topological_order(g): {node.name} is missing from the list")
    for node in nodes:
        for parent in node.mine.parents:
            if position[id(parent)] > position[id(node.mine)]:
                raise ExerciseError(
                    f"topological_order(g): {node.name} comes at position {position[id(node.mine)]}, "
                    f"before its parent {names[id(parent)]} (position {position[id(parent)]}); "
                    "add a node only after all of its parents"
                )


def _random_expression(cls: object, seed: int) -> list[_Node]:
    """Leaves and about ten operations chosen at random (reusing nodes), with both classes side by side."""
    rng = random.Random(seed)
    nodes = _leaves(cls, [round(rng.uniform(-1.5, 1.5), 2) for _ in range(3)])
    binary: list[tuple[str, Callable[..., Any]]] = [
        ("+", lambda x, y: x + y),
        ("*", lambda x, y: x * y),
        ("-", lambda x, y: x - y),
    ]
    unary: list[tuple[str, Callable[..., Any]]] = [
        ("tanh", lambda x: x.tanh()),
        ("exp", lambda x: x.exp()),
        ("**2", lambda x: x**2),
    ]
    while len(nodes) < 13:
        k = len(nodes) - 3
        args: tuple[_Node, ...]
        if rng.random() < 0.6:
            (sym, op), x, y = rng.choice(binary), rng.choice(nodes), rng.choice(nodes)
            name, args = f"node {k} = ({x.name}) {sym} ({y.name})", (x, y)
        else:
            (sym, op), x = rng.choice(unary), rng.choice(nodes)
            name, args = f"node {k} = {sym}({x.name})", (x,)
        if abs(op(*[n.ours for n in args]).data) > 20:  # keep exp and ** in a tame range
            continue
        nodes.append(_apply(name.replace("(leaf ", "(").replace("(node ", "(n"), op, *args))
    return nodes


def check_backward(cls: object) -> None:
    """Step 4: root.backward() gives every node autograd_tiny's gradient, on random expressions."""
    for seed in range(6):
        nodes = _random_expression(cls, seed)
        root = nodes[-1]
        backward = getattr(root.mine, "backward", None)
        if backward is None:
            raise ExerciseError("your Value has no backward() method")
        _call(f"({root.name}).backward", backward)
        root.ours.backward()
        for node in sorted(nodes, key=lambda n: -nodes.index(n)):  # the output end first: errors start there
            got = _attribute(node, "grad")
            check_close(
                f"expression {seed}, {node.name}: grad after backward() (autograd_tiny's is expected)",
                got,
                node.ours.grad,
                rel_tol=1e-9,
                abs_tol=1e-12,
            )


# ---- notebook 1: gradients by hand ----------------------------------------------------------------


def chain_rule_grads(root: Value) -> dict[Value, float]:
    """d root / d node for every node below root, from the recorded local derivatives (no .grad touched)."""
    order = backward_order(root)
    grads = dict.fromkeys(order, 0.0)
    grads[root] = 1.0
    for node in order:
        for parent, local in zip(node.parents, node.local_grads):
            grads[parent] += local * grads[node]
    return grads


def _node_name(node: Value, index: int) -> str:
    return (
        repr(node.label) if node.label else f"the node made by {node.op!r} (number {index} from the output)"
    )


def check_manual_grads(root: Value) -> None:
    """Each .grad below root, set by hand, is d root / d node; names the first wrong node from the output."""
    if not isinstance(root, Value):
        raise ExerciseError(f"check_manual_grads: expected the output Value, got {type(root).__name__}")
    expected = chain_rule_grads(root)
    for i, node in enumerate(backward_order(root)):
        if not _close(node.grad, expected[node], 1e-6, 1e-9):
            unset = " (still 0: not filled in yet?)" if node.grad == 0.0 else ""
            raise ExerciseError(
                f"{_node_name(node, i)}: .grad should be {expected[node]:.6g}, got {node.grad:.6g}{unset}"
            )


def check_backward_from_scratch(fn: object) -> None:
    """fn(root) resets every gradient below root, then runs backward(): two calls give the same grads."""
    f = _require_callable("backward_from_scratch", fn)
    x1, w1, b = Value(2.0, label="x1"), Value(-0.5, label="w1"), Value(0.3, label="b")
    out = (x1 * w1 + b).tanh()
    out.label = "out"
    expected = chain_rule_grads(out)
    for call in ("first", "second"):
        _call("backward_from_scratch", f, out)
        for i, node in enumerate(backward_order(out)):
            if not _close(node.grad, expected[node], 1e-9, 1e-12):
                raise ExerciseError(
                    f"after the {call} call, {_node_name(node, i)} has .grad {node.grad:.6g}, "
                    f"expected {expected[node]:.6g}: backward() adds to .grad, so reset every node first"
                )


def check_saturated_neuron(inputs: object) -> None:
    """inputs = {x1, x2, w1, w2, b} for o = tanh(x1 w1 + x2 w2 + b) with |x1| >= 0.5 and |w1.grad| < 1e-4."""
    _require_answer("inputs", inputs)
    names = ["x1", "x2", "w1", "w2", "b"]
    if not isinstance(inputs, dict) or sorted(inputs) != sorted(names):
        raise ExerciseError(f"inputs: expected a dict with the keys {names}, got {inputs!r}")
    vx1, vx2, vw1, vw2, vb = (Value(_number(name, inputs[name])) for name in names)
    n = vx1 * vw1 + vx2 * vw2 + vb
    o = n.tanh()
    o.backward()
    if abs(vx1.data) < 0.5:
        raise ExerciseError(f"x1 = {vx1.data:g}: keep |x1| >= 0.5, else w1.grad = x1 * n.grad is 0 trivially")
    if not abs(vw1.grad) < 1e-4:
        raise ExerciseError(
            f"w1.grad = {vw1.grad:.3g}, not yet below 1e-4: n = {n.data:.3g}, tanh'(n) = 1 - tanh(n)^2 = "
            f"{1 - o.data**2:.3g}; push |n| further out"
        )


def check_new_operation(cls: object, name: str, points: Sequence[float]) -> None:
    """cls(x).name() records autograd_tiny's value and local derivative for `name` at every point."""
    for x in points:
        (leaf,) = _leaves(cls, [x])
        method = getattr(leaf.mine, name, None)
        if method is None:
            raise ExerciseError(f"your Value has no method {name!r}; attach it: Value.{name} = ...")
        node = _apply(f"Value({x:g}).{name}()", lambda v: getattr(v, name)(), leaf)
        _same_local_grads(node, [leaf])


# ---- notebook 2: the delta rules ----------------------------------------------------------------


def _activate(x: Value, activation: str) -> Value:
    if activation not in ("sigmoid", "tanh", "relu"):
        raise ValueError(f"activation: expected 'sigmoid', 'tanh' or 'relu', got {activation!r}")
    out: Value = getattr(x, activation)()
    return out


def layer_gradients(
    W: Sequence[Sequence[Sequence[float]]],
    x_input: Sequence[float],
    target: Sequence[float],
    *,
    biases: Sequence[Sequence[float]] | None = None,
    activation: str = "sigmoid",
    cost: str = "squared",
) -> tuple[list[list[float]], list[list[list[float]]], list[list[float]]]:
    """The engine's deltas (dc/dx_n, n = 2..N), dc/dw_n and dc/db_n for notebook 2's layered network.

    y_1 = x_1 is the input, x_{n+1} = w_n y_n (+ b_n), y_n = f(x_n); cost "squared" is
    1/2 sum (y_N - t)^2, "cross_entropy" is -sum[t log y_N + (1 - t) log(1 - y_N)].
    """
    if cost not in ("squared", "cross_entropy"):
        raise ValueError(f"layer_gradients: cost must be 'squared' or 'cross_entropy', got {cost!r}")
    Wv = [[[Value(v) for v in row] for row in w] for w in W]
    bv = (
        [[Value(v) for v in b] for b in biases]
        if biases is not None
        else [[Value(0.0) for _ in w] for w in W]
    )
    y: list[Value] = [Value(v) for v in x_input]
    xs: list[list[Value]] = []
    for w, b in zip(Wv, bv):
        xs.append([sum((wji * yi for wji, yi in zip(row, y)), bj) for row, bj in zip(w, b)])
        y = [_activate(v, activation) for v in xs[-1]]
    if cost == "squared":
        c = 0.5 * sum((yk - tk) ** 2 for yk, tk in zip(y, target))
    else:
        c = -sum(tk * yk.log() + (1 - tk) * (1 - yk).log() for yk, tk in zip(y, target))
    assert isinstance(c, Value)
    c.backward()
    deltas = [[v.grad for v in layer] for layer in xs]
    return deltas, [[[v.grad for v in row] for row in w] for w in Wv], [[v.grad for v in b] for b in bv]


def check_backprop(
    name: str,
    result: object,
    W: Sequence[Sequence[Sequence[float]]],
    x_input: Sequence[float],
    target: Sequence[float],
    *,
    biases: Sequence[Sequence[float]] | None = None,
    activation: str = "sigmoid",
    cost: str = "squared",
) -> None:
    """result = (deltas, weight gradients[, bias gradients]) by the delta rules, equal to the engine's.

    result may also be a function of no arguments computing it, so that an error raised while using
    an unfinished answer is reported as such.
    """
    _require_answer(name, result)
    if callable(result):
        result = _call(name, result)
        _require_answer(name, result)
    if not isinstance(result, (list, tuple)) or len(result) not in (2, 3):
        raise ExerciseError(f"{name}: expected (deltas, weight_grads) or (deltas, weight_grads, bias_grads)")
    deltas, weights, bias_grads = layer_gradients(
        W, x_input, target, biases=biases, activation=activation, cost=cost
    )
    parts = [("deltas (delta_2 first)", deltas), ("dc/dw", weights), ("dc/db", bias_grads)]
    for (what, expected), got in zip(parts, result):
        check_all_close(f"{name}: {what}", got, expected, rel_tol=1e-7, abs_tol=1e-12)


def check_multiplication_counts(fn: object) -> None:
    """fn(sizes) = (forward, backward): multiplications in the weighted sums and in w^T delta plus dc/dw."""
    f = _require_callable("multiplications", fn)
    for sizes in ([3, 4, 3, 2], [2, 5, 1], [10, 20, 20, 5], [784, 100, 10]):
        products = [a * b for a, b in itertools.pairwise(sizes)]
        got = _call("multiplications", f, sizes)
        _require_answer(f"multiplications({sizes})", got)
        if not isinstance(got, (list, tuple)) or len(got) != 2:
            raise ExerciseError(f"multiplications({sizes}): expected a pair (forward, backward), got {got!r}")
        check_equal(f"multiplications({sizes}): forward (one per weight)", got[0], sum(products))
        check_equal(
            f"multiplications({sizes}): backward (w_n^T delta_(n+1) for n >= 2, plus one per dc/dw entry)",
            got[1],
            sum(products) + sum(products[1:]),
        )


# ---- notebook 3: the order of backward() ------------------------------------------------------


def _step_of(root: Value, node: Value) -> int:
    """The step of root.backward() at which node's own chain-rule step runs (1 = the root's)."""
    order = backward_order(root)
    if node not in order:
        raise ValueError("the node is not in the graph below the root")
    return order.index(node) + 1


def check_final_grad_frame(answer: object, root: Value, node: Value) -> None:
    """answer is the first frame of backward_steps(root) in which node's gradient is final."""
    consumers = [n for n in backward_order(root) if any(p is node for p in n.parents)]
    expected = max((_step_of(root, n) for n in consumers), default=0)
    check_equal(f"the first frame with {node.label or 'the node'}'s final gradient", answer, expected)


def check_contribution_steps(answer: object, root: Value, node: Value) -> None:
    """answer lists the steps of backward() that add to node's gradient, once per contribution."""
    expected = sorted(_step_of(root, n) for n in backward_order(root) for p in n.parents if p is node)
    name = f"the steps adding to {node.label or 'the node'}'s gradient"
    _require_answer(name, answer)
    if not isinstance(answer, (list, tuple)):
        raise ExerciseError(f"{name}: expected a list of step numbers, got {answer!r}")
    got = sorted(answer)
    if got != expected and set(got) == set(expected):
        raise ExerciseError(
            f"{name}: the right steps, but list a step once per contribution: a node that "
            f"uses {node.label or 'it'} twice sends two, expected {expected}, got {got}"
        )
    check_equal(name, got, expected)


def depth_first_order(root: Value) -> list[Value]:
    """Nodes in the order a depth-first search from root first reaches them (no sorting)."""
    seen: set[Value] = set()
    order: list[Value] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(reversed(node.parents))
    return order


def check_depth_first_order_fails(root: object) -> None:
    """root's graph has a node that a depth-first visit from root reaches before one of its consumers."""
    _require_answer("expression", root)
    if not isinstance(root, Value):
        raise ExerciseError(f"expression: expected a Value, got {type(root).__name__}")
    order = depth_first_order(root)
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            if position[parent] < position[node]:
                return
    raise ExerciseError(
        "in this expression a depth-first visit from the output reaches every node after all the nodes "
        "using it, so it happens to work; let a node be used by a short path and a longer one"
    )


def check_frame_count(predicted: object) -> None:
    """predicted(width) = the number of backward_steps frames of MLP(1, [width, 1]) on one input."""
    from autograd_tiny.nn import MLP  # only this check needs the nn module

    f = _require_callable("predicted_frames", predicted)
    for width in range(1, 7):
        out = MLP(1, [width, 1], seed=0)([Value(0.5)])
        assert isinstance(out, Value)
        check_equal(
            f"predicted_frames({width})", _call("predicted_frames", f, width), len(backward_order(out)) + 1
        )


# ---- notebooks 4 and 5: training ----------------------------------------------------------------


def check_classifier(
    model: object, X: Sequence[Sequence[float]], y: Sequence[int], *, min_accuracy: float, loss: str = "hinge"
) -> None:
    """A trained model whose accuracy on (X, y), read with loss's rule, is at least min_accuracy."""
    from autograd_tiny.train import accuracy

    _require_answer("model", model)
    if not callable(model):
        raise ExerciseError(f"model: expected a trained model, got {type(model).__name__}")
    got = accuracy(model, X, y, loss=loss)
    if got < min_accuracy:
        raise ExerciseError(f"accuracy {got:.0%} with loss={loss!r}, below the {min_accuracy:.0%} asked for")


def check_parameter_count(fn: object) -> None:
    """fn(nin, sizes) = the number of parameters of MLP(nin, sizes)."""
    from autograd_tiny.nn import MLP

    f = _require_callable("parameter_count", fn)
    for nin, sizes in [(2, [8, 8, 1]), (2, [2, 1]), (3, [4]), (5, [16, 16, 3])]:
        check_equal(
            f"parameter_count({nin}, {sizes})",
            _call("parameter_count", f, nin, sizes),
            len(MLP(nin, sizes, seed=0).parameters()),
        )


def check_epochs_to_reach(fn: object) -> None:
    """fn(accuracies, level) = the first epoch (counting from 1) whose accuracy is >= level, or None."""
    f = _require_callable("epochs_to_reach", fn)
    cases = [
        ([0.5, 0.8, 0.9, 0.95], 0.9, 3),
        ([0.95], 0.9, 1),
        ([0.5, 0.6], 0.9, None),
        ([0.9, 0.7, 0.9], 0.85, 1),
    ]
    for accuracies, level, expected in cases:
        got = _call("epochs_to_reach", f, accuracies, level)
        if got != expected:
            raise ExerciseError(f"epochs_to_reach({accuracies}, {level}): expected {expected!r}, got {got!r}")


def check_l2_penalty(fn: object) -> None:
    """fn(params, alpha) = alpha * sum(p * p), a Value whose gradient is 2 alpha p for each parameter."""
    f = _require_callable("l2_penalty", fn)
    rng = random.Random(1)
    for alpha in (1e-3, 0.5):
        point = [rng.uniform(-2, 2) for _ in range(4)]
        check_value_function(
            f"l2_penalty(params, {alpha})",
            lambda *ps, a=alpha: f(list(ps), a),
            lambda *ps, a=alpha: a * sum(p * p for p in ps),
            [point],
        )


def check_softmax(fn: object) -> None:
    """fn(logits) = the softmax probabilities of a list of floats, safe for logits of +-1000."""
    f = _require_callable("softmax", fn)
    for logits in ([2.0, -1.0, 0.5], [0.0, 0.0], [1000.0, 999.0, -1000.0], [-1000.0, -1001.0]):
        top = max(logits)
        total = sum(math.exp(z - top) for z in logits)
        got = _call("softmax", f, logits)
        check_all_close(f"softmax({logits})", got, [math.exp(z - top) / total for z in logits], rel_tol=1e-9)


def check_adam_first_step(fn: object) -> None:
    """fn(g, lr) = the change Adam's first step (default betas and eps) makes to a parameter of gradient g."""
    from autograd_tiny.optim import Adam

    f = _require_callable("adam_first_step", fn)
    for g, lr in [(0.5, 0.01), (-3.0, 0.02), (1e-4, 0.1), (250.0, 0.001)]:
        p = Value(1.0)
        p.grad = g
        Adam([p], lr=lr).step()
        check_close(
            f"adam_first_step({g:g}, {lr:g})", _call("adam_first_step", f, g, lr), p.data - 1.0, rel_tol=1e-6
        )


def check_softmax_squared_error(fn: object) -> None:
    """fn(logits, target) = sum_j (p_j - [j = target])^2 over the softmax p of a list of Values."""
    f = _require_callable("softmax_squared_error", fn)

    def reference(*zs: Value) -> Value:
        exps = [z.exp() for z in zs]
        total = sum(exps[1:], exps[0])
        return sum(((e / total - (1.0 if j == 2 else 0.0)) ** 2 for j, e in enumerate(exps)), Value(0.0))

    check_value_function(
        "softmax_squared_error",
        lambda *zs: f(list(zs), 2),
        reference,
        [[2.0, -1.0, 0.5], [0.1, 0.2, 0.3], [4.0, 0.0, -4.0]],
    )


def check_divergence_rule(fn: object) -> None:
    """fn(lr, curvature) says whether SGD on curvature / 2 * p^2 moves p ever further from 0."""
    from autograd_tiny.optim import SGD

    f = _require_callable("diverges", fn)
    for lr, curvature in [(0.1, 1.0), (1.5, 1.0), (2.5, 1.0), (0.01, 100.0), (0.03, 100.0), (0.5, 3.0)]:
        p = Value(1.0)
        optimizer = SGD([p], lr=lr)
        for _ in range(50):
            optimizer.zero_grad()
            (0.5 * curvature * p * p).backward()
            optimizer.step()
        expected = abs(p.data) > 1.0
        got = _call("diverges", f, lr, curvature)
        if got != expected:
            raise ExerciseError(
                f"diverges({lr:g}, {curvature:g}): expected {expected}, got {got!r}; 50 steps from 1 gave "
                f"{p.data:.3g} (each step multiplies p by 1 - lr * curvature = {1 - lr * curvature:g})"
            )


# ---- notebook 6: operations of your own -----------------------------------------------------------


def _central_difference(fn: Callable[[float], float], x: float, eps: float = 1e-6) -> float:
    return (fn(x + eps) - fn(x - eps)) / (2 * eps)


def _op_at(name: str, op: Callable[..., Any], x: float) -> tuple[float, float]:
    leaf = Value(x)
    out = _call(name, op, leaf)
    if not isinstance(out, Value):
        raise ExerciseError(f"{name} must return a Value, got {type(out).__name__}")
    out.backward()
    return out.data, leaf.grad


def check_unary_op(
    name: str, op: object, reference: Callable[[float], float], points: Sequence[float]
) -> None:
    """op(Value) computes reference and its derivative (by finite differences of reference) at every point."""
    f = _require_callable(name, op)
    for x in points:
        value, slope = _op_at(name, f, x)
        check_close(f"{name}({x:g})", value, reference(x), rel_tol=1e-9)
        check_close(
            f"d {name} / dx at {x:g}", slope, _central_difference(reference, x), rel_tol=1e-5, abs_tol=1e-7
        )


def check_wrong_only_away_from(name: str, op: object, reference: Callable[[float], float], at: float) -> None:
    """op's derivative agrees with reference's at `at` but is wrong somewhere in [at - 3, at + 3]."""
    f = _require_callable(name, op)
    _, slope = _op_at(name, f, at)
    check_close(
        f"d {name} / dx at {at:g} (should look right there)",
        slope,
        _central_difference(reference, at),
        rel_tol=1e-5,
        abs_tol=1e-7,
    )
    for k in range(-30, 31):
        x = at + k / 10
        if not _close(_op_at(name, f, x)[1], _central_difference(reference, x), 1e-5, 1e-7):
            return
    raise ExerciseError(f"{name}: its derivative is right everywhere in [{at - 3:g}, {at + 3:g}]; break it")


def check_kink_point(point: object) -> None:
    """point = (x, y) with x * y + 1 exactly 0 in floating point."""
    _require_answer("kink_point", point)
    if not isinstance(point, (list, tuple)) or len(point) != 2:
        raise ExerciseError(f"kink_point: expected a pair (x, y), got {point!r}")
    x, y = (_number(n, v) for n, v in zip(("x", "y"), point))
    if x * y + 1.0 != 0.0:
        raise ExerciseError(f"at ({x!r}, {y!r}), x * y + 1 = {x * y + 1.0!r}, not exactly 0")


def check_gradcheck_verdict(op: object, answer: object) -> None:
    """op: hypot with forward x + y, local (x / out, y / out); answer: whether gradcheck fails on it."""
    from autograd_tiny.autodiff.gradcheck import GradcheckError, gradcheck

    f = _require_callable("hypot_bad_forward", op)
    check_close("hypot_bad_forward(3, 4)", _call("hypot_bad_forward", f, 3.0, 4.0).data, 7.0)
    failed = False
    for point in ([3.0, 4.0], [1.0, -2.0], [0.5, 0.25]):
        try:
            gradcheck(lambda x, y: f(x, y), point)
        except GradcheckError:
            failed = True
    if not isinstance(answer, bool):
        _require_answer("gradcheck_notices", answer)
        raise ExerciseError(f"gradcheck_notices: answer True or False, got {answer!r}")
    check_equal("gradcheck_notices", answer, failed)


def check_one_sided_difference(fn: object) -> None:
    """fn(f, x, eps) = (f(x + eps) - f(x)) / eps."""
    d = _require_callable("one_sided_difference", fn)
    for f, x, eps in [(math.sin, 0.7, 1e-3), (math.exp, -1.0, 1e-6), (lambda v: v**3, 2.0, 0.5)]:
        expected = (f(x + eps) - f(x)) / eps
        check_close(
            f"one_sided_difference({_show(f)}, {x:g}, {eps:g})",
            _call("one_sided_difference", d, f, x, eps),
            expected,
            rel_tol=1e-12,
        )


# ---- notebook 7: Newton's method ----------------------------------------------------------------


def _first_two(fn: Callable[[Value], Value], x: float) -> tuple[float, float]:
    leaf = Value(x)
    (slope,) = grad(fn(leaf), [leaf], create_graph=True)
    (curvature,) = grad(slope, [leaf], allow_unused=True, materialize_grads=True)
    return slope.data, float(curvature or 0.0)


def check_stationary_point(fn: Callable[[Value], Value], x0: float, where: object, kind: object) -> None:
    """Newton's method on fn from x0 ends at `where`, a "minimum" or a "maximum" as `kind` says."""
    x = x0
    for _ in range(50):
        slope, curvature = _first_two(fn, x)
        x -= slope / curvature
    check_close(f"where Newton's method from {x0:g} ends", where, x, rel_tol=1e-6, abs_tol=1e-9)
    expected = "minimum" if _first_two(fn, x)[1] > 0 else "maximum"
    if kind not in ("minimum", "maximum"):
        _require_answer("kind", kind)
        raise ExerciseError(f"kind: answer 'minimum' or 'maximum', got {kind!r}")
    check_equal(f"the kind of stationary point at {x:.6g} (look at the sign of f'')", kind, expected)


def check_finds_minimum(method: object, fn: Callable[[Value], Value], starts: Sequence[float]) -> None:
    """method(fn, x0, steps=50) returns a path whose end has f' ~ 0 and f'' > 0, from every start."""
    m = _require_callable("method", method)
    for x0 in starts:
        path = _call("method", m, fn, x0, 50)
        _require_answer(f"method(f, {x0:g}, 50)", path)
        end = _number(f"the last point of the path from {x0:g}", list(path)[-1])
        slope, curvature = _first_two(fn, end)
        if not (abs(slope) < 1e-6 and curvature > 0):
            raise ExerciseError(
                f"from {x0:g} the path ends at {end:.6g}, where f' = {slope:.3g} and f'' = "
                f"{curvature:.3g}: not a minimum (f' should be ~0 and f'' > 0)"
            )


def check_descent_path(
    path: object, fn: Callable[[Sequence[float]], float], minimum: Sequence[float], tol: float = 1e-6
) -> None:
    """Every step of path lowers fn, and the path ends within tol of minimum."""
    _require_answer("path", path)
    points = [[float(v) for v in p] for p in path]  # type: ignore[attr-defined]
    for k in range(1, len(points)):
        before, after = fn(points[k - 1]), fn(points[k])
        if after > before:
            raise ExerciseError(
                f"step {k} goes from f = {before:.6g} up to f = {after:.6g}; no step may raise f"
            )
    distance = math.dist(points[-1], minimum)
    if not distance < tol:
        raise ExerciseError(
            f"the path ends at {points[-1]}, {distance:.3g} from {list(minimum)}; take more steps"
        )


# ---- notebook 8: compiled replay ----------------------------------------------------------------


def check_replay_goes_stale(fn: object) -> None:
    """fn(score, y) is max(0, 1 - y * score) written with a Python `if` on .data, so its replay goes stale."""
    from autograd_tiny.compile.graph import compile_graph

    f = _require_callable("hinge_with_if", fn)
    for s, y in [(0.5, 1.0), (2.0, 1.0), (0.3, -1.0), (-2.0, -1.0)]:
        out = _call("hinge_with_if", f, Value(s), y)
        check_close(f"hinge_with_if(Value({s:g}), {y:g})", getattr(out, "data", out), max(0.0, 1.0 - y * s))
    score = Value(0.5)
    loss = f(score, 1.0)
    if not isinstance(loss, Value) or score not in backward_order(loss):
        raise ExerciseError(
            "hinge_with_if must return a Value computed from score where the margin is violated"
        )
    replayed, _ = compile_graph(loss, [score])([2.0])
    if replayed == max(0.0, 1.0 - 2.0):
        raise ExerciseError(
            "the replay recorded at score 0.5 still gives the right loss at score 2.0: the "
            "decision is an operation (relu, max), not a Python `if` on .data"
        )


def check_raises(name: str, error: object, expected_type: type[BaseException], mentions: str) -> None:
    """error is the exception caught in the exercise: of expected_type, with `mentions` in its message."""
    _require_answer(name, error)
    if not isinstance(error, expected_type):
        raise ExerciseError(
            f"{name}: expected a {expected_type.__name__}, got {type(error).__name__}: {error!r}"
        )
    if mentions not in str(error):
        raise ExerciseError(f"{name}: the message should mention {mentions!r}: {error}")


def check_break_even(fn: object) -> None:
    """fn(compile_s, eager_s, compiled_s) = the fewest steps for compiling to pay off (inf if never)."""
    f = _require_callable("steps_to_pay_off", fn)
    for compile_s, eager_s, compiled_s in [
        (2.1, 0.31, 0.006),
        (1.0, 0.1, 0.0),
        (0.5, 0.2, 0.1),
        (1.0, 0.1, 0.2),
    ]:
        saved = eager_s - compiled_s
        expected = math.ceil(compile_s / saved) if saved > 0 else math.inf
        check_close(
            f"steps_to_pay_off({compile_s}, {eager_s}, {compiled_s})",
            _call("steps_to_pay_off", f, compile_s, eager_s, compiled_s),
            expected,
        )
