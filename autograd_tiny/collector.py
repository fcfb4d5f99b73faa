"""Fewer passes of Python's cyclic garbage collector while big graphs are made; its thresholds put back after.

Every Value is a container the collector tracks. CPython (3.11) rescans all of them in a full
collection, one each time the objects that survived the young collections have grown by a
quarter: recording a chain of 10^6 operations runs about eight full passes over a heap that grows
to 150 MB, half of its time (benchmarks/long_chain_gc.py, docs/speed.md). The blocks here change
the collector's thresholds while they are open:

- `large_graph()` (public): no full collections; young ones run as before, so cyclic garbage
  made and dropped inside the block is still freed within a few hundred new objects;
- ``fewer_collections(young=n)`` (`fit`'s): young collections every n new objects instead of 700.

The thresholds are process-wide, so blocks open in any thread share them: the first block to open
saves them, each open block's wish is applied over the saved ones, and the last block to close puts
them back exactly, also when it raises. The collector stays on throughout; where collection is off
(``gc.disable()`` or a first threshold of 0) the blocks leave the thresholds as they are.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

NO_FULL_COLLECTIONS = 2**31 - 1  # the largest third threshold CPython takes: young collections never reach it

_lock = threading.Lock()
_wishes: list[tuple[int, bool]] = []  # one per open block: (young threshold or 0, pause full collections)
_saved: tuple[int, int, int] = (0, 0, 0)  # the thresholds when the first open block opened


@contextmanager
def fewer_collections(young: int = 0, pause_full: bool = False) -> Iterator[None]:
    """While open: ``young`` or more new objects between young collections; no full ones if ``pause_full``."""
    global _saved
    wish = (young, pause_full)
    with _lock:
        if not _wishes:
            first, second, third = gc.get_threshold()
            _saved = (first, second, third)
        _wishes.append(wish)
        _apply()
    try:
        yield
    finally:
        with _lock:
            _wishes.remove(wish)
            if _wishes:
                _apply()
            else:
                gc.set_threshold(*_saved)


def _apply() -> None:
    first, second, third = _saved
    if first == 0 or not gc.isenabled():  # collection is off: the user's choice stands
        return
    first = max([first, *(young for young, _ in _wishes)])
    if any(pause for _, pause in _wishes):
        third = NO_FULL_COLLECTIONS
    gc.set_threshold(first, second, third)


def large_graph() -> AbstractContextManager[None]:
    """A block (or decorator) in which the cyclic collector makes no full pass over the graph being built.

    Use it around recording and `backward()` of a graph of 10^5 operations or more: a full
    collection rescans every live Value, and while a graph grows CPython runs one each time
    the heap of survivors grows by a quarter. Inside the block young collections still run (cyclic
    garbage made and dropped there is freed as usual); garbage that had already survived into the
    oldest generation waits until a full collection after the block. On exit the thresholds are
    put back exactly, also when the block raises. The full collection put off this way runs soon
    after the block, over whatever is alive then (a kept graph costs one pass: about
    0.2 to 0.4 s per 10^6 nodes on a 2-core VM). ``gc.collect()`` inside the block still
    collects everything.
    """
    return fewer_collections(pause_full=True)
