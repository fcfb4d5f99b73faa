"""The benchmark runs end to end on tiny sizes (no timing is asserted: the machine decides those)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


def test_quick_benchmark_runs_each_engine_in_its_own_process_and_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, str(BENCH), "--quick", "--json", str(out)],
                         capture_output=True, text=True, timeout=600, check=True)  # fmt: skip
    assert "moons demo" in run.stdout and "Memory per operation node" in run.stdout
    assert "epochs per second" in run.stdout  # the playground's speed is said, never asserted
    results = json.loads(out.read_text())
    assert results["quick"] is True
    figures = results["figures"]
    assert {"autograd_tiny", "compile_graph", "replay"} <= set(figures)
    for engine, found in figures.items():  # PyTorch is imported only where PyTorch is timed
        assert found["modules"]["torch_imported"]["max"] == int(engine.startswith("torch"))
        assert found["modules"]["micrograd_imported"]["max"] == int(engine == "micrograd")
    # every engine starts from the same weights, so the first losses agree
    losses = [f["moons"]["first_loss"]["median"] for f in figures.values() if "moons" in f]
    assert max(losses) - min(losses) < 1e-9
    assert figures["autograd_tiny"]["memory"]["bytes_per_node"]["median"] > 0
    assert results["ratios"]["chain_growth"]["time_ratio"] > 0
    assert results["ratios"]["chain_growth"]["time_ratio_large_graph"] > 0  # the same chains in large_graph()

    table = subprocess.run([sys.executable, str(BENCH), "--markdown", "--json", str(out)],
                           capture_output=True, text=True, timeout=60, check=True).stdout  # fmt: skip
    assert "| autograd_tiny, eager |" in table and "regenerate" in table.lower()


def test_a_run_started_on_a_busy_machine_is_flagged_and_one_on_an_idle_machine_is_not() -> None:
    sys.path.insert(0, str(BENCH.parent))
    try:
        import bench
    finally:
        sys.path.remove(str(BENCH.parent))
    busy = bench.busy_note({"load_average_at_start": 4.5, "cores": 2})
    assert busy is not None and "4.5" in busy and "idle" in busy
    assert bench.busy_note({"load_average_at_start": 1.0, "cores": 2}) is None
    assert bench.busy_note({"load_average_at_start": None, "cores": 2}) is None
