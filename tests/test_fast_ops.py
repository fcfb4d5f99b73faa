"""fast_ops.py, the generated straight-line arithmetic: up to date with RULES, equal to the plain methods.

The engine's methods are plain (each calls `engine.record`); `fast_ops.py`, printed from RULES by
tools/write_fast_ops.py, replaces them at import. These tests are what makes that safe: the file
is what the script writes today, and every fast method gives what the plain one gives, for every
operand form, including kinks, signed zeros, infinities, nan and the errors.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import struct
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from autograd_tiny import Value, detect_anomaly, fast_ops, no_grad
from autograd_tiny.modes import record_creation_order

np = pytest.importorskip("numpy")  # the numpy scalar operands are built at collection

ROOT = Path(__file__).resolve().parent.parent


def load_writer() -> Any:
    spec = importlib.util.spec_from_file_location("write_fast_ops", ROOT / "tools" / "write_fast_ops.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_file_is_what_the_script_writes_from_rules_today() -> None:
    writer = load_writer()
    assert (ROOT / "autograd_tiny" / "fast_ops.py").read_text() == writer.source(), (
        "autograd_tiny/fast_ops.py is out of date: run python tools/write_fast_ops.py"
    )


def test_every_arithmetic_method_of_value_is_the_fast_one() -> None:
    for name, method in fast_ops.METHODS.items():
        assert getattr(Value, name) is method
        assert fast_ops.PLAIN[name] is not method, f"{name}: the plain method was not kept"


POINTS = [0.0, -0.0, 1.5, -2.0, 0.5, -0.5, 2.0, 3.0, 1e-308, -1e-308, 1e308, -1e308]
POINTS += [math.inf, -math.inf, math.nan]


def operand_forms(x: float) -> Iterator[object]:
    """x as every kind of other operand a method may meet: a Value, a float, an int, numpy scalars."""
    yield Value(x)
    yield x
    if math.isfinite(x) and x == int(x) and abs(x) < 2**62:
        yield int(x)
        yield np.int64(int(x))
    yield np.float64(x)


ODD_OPERANDS: list[object] = [True, "2", None, np.array([1.0]), 1 + 2j]


def bits(x: object) -> object:
    """A float's bit pattern (so -0.0 and 0.0 differ, and every nan is nan); other things as they are."""
    if isinstance(x, float):
        return "nan" if math.isnan(x) else struct.pack("<d", x)
    return x


def outcome(method: Callable[..., object], *args: object) -> tuple[object, ...]:
    """What method(*args) gives, in comparable form: the node's fields, NotImplemented, or the error."""
    try:
        node = method(*args)
    except Exception as error:  # the error is part of the behaviour: its type and message
        return ("raises", type(error), str(error))
    if not isinstance(node, Value):
        return ("returns", node)
    return (
        "node", bits(node.data), node.grad, node.label, node.rule, node.op, bits(node._arg),
        tuple(id(p) for p in node.parents), tuple(bits(d) for d in node.local_grads),
    )  # fmt: skip


BLOCKS: dict[str, Callable[[], AbstractContextManager[Any]]] = {
    "no block": nullcontext, "no_grad": no_grad, "detect_anomaly": detect_anomaly,
    "record_creation_order": record_creation_order,
}  # fmt: skip


@pytest.mark.parametrize("block", sorted(BLOCKS))
@pytest.mark.parametrize("name", sorted(fast_ops.METHODS))
def test_each_fast_method_gives_the_plain_methods_result_to_the_bit(name: str, block: str) -> None:
    fast, plain = fast_ops.METHODS[name], fast_ops.PLAIN[name]
    one_operand = fast.__code__.co_argcount == 1
    compared = 0
    with BLOCKS[block]():
        for x in POINTS:
            self = Value(x)
            if one_operand:
                assert outcome(fast, self) == outcome(plain, self), (name, x)
                compared += 1
                continue
            others = itertools.chain.from_iterable(operand_forms(y) for y in POINTS)
            for other in itertools.chain(others, ODD_OPERANDS):
                assert outcome(fast, self, other) == outcome(plain, self, other), (name, x, other)
                compared += 1
    assert compared >= len(POINTS)
