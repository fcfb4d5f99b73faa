"""`gradgradcheck`: second derivatives of every rule in RULES and of user rules, and the bugs it catches.

Every operation is found by its name in RULES and applied the way the engine spells it (an
operator, an operator with a number on one side, a Value method), so an operation added to the
table is checked here without editing this file; points are picked from a grid by keeping those
inside the operation's domain.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import autograd_tiny
from autograd_tiny import (
    RULES,
    GradcheckError,
    RuleEscapesGraphError,
    Value,
    define_op,
    gradcheck,
    gradgradcheck,
    no_grad,
)
from autograd_tiny.engine import record

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
XS = (0.7, -1.3, 2.2)  # first operand
YS = (1.6, -0.4)  # second Value operand
KS = (2.5, -1.5, 3.0)  # the Python number of a "k" operation (3.0: a power of a negative base)


def applications(name: str) -> Iterator[tuple[Callable[..., Value], tuple[float, ...]]]:
    """(function of Values, point) for every way to apply RULES[name] at the grid's points."""
    if name in OPERATORS:
        for x in XS:
            for y in YS:
                yield OPERATORS[name], (x, y)
    elif name[:-1] in OPERATORS and name.endswith("k"):  # x op k
        for k in KS:
            for x in XS:
                yield (lambda x, k=k: OPERATORS[name[:-1]](x, k)), (x,)
    elif name[1:] in OPERATORS and name.startswith("k"):  # k op x
        for k in KS:
            for x in XS:
                yield (lambda x, k=k: OPERATORS[name[1:]](k, x)), (x,)
    elif name == "neg":
        for x in XS:
            yield operator.neg, (x,)
    elif name in ("step", "sign"):  # relu' and abs', which only graphs of gradients hold: applied by name
        for x in XS:
            yield (lambda x: record(name, x)), (x,)
    elif callable(getattr(Value, name, None)):
        for x in XS:
            yield (lambda x: getattr(x, name)()), (x,)
    elif callable(getattr(autograd_tiny, name, None)):  # a function of a list of Values, like sum
        for x in XS:
            for y in YS:
                yield (lambda x, y: getattr(autograd_tiny, name)([x, y])), (x, y)
    else:
        raise LookupError(f"RULES has {name!r}, which this test cannot apply yet: teach applications()")


def in_domain(name: str, fn: Callable[..., Value], point: tuple[float, ...]) -> bool:
    """True when fn applies RULES[name] at point without a domain error."""
    try:
        out = fn(*[Value(x) for x in point])
    except (ValueError, ZeroDivisionError, OverflowError):
        return False
    assert out._op == name, f"applying {name!r} made a {out._op!r} node"
    return True


@pytest.mark.parametrize("name", sorted(RULES))
def test_second_derivatives_of_every_operation_in_rules_match_finite_differences(name: str) -> None:
    cases = [(fn, point) for fn, point in applications(name) if in_domain(name, fn, point)]
    assert cases, f"no point of the grid lies in the domain of {name!r}"
    for fn, point in cases:
        assert gradgradcheck(fn, list(point)), (name, point)


@pytest.fixture(scope="module")
def user_ops() -> Iterator[dict[str, Callable[..., Value]]]:
    """Operations defined through define_op: two right ones and two whose Value path is wrong.

    They leave RULES afterwards, so other tests still see the engine's own table.
    """
    ops = {
        "softplus": define_op(
            "gg_softplus", lambda m, x, _: m.log(1.0 + m.exp(x)), lambda m, x, _, out: (m.sigmoid(x),)
        ),
        "hypot": define_op(
            "gg_hypot", lambda m, x, y: m.sqrt(x * x + y * y), lambda m, x, y, out: (x / out, y / out)
        ),
        # right on floats; on Values math.cos(x) is a float, so the derivative leaves the graph
        "sin_float_escape": define_op(
            "gg_sin_float_escape", lambda m, x, _: m.sin(x), lambda m, x, _, out: (math.cos(x),)
        ),
        # x e^x: right on floats; on Values the (1 + x) factor reads .data and is a constant, so f''
        # loses part of its derivative (the engine cannot see this escape: the result is still a Value)
        "xexp_partial_escape": define_op(
            "gg_xexp_partial_escape",
            lambda m, x, _: x * m.exp(x),
            lambda m, x, _, out: (m.exp(x) * (1.0 + getattr(x, "data", x)),),
        ),
    }
    yield ops
    for op in ops.values():
        del RULES[op.__name__]


@pytest.mark.parametrize("point", [[-2.0], [0.3], [4.0]])
def test_a_user_operation_written_with_m_passes(
    user_ops: dict[str, Callable[..., Value]], point: list[float]
) -> None:
    softplus = user_ops["softplus"]
    assert gradgradcheck(lambda x: softplus(x * x - 1.0), point)


def test_a_two_operand_user_operation_passes_with_its_mixed_partials(
    user_ops: dict[str, Callable[..., Value]],
) -> None:
    hypot = user_ops["hypot"]
    assert gradgradcheck(lambda x, y: hypot(x, y) * x, [3.0, -4.0])


def test_a_local_rule_that_escapes_to_floats_is_named_before_any_number_is_compared(
    user_ops: dict[str, Callable[..., Value]],
) -> None:
    my_sin = user_ops["sin_float_escape"]
    assert gradcheck(lambda x: my_sin(x), [0.7])  # first order cannot see it
    with pytest.raises(RuleEscapesGraphError, match="sin_float_escape"):
        gradgradcheck(lambda x: my_sin(x), [0.7])


def test_a_rule_partly_evaluated_on_floats_fails_on_exactly_the_wrong_entries(
    user_ops: dict[str, Callable[..., Value]],
) -> None:
    xexp = user_ops["xexp_partial_escape"]
    assert gradcheck(lambda x, y: xexp(x) + y * y, [0.5, 1.0])
    with pytest.raises(GradcheckError, match=r"1 of 4 second derivatives disagree") as failure:
        gradgradcheck(lambda x, y: xexp(x) + y * y, [0.5, 1.0])
    rows = str(failure.value).splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["0,0"]  # d2/dx2; the y entries are right
    assert "constants in the graph" not in str(failure.value)  # still connected, just wrong


def test_gradgradcheck_works_inside_no_grad() -> None:
    with no_grad():
        assert gradgradcheck(lambda x, y: (x * y).sin(), [0.3, 1.1])


@pytest.mark.parametrize(
    ("fn", "xs", "error", "message"),
    [
        (lambda x: 1.0, [1.0], TypeError, "gradgradcheck: fn must return a Value, got float"),
        (lambda x: x, [], ValueError, "gradgradcheck: needs at least one input"),
        (lambda x: x, ["a"], TypeError, "gradgradcheck: inputs must be numbers, got str"),
    ],
)
def test_bad_arguments(fn: Callable[..., Any], xs: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        gradgradcheck(fn, xs)
