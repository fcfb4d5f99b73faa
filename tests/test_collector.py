"""`large_graph()`: no full collections while it is open, young ones as before, its thresholds put back."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from autograd_tiny import Value, large_graph
from autograd_tiny.collector import NO_FULL_COLLECTIONS
from autograd_tiny.train import FIT_GEN0_THRESHOLD, _fewer_collections


@pytest.fixture
def collections():
    """The generation of every collection the collector runs during the test, in order."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)


class Node:
    """An object that can be in a cycle and be watched by a weak reference."""

    def __init__(self) -> None:
        self.me = self


def chain(n: int) -> Value:
    x, y = Value(0.5), Value(1.0001)
    z = x
    for _ in range(n // 2):
        z = z * y + x
    return z


def long_enough_for_a_full_collection() -> int:
    """Operations whose survivors outgrow the long-lived heap by more than the quarter CPython waits for."""
    gc.collect()
    return max(200_000, len(gc.get_objects()) // 2)


def test_inside_the_block_only_full_collections_pause_and_the_thresholds_come_back_exactly(thresholds):
    with large_graph():
        assert gc.get_threshold() == (555, 7, NO_FULL_COLLECTIONS) and gc.isenabled()
    assert gc.get_threshold() == thresholds

    with pytest.raises(RuntimeError, match="failed inside"), large_graph():
        raise RuntimeError("failed inside")
    assert gc.get_threshold() == thresholds

    @large_graph()
    def record() -> tuple[int, int, int]:
        return gc.get_threshold()

    assert record() == (555, 7, NO_FULL_COLLECTIONS)
    assert gc.get_threshold() == thresholds


def test_recording_a_long_chain_inside_runs_young_collections_and_no_full_one(collections):
    n = long_enough_for_a_full_collection()
    collections.clear()
    with large_graph():
        z = chain(n)
        z.backward()
    inside, collections[:] = list(collections), []
    assert 0 in inside and 2 not in inside
    del z

    chain(n)  # the same recording outside the block: the collector rescans the heap at least once
    assert 2 in collections


def test_cyclic_garbage_made_inside_is_freed_inside_by_young_collections_and_after_by_a_full_one():
    with large_graph():
        dropped = weakref.ref(Node())  # a cycle, garbage at once
        kept = Node()
        z = chain(20_000)  # 20,000 new objects: young collections run
        assert dropped() is None
        gc.collect(1)  # kept survives into the oldest generation, which no automatic collection visits here
        survivor = weakref.ref(kept)
        del kept
        z = chain(20_000)
        assert survivor() is not None  # waiting, as the block says
    gc.collect()  # a full collection after the block (the automatic one comes as soon as the heap has grown)
    assert survivor() is None
    del z


def test_blocks_and_fits_share_the_thresholds_whatever_order_they_close_in(thresholds):
    with large_graph(), _fewer_collections():
        assert gc.get_threshold() == (FIT_GEN0_THRESHOLD, 7, NO_FULL_COLLECTIONS)
    assert gc.get_threshold() == thresholds

    opened, fit_may_end = threading.Event(), threading.Event()

    def fit_like() -> None:
        with _fewer_collections():
            opened.set()
            fit_may_end.wait()

    other = threading.Thread(target=fit_like)
    with large_graph():
        other.start()
        opened.wait()
    assert gc.get_threshold() == (FIT_GEN0_THRESHOLD, 7, 3)  # the block closed first: the fit's wish stays
    fit_may_end.set()
    other.join()
    assert gc.get_threshold() == thresholds


def test_where_collection_is_off_the_block_changes_nothing(thresholds):
    gc.disable()
    with large_graph():
        assert gc.get_threshold() == thresholds and not gc.isenabled()
    assert gc.get_threshold() == thresholds and not gc.isenabled()
    gc.enable()
    gc.set_threshold(0)
    with large_graph():
        assert gc.get_threshold()[0] == 0
