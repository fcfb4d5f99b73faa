"""Named scopes: which nodes were made inside which module call, for grouping graph pictures.

A Value records nothing about where it was made (that would cost memory on every node).
Instead, while `record_scopes()` is active, code wrapped in `scope(name)` notes the range of
creation indices it produced; `autograd_tiny.viz.draw_dot(..., scopes=...)` turns those ranges
into labelled clusters. Scopes nest: a Neuron's range lies inside its Layer's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def scope(name: str) -> Iterator[None]:
    """Mark the Values made inside this block as belonging to ``name`` (free when not recording)."""
    if _recorder is None:
        yield
        return
    recorder, start = _recorder, creation_mark()
    yield
    recorder.append(Scope(name, start, creation_mark()))
