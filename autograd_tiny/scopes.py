"""Named scopes: which nodes were made inside which module call, for grouping graph pictures.

A Value records nothing about where it was made (that would cost memory on every node).
Instead, while `record_scopes()` is active, code wrapped in `scope(name)` notes the range of
creation indices it produced; `autograd_tiny.viz.draw_dot(..., scopes=...)` turns those ranges
into labelled clusters. Scopes nest: a Neuron's range lies inside its Layer's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import NamedTuple

from autograd_tiny.engine import Value, creation_index, creation_mark


class Scope(NamedTuple):
    """Values whose creation_index lies in [start, stop) were made inside ``name``."""

    name: str
    start: int
    stop: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, Value) and self.start <= creation_index(value) < self.stop


_recorder: list[Scope] | None = None


@contextmanager
def record_scopes() -> Iterator[list[Scope]]:
    """Collect the scopes entered inside this block (outermost last, in the order they close)."""
    global _recorder
    previous, _recorder = _recorder, []
    try:
        yield _recorder
    finally:
        _recorder = previous


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
    if _recorder is None:
        return _NOT_RECORDING
    return _ScopeMark(name, _recorder)
