"""Per-thread settings that ``with`` blocks switch: grad mode, anomaly mode, creation order.

As PyTorch's grad mode, each setting belongs to the thread that opened the block. While no
block is open in any thread (`open_blocks` is 0), every thread has the defaults, so making a
node reads one module attribute instead of the thread-local state: the hot path stays fast.
"""

from __future__ import annotations

import itertools
import linecache
import math
import os
import sys
import threading
from collections.abc import Callable
from contextlib import ContextDecorator
from typing import Any


class _ThreadState(threading.local):
    """What the blocks set, per thread; the class attributes are the defaults."""

    grad_enabled = True
    recording_order = 0  # open record_creation_order() blocks: Values made get a creation index
    anomaly_sites: dict[Any, str] | None = None  # inside detect_anomaly(): where each Value was made
    rule_op: str | None = None  # the operation whose rule is being evaluated on Values, if any
    rule_chose_case = False  # that rule compared a Value: its derivative holds only where that case does


state = _ThreadState()
open_blocks = 0  # blocks open in all threads; read by every operation, so kept a plain int
_open_blocks_lock = threading.Lock()
# Told the new count whenever it changes: fast_ops keeps a copy in its own globals, the fastest read.
open_blocks_listeners: list[Callable[[int], None]] = []
_creation_counter = itertools.count()


class ThreadSetting(ContextDecorator):
    """A ``with`` block (or decorator) that sets one attribute of this thread's state.

    One object may be entered by several threads at once (a decorated function), and again
    within itself: the value each entry replaced is kept per thread, on a stack.
    """

    def __init__(self, name: str, value: Callable[[Any], Any]) -> None:
        self._name, self._value = name, value
        self._saved = threading.local()

    def _stack(self) -> list[Any]:
        stack: list[Any] | None = getattr(self._saved, "stack", None)
        if stack is None:
            stack = self._saved.stack = []
        return stack

    def __enter__(self) -> None:
        previous = getattr(state, self._name)
        self._stack().append(previous)
        setattr(state, self._name, self._value(previous))
        _count_block(+1)

    def __exit__(self, *exc: object) -> None:
        setattr(state, self._name, self._stack().pop())
        _count_block(-1)


def _count_block(change: int) -> None:
    global open_blocks
    with _open_blocks_lock:
        open_blocks += change
        for listener in open_blocks_listeners:
            listener(open_blocks)


def no_grad() -> ThreadSetting:
    """Within this block (in this thread) operations record no graph: results are leaves."""
    return ThreadSetting("grad_enabled", lambda _: False)


def enable_grad() -> ThreadSetting:
    """Within this block (in this thread) operations record the graph again, even inside `no_grad()`."""
    return ThreadSetting("grad_enabled", lambda _: True)


def is_grad_enabled() -> bool:
    """True unless this thread is inside `no_grad()` (and not inside an `enable_grad()` within it)."""
    return state.grad_enabled


def detect_anomaly() -> ThreadSetting:
    """Within this block, Values remember the line that made them, and `backward()` / `grad()` raise
    `FloatingPointError` at the first gradient contribution that is nan or inf, naming the operation,
    its value, its local derivative and that line. Off by default; costs nothing when off."""
    return ThreadSetting("anomaly_sites", lambda sites: {} if sites is None else sites)


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()` in this thread."""
    return state.anomaly_sites is not None


def anomaly_sites() -> dict[Any, str] | None:
    """Inside `detect_anomaly()`, where each Value made in it was made ('file:line in function: code')."""
    return state.anomaly_sites if open_blocks else None


def anomaly_report(what: str, node: Any, local: Any, g: Any, sites: dict[Any, str]) -> str:
    """detect_anomaly()'s message: which node's contribution went non-finite, and where it was made."""
    where = sites.get(node, "(made outside detect_anomaly())")
    operands = ", ".join(f"{p.data!r}" for p in node.parents)
    return (
        f"{what}: the gradient passed down by {node.op!r} (value {node.data!r}, operands {operands}) "
        f"is {float(local) * float(g)!r}: local derivative {float(local)!r} times upstream gradient "
        f"{float(g)!r}.\n  The node was made at {where}"
    )


def check_contribution(
    what: str, node: Any, parent: Any, local: Any, g: Any, before: Any, sites: dict[Any, str]
) -> None:
    """detect_anomaly(): refuse the contribution ``local * g`` of node to parent if it turns a finite
    gradient non-finite: by itself (a pole), or added to what parent had (``before``: an overflow)."""
    step = local * g
    if not math.isfinite(float(step)) and math.isfinite(float(g)):
        raise FloatingPointError(anomaly_report(what, node, local, g, sites))
    if before is not None and math.isfinite(float(before)) and math.isfinite(float(step)):
        total = float(before) + float(step)
        if not math.isfinite(total):
            name = parent.label or parent.op or "a leaf"
            where = sites.get(parent, "(made outside detect_anomaly())")
            raise FloatingPointError(
                f"{what}: the gradient of {name!r} (value {parent.data!r}) overflowed: {float(before)!r} "
                f"+ {float(step)!r} = {total!r}, the second from {node.op!r}.\n  {name!r} was made at {where}"
            )


def record_creation_order() -> ThreadSetting:
    """Within this block, Values made in this thread get increasing `creation_index` numbers."""
    return ThreadSetting("recording_order", lambda depth: depth + 1)


def creation_mark() -> int:
    """A number smaller than the creation_index of every Value made from now on."""
    return next(_creation_counter)


class RuleEscapesGraphError(TypeError):
    """A rule evaluated on Values turned one into a float: its derivative would silently lose terms."""

    def __init__(self, op: str, how: str) -> None:
        super().__init__(
            f"the rule of {op!r} {how}, so its derivative would leave the graph and higher-order "
            f"derivatives would be silently wrong. Write it with m's functions (m.exp, m.log, ...) "
            f"and arithmetic on its arguments, never math.* or float()."
        )
        self.op = op


def evaluating_rule(op: str) -> ThreadSetting:
    """A block in which a Value converted to float raises `RuleEscapesGraphError` naming op."""
    return ThreadSetting("rule_op", lambda _: op)


def rule_being_evaluated() -> str | None:
    """The operation whose rule this thread is evaluating on Values (inside `evaluating_rule`), if any."""
    return state.rule_op if open_blocks else None


def note_comparison() -> None:
    """A Value was compared: inside a rule evaluated on Values, the derivative it gives is one case."""
    if state.rule_op is not None:
        state.rule_chose_case = True


def rule_chose_case() -> bool:
    """Whether the rule evaluated last in this thread compared a Value (and forget it, for the next)."""
    chose, state.rule_chose_case = state.rule_chose_case, False
    return chose


def note_creation(node: Any) -> bool:
    """Making a node while some block is open: number it, note its line, as asked; True if grad is on."""
    if state.recording_order:
        node._id = next(_creation_counter)
    if state.anomaly_sites is not None:
        state.anomaly_sites[node] = _user_line()
    return state.grad_enabled


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _user_line() -> str:
    """'file:line in function: source' of the innermost caller outside this package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "(unknown line)"
    code = frame.f_code
    source = linecache.getline(code.co_filename, frame.f_lineno).strip()
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}: {source}"


def creation_index(value: Any) -> int:
    """When value was made, counted while `record_creation_order()` was open; -1 otherwise.

    Only pictures use it (to group nodes by the module call that made them). `backward()`'s order
    depends on the graph alone, never on a number that a copy or another process could carry.
    """
    return getattr(value, "_id", -1)
