"""`compile_graph`: turn a graph recorded once into a plain-float function for value and gradients.

Many graphs have a shape that does not depend on the data (an MLP step, a loss over a fixed
dataset). Recording them again at every step costs a Value per operation. `compile_graph`
walks the recorded graph once and writes a straight-line Python function: one assignment per
node for the forward pass, one ``grad += local * upstream`` per edge for the backward pass, in
the same order as `Value.backward()`, so the numbers are the eager engine's.

The code is generated from `RULES` itself: each rule is run once on symbols that print the
arithmetic they undergo. A rule that branches on its operand (relu, abs, the exponent of
``**``) cannot be printed that way; the generated code calls that rule on the new floats
instead, so the branch is decided at replay time.

Replay is valid when the graph's *shape* does not depend on the data: decisions written as
operations (``x.relu()``, ``abs(x)``) replay correctly; a Python ``if x.data > 0:`` was taken
once, while recording, and is baked into the graph.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass
from typing import Any, NamedTuple

from autograd_tiny.checks import all_floats, as_number
from autograd_tiny.compile.symbolic import (
    FLOAT_SYMBOLS,
    SCALAR_SYMBOLS,
    Branches,
    Escapes,
    Step,
    Symbol,
    bare,
    code,
)
from autograd_tiny.engine import CHOSEN_CASES, RULES, Value, backward_order, rule_operands
from autograd_tiny.floatmath import FloatMath
from autograd_tiny.modes import RuleEscapesGraphError

Replay = Callable[[Sequence[float]], tuple[float, list[float]]]


_NODE_VALUE = re.compile(r"v\d+")

# The operations whose rule the generated code calls on floats (it branches), by the number naming it there.
CALLED_RULES: dict[str, int] = {}


def compile_graph(output: Value, inputs: Iterable[Value]) -> Replay:
    """Compile the graph below ``output`` into ``f(values) -> (output value, [d output / d input])``.

    ``inputs`` are leaves of the graph, in an order (a list, a tuple, any iterator: read once; a
    set has no order and is refused); ``f`` takes one float per input, in that order. Other
    leaves are constants, frozen at their current ``.data``. Raises TypeError for arguments
    that are not Values and ValueError, naming the node, for a graph it cannot compile.
    """
    if not isinstance(output, Value):
        raise TypeError(f"compile_graph: output must be a Value, got {type(output).__name__}: {output!r}")
    inputs = ordered("compile_graph", inputs)
    order = backward_order(output)[::-1]  # parents before children
    number = {node: i for i, node in enumerate(order)}
    position = _check_inputs(inputs, number)
    lines = graph_code(order, list(position), scalar=True)
    header = [f"{', '.join(f'v{number[x]}' for x in position)}, = _xs"] if position else []
    result = f"return v{len(order) - 1}, [{', '.join(lines.grads)}]"
    body = [*header, *(line for _, line in lines.forward), *lines.backward, result]
    source = "\n".join(["def replay(_xs, _c):", *(f"    {line}" for line in body)])
    exec(compile(source, "<compile_graph>", "exec"), lines.namespace)
    return _bind(lines.namespace["replay"], tuple(lines.constants), len(position))


@dataclass
class GraphCode:
    """A graph as lines of Python: node i's value is ``v{i}``, its gradient so far ``g{i}``."""

    forward: list[tuple[int, str]]  # (i, the line setting v{i}) for constants and operation nodes
    backward: list[str]  # the chain rule, contribution by contribution, in Value.backward()'s order
    grads: list[str]  # for each input, the expression holding its gradient when the lines have run
    constants: list[float]  # _c[k]: the leaves that are neither inputs nor samples, frozen
    namespace: dict[str, Any]  # what the lines refer to besides their own variables
    local_grads: dict[int, tuple[list[str], str]]  # operation node i -> its locals' code, a line before them
    when_zero: list[Vanishing | None]  # per backward line: how it adds only a zero, if it can


class Vanishing(NamedTuple):
    """A backward line that adds only +-0 while the gradient it reads is +-0 (and ``value`` is finite)."""

    gradient: str  # the variable the line reads
    instead: str  # the line to run in its place then ("" for none)
    value: int | None  # the node whose value is the line's local derivative; None for a finite number


