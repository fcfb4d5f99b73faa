"""What the cyclic collector's full passes cost long chains: per node, by heap size and node shape; in all.

Run: ``python benchmarks/long_chain_gc.py [--rounds R]`` for the cost of one pass, and
``python benchmarks/long_chain_gc.py --chains [--rounds R]`` for chains of 10^5 and 10^6 operations
recorded and backpropagated as is, inside `large_graph()` and with ``gc.disable()``, each run in a
fresh process, the three taking turns: CPU time (``time.process_time``, less moved by other work
on a shared machine than the wall clock), wall time and the full passes counted by ``gc.callbacks``.

For the cost of one pass, each figure comes from a fresh process
(so no run inherits another's heap): the process records a chain ``z = z * y + x`` of n operations
with the collector paused, then times ``gc.collect()`` (a full collection, every generation) three
times and keeps the median; the figure is that time per live node, after the time of a full
collection of the process without the chain is taken off. Node shapes:

- ``Value``: autograd_tiny's node (12 slots, one float object of its own: about 152 bytes);
- ``6 slots``: a stand-in with only what backward reads (data, grad, _x, _y, _dx, _dy);
- ``3 slots``: parents and one tuple of (data, dx, dy), which the collector stops tracking once
  it has seen it holds floats alone;
- ``no object``: the chain kept as floats and parent indices in ``array`` columns: no container
  per node at all (the storage the issue names; the engine would need a new central structure).

The figures are the cost of one full pass; recording 10^6 operations runs about eight of them
over a growing heap (see docs/speed.md).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from array import array
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHAPES = ("Value", "6 slots", "3 slots", "no object")
SIZES = (100_000, 300_000, 1_000_000)


class Six:
    __slots__ = ("_dx", "_dy", "_x", "_y", "data", "grad")

    def __init__(self, data: float, x: Any = None, y: Any = None, dx: Any = None, dy: Any = None) -> None:
        self.data, self.grad, self._x, self._y, self._dx, self._dy = data, 0.0, x, y, dx, dy


class Three:
    __slots__ = ("_numbers", "_x", "_y")

    def __init__(self, numbers: tuple[float, ...], x: Any = None, y: Any = None) -> None:
        self._numbers, self._x, self._y = numbers, x, y


def build(shape: str, n: int) -> Any:
    """A chain of n operations (z = z * y + x) in the given node shape."""
    if shape == "Value":
        from autograd_tiny import Value

        x, y = Value(0.5), Value(1.0001)
        z = x
        for _ in range(n // 2):
            z = z * y + x
        return z
    if shape == "6 slots":
        a, b = Six(0.5), Six(1.0001)
        z = a
        for _ in range(n // 2):
            p = Six(z.data * b.data, z, b, b.data, z.data)
            z = Six(p.data + a.data, p, a, 1.0, 1.0)
        return z
    if shape == "3 slots":
        a3, b3 = Three((0.5,)), Three((1.0001,))
        z3 = a3
        for _ in range(n // 2):
            zd, bd = z3._numbers[0], b3._numbers[0]
            p3 = Three((zd * bd, bd, zd), z3, b3)
            z3 = Three((p3._numbers[0] + 0.5, 1.0, 1.0), p3, a3)
        return z3
    data, left, right = array("d", [0.5, 1.0001]), array("q", [-1, -1]), array("q", [-1, -1])
    last = 0
    for _ in range(n // 2):
        data.append(data[last] * data[1])
        left.append(last)
        right.append(1)
        data.append(data[-1] + data[0])
        left.append(len(data) - 2)
        right.append(0)
        last = len(data) - 1
    return data, left, right


def full_collection_seconds() -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_one(shape: str, n: int) -> dict[str, float]:
    gc.collect()
    baseline = full_collection_seconds()
    gc.disable()
    graph = build(shape, n)
    gc.enable()
    gc.collect()  # the first pass untracks tuples of floats; time the passes after it
    seconds = full_collection_seconds()
    tracked = len(gc.get_objects())
    del graph
    return {"ns_per_node": (seconds - baseline) / n * 1e9, "seconds": seconds, "tracked": tracked}


CHAIN_SETTINGS = ("as is", "large_graph()", "gc.disable()")


def run_chain(setting: str, n: int) -> dict[str, Any]:
    """Record and backpropagate a chain of n operations under setting; times and full passes."""
    from autograd_tiny import large_graph

    passes, started = [0, 0.0], [0.0]

    def note(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                started[0] = time.process_time()
            else:
                passes[0] += 1
                passes[1] += time.process_time() - started[0]

    gc.collect()
    gc.callbacks.append(note)
    if setting == "gc.disable()":
        gc.disable()
    wall, cpu = time.perf_counter(), time.process_time()
    with large_graph() if setting == "large_graph()" else contextlib.nullcontext():
        build("Value", n).backward()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    gc.enable()
    return {"cpu": cpu, "wall": wall, "full_passes": passes[0], "full_pass_cpu": passes[1]}


def chains(rounds: int) -> None:
    sizes = (100_000, 1_000_000)
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    load = os.getloadavg()[0]
    for r in range(rounds):
        for setting in CHAIN_SETTINGS[r % 3 :] + CHAIN_SETTINGS[: r % 3]:
            for n in sizes:
                child = [sys.executable, __file__, "--child", "chain:" + setting, str(n)]
                done = subprocess.run(child, capture_output=True, text=True, check=True)
                runs.setdefault((setting, n), []).append(json.loads(done.stdout))
    print(f"chains z = z * y + x, recorded and backpropagated, {rounds} fresh processes each (CPython "
          f"{sys.version.split()[0]}; load average {load:.1f} at start, "
          f"{os.getloadavg()[0]:.1f} at end)")  # fmt: skip
    print(f"{'collector':<14} {'CPU min 1e5':>12} {'1e6':>9} {'ratio':>6} {'ratio of medians':>17} "
          f"{'wall ratio':>11} {'full passes':>12} {'their CPU at 1e6':>17}")  # fmt: skip
    for setting in CHAIN_SETTINGS:
        small, big = runs[(setting, sizes[0])], runs[(setting, sizes[1])]
        low = [min(r["cpu"] for r in runs_) for runs_ in (small, big)]
        mid = [statistics.median(r["cpu"] for r in runs_) for runs_ in (small, big)]
        wall = [statistics.median(r["wall"] for r in runs_) for runs_ in (small, big)]
        passes = f"{small[0]['full_passes']} and {big[0]['full_passes']}"
        print(f"{setting:<14} {low[0] * 1e3:>9.0f} ms {low[1]:>7.2f} s {low[1] / low[0]:>6.1f} "
              f"{mid[1] / mid[0]:>17.1f} {wall[1] / wall[0]:>11.1f} {passes:>12} "
              f"{statistics.median(r['full_pass_cpu'] for r in big) * 1e3:>14.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--chains", action="store_true", help="whole chains as is, in large_graph(), gc off")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, n = args.child
        if what.startswith("chain:"):
            print(json.dumps(run_chain(what.removeprefix("chain:"), int(n))))
        else:
            print(json.dumps(run_one(what, int(n))))
        return
    if args.chains:
        chains(args.rounds)
        return
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"one full collection (gc.collect()) with a chain of n operations alive, per node; "
          f"median of {args.rounds} fresh processes; load average {load} at start")  # fmt: skip
    print(f"{'node shape':<10} " + " ".join(f"{n:>14,}" for n in args.sizes))
    for shape in SHAPES:
        cells = []
        for n in args.sizes:
            runs = []
            for _ in range(args.rounds):
                child = [sys.executable, __file__, "--child", shape, str(n)]
                done = subprocess.run(child, capture_output=True, text=True, check=True)
                runs.append(json.loads(done.stdout))
            cells.append(f"{statistics.median(r['ns_per_node'] for r in runs):>11.0f} ns")
        print(f"{shape:<10} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
