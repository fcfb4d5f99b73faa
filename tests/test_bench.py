"""The benchmark script runs end to end on tiny sizes (no timing is asserted: the machine decides those)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


def test_quick_benchmark_prints_a_table_and_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, str(BENCH), "--quick", "--json", str(out)],
                         capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    assert "moons step" in run.stdout and "bytes per operation node" in run.stdout
    figures = json.loads(out.read_text())
    assert figures["quick"] is True
    moons = figures["moons_step"]
    assert {"autograd_tiny", "compiled"} <= set(moons["seconds"])
    # every engine starts from the same weights, so the first losses agree
    losses = list(moons["first_loss"].values())
    assert max(losses) - min(losses) < 1e-9
    assert figures["bytes_per_op"]["autograd_tiny"] > 0
    assert figures["scaling"]["by_ops"]
