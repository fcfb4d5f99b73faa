"""Named scopes: which nodes were made inside which module call, for grouping graph pictures.

A Value records nothing about where it was made (that would cost memory and time on every node).
Instead, while `record_scopes()` is active in a thread, the Values made there are numbered
(`creation_index`), and code wrapped in `scope(name)` notes the range of numbers it produced;
`autograd_tiny.viz.draw_dot(..., scopes=...)` turns those ranges into labelled clusters. Scopes
nest: a Neuron's range lies inside its Layer's. Recording is per thread, like grad mode.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import NamedTuple

from autograd_tiny.engine import Value
from autograd_tiny.modes import creation_index, creation_mark, record_creation_order


class Scope(NamedTuple):
    """Values whose creation_index lies in [start, stop) were made inside ``name``."""

    name: str
    start: int
    stop: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, Value) and self.start <= creation_index(value) < self.stop


class _Recorder(threading.local):
    scopes: list[Scope] | None = None


_recorder = _Recorder()


@contextmanager
def record_scopes() -> Iterator[list[Scope]]:
    """Collect the scopes entered inside this block in this thread (outermost last, as they close)."""
    previous, _recorder.scopes = _recorder.scopes, []
    try:
        with record_creation_order():
            yield _recorder.scopes
    finally:
        _recorder.scopes = previous


class _ScopeMark:
    """Notes the creation indices made between __enter__ and __exit__ as one Scope."""

    __slots__ = ("name", "recorder", "start")

    def __init__(self, name: str, recorder: list[Scope]) -> None:
        self.name, self.recorder = name, recorder

    def __enter__(self) -> None:
        self.start = creation_mark()

    def __exit__(self, *exc: object) -> None:
        self.recorder.append(Scope(self.name, self.start, creation_mark()))


_NOT_RECORDING = nullcontext()


def scope(name: str) -> AbstractContextManager[None]:
    """Mark the Values made inside this ``with`` block as belonging to ``name``.

    Nearly free when nothing is recording: modules wrap every forward call in it.
    """
    scopes = _recorder.scopes
    if scopes is None:
        return _NOT_RECORDING
    return _ScopeMark(name, scopes)