def graph_code(
    order: list[Value], inputs: list[Value], samples: Sequence[Value] = (), *, seed: str = "1.0",
    accumulate: bool = False, scalar: bool = False,
) -> GraphCode:  # fmt: skip
    """Generate the lines that evaluate ``order`` (parents first, the output last) and its gradients.

    Inputs and ``samples`` are leaves whose ``v{i}`` the caller sets; every other leaf is a
    constant. The output's gradient starts as ``seed``. With ``accumulate``, input j's
    gradient is the variable ``G{j}``, which the caller initialises and every contribution is
    added to (so one body run per sample sums the samples' gradients as eager does). With
    ``scalar`` the lines only ever run on floats, so relu and its derivative are written inline
    (`SCALAR_SYMBOLS`) instead of as calls; without it they also run on arrays (batched replay).
    """
    number = {node: i for i, node in enumerate(order)}
    input_set = set(inputs)
    leaves_set_by_caller = {*inputs, *samples}
    needs_grad = [False] * len(order)
    for i, node in enumerate(order):
        needs_grad[i] = node in input_set or any(needs_grad[number[p]] for p in node.parents)

    namespace: dict[str, Any] = {"_m": FloatMath, "_float": float}
    constants: list[float] = []
    forward: list[tuple[int, str]] = []
    local_grads: dict[int, tuple[list[str], str]] = {}  # node -> its locals' code, a line computing them
    local_symbols: dict[int, list[object]] = {}  # node -> its locals as symbols (a Step fuses with its term)
    symbols = SCALAR_SYMBOLS if scalar else FLOAT_SYMBOLS
    for i, node in enumerate(order):
        if not node.parents:
            if node not in leaves_set_by_caller:
                forward.append((i, f"v{i} = _c[{len(constants)}]"))
                constants.append(node.data)
            continue
        value, local_symbols[i], setup = _node_code(node, i, number, namespace, symbols)
        local_grads[i] = ([code(d) for d in local_symbols[i]], setup)
        forward.append((i, f"v{i} = {bare(value)}"))

    root = len(order) - 1
    backward = [f"g{root} = {seed}"]
    when_zero: list[Vanishing | None] = [None]
    grad = {root: f"g{root}"}  # node -> the variable holding its gradient so far
    total = {number[x]: f"G{j}" for j, x in enumerate(inputs)} if accumulate else {}
    if root in total:
        backward.append(f"{total[root]} += g{root}")
    for i in reversed(local_grads):  # the order of Value.backward(), so the sums add up alike
        locals_, setup = local_grads[i]
        if not needs_grad[i]:
            continue
        if setup:
            backward.append(setup)
            when_zero.append(None)
        for parent, local, symbol in zip(order[i].parents, locals_, local_symbols[i]):
            p = number[parent]
            if not needs_grad[p]:
                continue
            term = grad[i] if local == "1.0" else _times(symbol, local, grad[i])
            if p in total:
                backward.append(f"{total[p]} += {term}")
                when_zero.append(_vanishing(symbol, local, grad[i], ""))
                continue
            if p not in grad and local == "1.0":
                grad[p] = grad[i]  # a copy (after + or -): share the variable, write no line
                continue
            if p not in grad:
                line, instead = f"g{p} = {term}", f"g{p} = 0.0"
            elif grad[p] == f"g{p}":
                line, instead = f"g{p} += {term}", ""
            else:  # a shared variable gets a second contribution: from now on p has its own
                line, instead = f"g{p} = {grad[p]} + {term}", f"g{p} = {grad[p]}"
            backward.append(line)
            when_zero.append(_vanishing(symbol, local, grad[i], instead))
            grad[p] = f"g{p}"
    grads = [total.get(number[x], grad.get(number[x], "0.0")) for x in inputs]
    return GraphCode(forward, backward, grads, constants, namespace, local_grads, when_zero)


def _vanishing(symbol: object, local: str, gradient: str, instead: str) -> Vanishing | None:
    """How a line adding ``local`` times ``gradient`` adds only +-0 when the gradient is +-0, if it does:
    relu's step and finite numbers always, a node's value when it is finite; an expression may overflow."""
    if isinstance(symbol, Step) or local == "1.0":
        return Vanishing(gradient, instead, None)
    if _NODE_VALUE.fullmatch(local):
        return Vanishing(gradient, instead, int(local[1:]))
    try:
        finite = math.isfinite(float(local))
    except ValueError:  # an expression
        return None
    return Vanishing(gradient, instead, None) if finite else None


