"""define_op(..., replace=True): a notebook cell that defines an operation can be run again after a fix.

The table stays consistent: one entry per name, the new rule used from then on by backward(),
grad(create_graph=True) and compile_graph, and the engine's own operations never replaced.
"""

from __future__ import annotations

import math

import pytest

from autograd_tiny import RULES, Value, define_op, grad
from autograd_tiny.compile.graph import compile_graph
from autograd_tiny.ops import USER_OPS

pytestmark = pytest.mark.usefixtures("own_rules")


def wrong_sin() -> object:
    return define_op("test_re_sin", lambda m, x, _: m.sin(x), lambda m, x, _, out: (m.sqrt(1 - out * out),))


def test_running_a_fixed_define_op_cell_again_replaces_the_rule() -> None:
    wrong_sin()
    size = len(RULES)
    my_sin = define_op(
        "test_re_sin", lambda m, x, _: m.sin(x), lambda m, x, _, out: (m.cos(x),), replace=True
    )
    assert len(RULES) == size and "test_re_sin" in USER_OPS
    x = Value(-2.0)
    y = my_sin(x)
    y.backward()
    assert x.grad == math.cos(-2.0)  # the old rule gave |cos(-2)|
    (slope,) = grad(my_sin(x), [x], create_graph=True)
    assert isinstance(slope, Value) and slope.data == math.cos(-2.0)
    replayed, grads = compile_graph(my_sin(x), [x])([-2.0])
    assert replayed == math.sin(-2.0) and grads == [math.cos(-2.0)]


def test_without_replace_a_second_definition_is_still_refused_and_says_how() -> None:
    wrong_sin()
    with pytest.raises(ValueError, match="pick another name, or pass replace=True"):
        wrong_sin()


@pytest.mark.parametrize("name", ["tanh", "*", "sum"])
def test_the_engines_own_operations_are_never_replaced(name: str) -> None:
    rule = RULES[name]
    with pytest.raises(ValueError, match=r"already an operation in RULES; pick another name$"):
        define_op(name, lambda m, x, _: x, lambda m, x, _, out: (1.0,), replace=True)
    assert RULES[name] is rule and name not in USER_OPS


def test_replace_for_a_new_name_simply_defines_it() -> None:
    cube = define_op(
        "test_re_cube", lambda m, x, _: x * x * x, lambda m, x, _, out: (3 * x * x,), replace=True
    )
    x = Value(2.0)
    cube(x).backward()
    assert x.grad == 12.0 and "test_re_cube" in USER_OPS
