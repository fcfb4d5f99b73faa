"""What the cycle collector costs `fit`: epochs timed with it untouched, off, and as fit sets it.

Run: ``python benchmarks/fit_gc.py [--rounds R] [--epochs E]``. Each measurement runs in a
fresh process (so no run inherits another's heap), the three settings take turns within each
round, and the table shows medians over rounds of each run's median epoch time. The workload
is micrograd's demo: moons (100 points), MLP(2, [16, 16, 1]), hinge + L2, full-batch SGD.

- untouched: Python's thresholds, as if fit did nothing (fit's setting is replaced by a no-op);
- disabled:  ``gc.disable()`` for the whole fit, what fit did before (memory grows without bound
             when something makes cyclic garbage meanwhile);
- fit:       fit as shipped (gen0 threshold raised to train.FIT_GEN0_THRESHOLD, then restored).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd_tiny import nn, optim, train
from autograd_tiny.data import make_moons

SETTINGS = ("untouched", "disabled", "fit")


@contextlib.contextmanager
def _disabled() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def run_one(setting: str, epochs: int) -> dict[str, float]:
    """Train once under ``setting``; the median epoch time (the first two left out) and collections."""
    if setting == "untouched":
        train._fewer_collections = contextlib.nullcontext  # type: ignore[assignment]
    elif setting == "disabled":
        train._fewer_collections = _disabled  # type: ignore[assignment]
    X, y = make_moons(100, noise=0.1, seed=1337)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    stamps = [time.perf_counter()]
    before = sum(s["collections"] for s in gc.get_stats())
    train.fit(model, X, y, optim.SGD(model.parameters(), lr=1.0), epochs=epochs, l2=1e-4, verbose=False,
              callback=lambda epoch, history: stamps.append(time.perf_counter()))  # fmt: skip
    collections = sum(s["collections"] for s in gc.get_stats()) - before
    times = [b - a for a, b in itertools.pairwise(stamps)][2:]
    return {"epoch_seconds": statistics.median(times), "collections_per_epoch": collections / epochs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per setting")
    parser.add_argument("--epochs", type=int, default=10, help="epochs per process")
    parser.add_argument("--child", choices=SETTINGS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.epochs)))
        return
    runs: dict[str, list[dict[str, float]]] = {s: [] for s in SETTINGS}
    for _ in range(args.rounds):
        for setting in SETTINGS:
            child = [sys.executable, __file__, "--child", setting, "--epochs", str(args.epochs)]
            out = subprocess.run(child, capture_output=True, text=True, check=True).stdout
            runs[setting].append(json.loads(out))
    base = statistics.median(r["epoch_seconds"] for r in runs["untouched"])
    print(f"moons epoch (MLP(2, [16, 16, 1]), 100 points), median of {args.rounds} fresh processes "
          f"x {args.epochs} epochs; gen0 threshold in fit: {train.FIT_GEN0_THRESHOLD:,}")  # fmt: skip
    print(f"{'collector':<10} {'epoch':>9} {'vs untouched':>13} {'collections/epoch':>18}")
    for setting, results in runs.items():
        seconds = statistics.median(r["epoch_seconds"] for r in results)
        collections = statistics.median(r["collections_per_epoch"] for r in results)
        print(f"{setting:<10} {seconds * 1000:>7.0f} ms {base / seconds:>12.2f}x {collections:>18.1f}")


if __name__ == "__main__":
    main()