def _times(symbol: object, local: str, upstream: str) -> str:
    """Code for a local derivative (as a symbol and as code) times the gradient variable ``upstream``."""
    return symbol.times(upstream) if isinstance(symbol, Step) else f"{local} * {upstream}"


def _node_code(
    node: Value, i: int, number: dict[Value, int], namespace: dict[str, Any], symbols: Any = FLOAT_SYMBOLS
) -> tuple[str, list[object], str]:
    """Code for node i's value, its local derivatives (symbols or numbers), a line to run first (or "")."""
    if node.rule in CHOSEN_CASES:
        at = ", ".join(f"{p.data!r}" for p in node.parents)
        raise ValueError(
            f"compile_graph: node {node!r} (operands {at}) is a derivative grad(create_graph=True) took "
            "in the case its rule chose at the recorded inputs (pow's conventions at 0, or a rule comparing "
            "its operands); other inputs may need another case. Compile the function itself, or call grad "
            "at each point"
        )
    if node.rule not in RULES:
        raise ValueError(f"compile_graph: node {node!r} was made by {node.op!r}, which is not in RULES")
    forward_rule, local_rule = RULES[node.rule]
    parents = node.parents
    operands, constant = rule_operands(node)
    x: object = tuple(Symbol(f"v{number[p]}") for p in operands) if isinstance(operands, tuple) else (
        Symbol(f"v{number[operands]}"))
    y: object = Symbol(f"v{number[constant]}") if isinstance(constant, Value) else constant
    try:
        value = code(forward_rule(symbols, x, y))
        return value, list(local_rule(symbols, x, y, Symbol(f"v{i}"))), ""
    except Escapes:
        raise RuleEscapesGraphError(node.op, "turns its operand into a float or reads its .data") from None
    except Branches:  # the rule decides on the value: call it on the new floats
        rule = CALLED_RULES.setdefault(node.rule, len(CALLED_RULES))
        namespace[f"_f{rule}"], namespace[f"_l{rule}"] = forward_rule, local_rule
        args = f"{code(x)}, {code(y)}"
        setup = f"_d = _l{rule}(_m, {args}, v{i})"
        return f"_f{rule}(_m, {args})", [Symbol(f"_d[{j}]") for j in range(len(parents))], setup


def ordered(what: str, values: Iterable[Value]) -> list[Value]:
    """values as a list, read once; TypeError for a set (no order), a single Value or a non-iterable."""
    if isinstance(values, (Set, dict, Value)) or not isinstance(values, Iterable):
        kind = "has no order" if isinstance(values, (Set, dict)) else "is not a list of Values"
        got = type(values).__name__
        raise TypeError(f"{what}: inputs {kind}: got {got}; pass a list, in the order wanted")
    return list(values)


def _check_inputs(inputs: Sequence[Value], number: dict[Value, int]) -> dict[Value, int]:
    """Each input's place in the argument list; ValueError unless they are distinct leaves of the graph."""
    position: dict[Value, int] = {}
    for j, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"compile_graph: input {j} must be a Value, got {type(x).__name__}: {x!r}")
        if x not in number:
            raise ValueError(f"compile_graph: input {j}, {x!r}, is not in the graph of the output")
        if x.parents:
            raise ValueError(f"compile_graph: input {j}, {x!r}, is made by {x.op!r}; inputs must be leaves")
        if x in position:
            raise ValueError(f"compile_graph: input {j}, {x!r}, is listed twice")
        position[x] = j
    return position


def _bind(replay: Callable[..., tuple[float, list[float]]], constants: tuple[float, ...], n: int) -> Replay:
    """The replay function with its constants bound and its argument count checked."""

    def f(values: Sequence[float]) -> tuple[float, list[float]]:
        if len(values) != n:
            raise ValueError(f"compiled graph: expects {n} input values, got {len(values)}")
        if all_floats(values):  # the common case; else each checked as Value() does
            floats = list(values)
        else:
            floats = [as_number(f"compiled graph: input {i}", v) for i, v in enumerate(values)]
        try:
            return replay(floats, constants)
        except ZeroDivisionError as e:
            raise ZeroDivisionError(
                f"compiled graph: a division by zero at inputs {floats!r}: an operation met a pole "
                "(x / 0, log or a negative power at 0); the eager engine names which"
            ) from e

    return f
