"""Time autograd_tiny side by side with micrograd 0.1.0 and PyTorch; print a table, write JSON.

Run: ``python benchmarks/bench.py [--quick] [--json PATH]`` (``make bench`` does the full run);
``python benchmarks/bench.py --markdown [--json PATH]`` prints the README's speed table from a
results file. How the figures are taken, so that they can be reproduced:

- every engine runs in a fresh Python process of its own for every round
  (``bench.py --worker ENGINE WORKLOAD ... --spec FILE`` prints that process's figures as JSON),
  so no engine's imports or garbage slow another: PyTorch is never imported in a process that
  times anything else, and each worker gets a clean heap;
- the garbage collector stays on (freeing graphs is part of a step's cost);
- every engine gets the same workloads, data and starting weights (from the spec file);
- every worker runs its maths on one thread (``SINGLE_THREAD``: OpenBLAS, OpenMP and MKL, so
  NumPy and PyTorch alike): the scalar engines are single-threaded, and on a shared machine
  BLAS threads only wait for each other (a 16x16 matrix product took 20 ms instead of 0.3 ms);
- rounds alternate the engines (the order rotates), and the tables give medians over rounds
  with the spread (min - max);
- the first table sets each figure of issue 24 beside its target (``TARGETS``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL = {"rounds": 5, "chain": 400, "chain_reps": 50, "repeats": 3, "points": 100, "steps": 3,
        "long_chains": [100_000, 1_000_000], "wide": 200_000, "memory_ops": 100_000,
        "rows": [100, 1_000, 10_000], "digits_epochs": 15, "digits_rounds": 1,
        "playground_epochs": 40}  # fmt: skip
QUICK = {"rounds": 1, "chain": 40, "chain_reps": 2, "repeats": 1, "points": 8, "steps": 1,
         "long_chains": [1_000, 10_000], "wide": 500, "memory_ops": 1_000,
         "rows": [10, 20], "digits_epochs": 1, "digits_rounds": 0, "playground_epochs": 2}  # fmt: skip

# engine -> (what it needs installed, the workloads it runs)
ENGINES: dict[str, tuple[list[str], list[str]]] = {
    "micrograd": (["micrograd"], ["chain", "moons", "memory"]),
    "autograd_tiny": ([], ["chain", "moons", "long_chains", "wide", "memory"]),
    "compile_graph": ([], ["moons"]),
    "replay": ([], ["moons", "rows", "playground"]),
    "batched": (["numpy"], ["moons", "rows", "digits"]),
    "torch_scalar": (["torch"], ["chain", "moons"]),
    "torch_batched": (["torch"], ["moons", "rows"]),
}
NAMES = {
    "micrograd": "micrograd 0.1.0",
    "autograd_tiny": "autograd_tiny, eager",
    "compile_graph": "autograd_tiny, `compile_graph` (the whole step's graph)",
    "replay": "autograd_tiny, `compile_replay` (one sample's graph, row by row)",
    "batched": "autograd_tiny, `compile_replay(...).batched` (NumPy, all rows at once)",
    "torch_scalar": "PyTorch, one 0-d tensor per scalar",
    "torch_batched": "PyTorch, batched float64 matrices",
}

Step = Callable[[], float]

SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# issue 24's targets: (what, where the figure is in results["ratios"], the bound, "min" or "max").
# The first two were met before and are kept; the others are this round's.
TARGETS: list[tuple[str, tuple[str, ...], float, str]] = [
    ("eager vs micrograd, chain, per operation", ("chain", "autograd_tiny", "vs_micrograd"), 5.0, "min"),
    ("eager vs micrograd, moons step", ("moons", "autograd_tiny", "micrograd"), 18.0, "min"),
    ("chain time ratio, 10x the operations", ("chain_growth", "time_ratio"), 11.0, "max"),
    ("the same inside `with large_graph():` (opt-in)", ("chain_growth", "time_ratio_large_graph"), 11.0,
     "max"),
    ("per-sample replay vs micrograd, moons step", ("moons", "replay", "micrograd"), 450.0, "min"),
    *((f"batched replay vs PyTorch batched, {n:,} rows", ("rows", str(n), "batched_vs_torch_batched"),
       0.5, "min") for n in (100, 1_000, 10_000)),
]  # fmt: skip


# ---- the workloads, run inside a worker ------------------------------------------------------


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """Median seconds of ``repeats`` calls, after one untimed warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def chain(leaf: Callable[[float], Any], n: int) -> Any:
    """n operations, alternating * and +: z = z * y + x."""
    x, y = leaf(0.5), leaf(1.0001)
    z = x
    for _ in range(n // 2):
        z = z * y + x
    return z


def count_nodes(root: Any, parents: Callable[[Any], Any]) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        for p in parents(stack.pop()):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


class Engine:
    """One engine's way of making leaves, MLPs and steps (only its own library is imported)."""

    def __init__(self, name: str, spec: dict[str, Any]) -> None:
        self.name, self.spec = name, spec
        self.size = spec["size"]

    # leaves and graphs ---------------------------------------------------------------------------
    def leaf(self) -> Callable[[float], Any]:
        if self.name == "micrograd":
            from micrograd.engine import Value

            return Value
        if self.name == "torch_scalar":
            import torch

            return lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True)
        from autograd_tiny import Value

        return Value

    def chain(self) -> dict[str, Any]:
        n, reps, leaf = self.size["chain"], self.size["chain_reps"], self.leaf()
        seconds = best_of(lambda: [chain(leaf, n).backward() for _ in range(reps)], self.size["repeats"])
        return {"ns_per_op": seconds / (n * reps) * 1e9}

    def long_chains(self) -> dict[str, Any]:
        """Forward and backward of long chains as a user runs them, and again inside `large_graph()`.

        The two runs take turns going first by round. After the `large_graph()` run, with the graph
        still alive, one ``gc.collect()`` is timed: the full pass the block put off, which a program
        that keeps its graph pays at the next full collection. Recording alone is timed once more with
        the collector paused altogether (``gc.disable()``): the floor for the recording.
        """
        from autograd_tiny import large_graph

        leaf = self.leaf()
        result: dict[str, Any] = {}
        for n in self.size["long_chains"]:
            figures: dict[str, float] = {}
            for inside in (False, True) if self.spec.get("round", 0) % 2 == 0 else (True, False):
                gc.collect()
                with large_graph() if inside else contextlib.nullcontext():
                    start = time.perf_counter()
                    z = chain(leaf, n)
                    recorded = time.perf_counter()
                    z.backward()
                    done = time.perf_counter()
                suffix = "_large_graph" if inside else ""
                figures |= {f"seconds{suffix}": done - start, f"record_seconds{suffix}": recorded - start,
                            f"backward_seconds{suffix}": done - recorded}  # fmt: skip
                if inside:
                    put_off = time.perf_counter()
                    gc.collect()
                    figures["full_pass_after_large_graph_seconds"] = time.perf_counter() - put_off
                del z
            gc.collect()
            gc.disable()
            try:
                paused = time.perf_counter()
                z = chain(leaf, n)
                figures["record_seconds_collector_off"] = time.perf_counter() - paused
            finally:
                gc.enable()
            del z
            result[str(n)] = figures
        return result

    def wide(self) -> dict[str, Any]:
        from autograd_tiny import Value

        n = self.size["wide"]
        a = [Value(i / n) for i in range(n)]
        b = [Value(1.0 - i / n) for i in range(n)]
        start = time.perf_counter()
        sum(x * y for x, y in zip(a, b)).backward()
        return {"seconds": time.perf_counter() - start, "products": n}

    def memory(self) -> dict[str, Any]:
        leaf, n = self.leaf(), self.size["memory_ops"]
        gc.collect()
        tracemalloc.start()
        z = chain(leaf, n)
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del z
        return {"bytes_per_node": held / n}

    # the moons step ---------------------------------------------------------------------------
    def moons(self) -> dict[str, Any]:
        xs, labels, weights = self.spec["moons_X"], self.spec["moons_y"], self.spec["moons_weights"]
        ys = [2.0 * c - 1.0 for c in labels]
        built = time.perf_counter()
        step, nodes = self.moons_step(xs, ys, labels, weights)
        first_loss = step()  # batched replay compiles its array code here
        setup = time.perf_counter() - built
        seconds = best_of(step, self.size["steps"])
        return {"seconds": seconds, "first_loss": first_loss, "setup_seconds": setup, "nodes": nodes}

    def moons_step(self, xs: list[list[float]], ys: list[float], labels: list[int], weights: list[float],
                   lr: float = 0.1) -> tuple[Step, int]:  # fmt: skip
        if self.name.startswith("torch"):
            return torch_moons_step(self.name, xs, ys, weights, lr), 0
        if self.name == "micrograd":
            from micrograd.nn import MLP

            model: Any = MLP(2, [16, 16, 1])
            value: Any = self.leaf()
            parents: Callable[[Any], Any] = lambda v: v._prev
        else:
            from autograd_tiny import nn

            model = nn.MLP(2, [16, 16, 1])
            value = self.leaf()
            parents = lambda v: v.parents
        for p, w in zip(model.parameters(), weights):
            p.data = w
        if self.name in ("replay", "batched", "compile_graph"):
            return autograd_tiny_compiled_step(self.name, model, xs, ys, labels, lr)

        def step() -> float:
            scores = [model([value(a) for a in row]) for row in xs]
            losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
            loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= lr * p.grad
            return float(loss.data)

        probe = [(1 + -y * model([value(a) for a in row])).relu() for y, row in zip(ys, xs)]
        nodes = count_nodes(sum(probe) * (1.0 / len(probe)) + 1e-4 * sum(p * p for p in model.parameters()),
                            parents)  # fmt: skip
        return step, nodes

    # rows: one MLP step over more and more rows -----------------------------------------------
    def rows(self) -> dict[str, Any]:
        result = {}
        for n in self.size["rows"]:
            xs, labels = self.spec["rows_X"][:n], self.spec["rows_y"][:n]
            ys = [2.0 * c - 1.0 for c in labels]
            weights = self.spec["moons_weights"]
            if self.name == "torch_batched":
                step = torch_moons_step(self.name, xs, ys, weights, 0.1)
            else:
                from autograd_tiny import nn

                model = nn.MLP(2, [16, 16, 1])
                for p, w in zip(model.parameters(), weights):
                    p.data = w
                step, _ = autograd_tiny_compiled_step(self.name, model, xs, ys, labels, 0.1)
            result[str(n)] = {"seconds": best_of(step, self.size["steps"])}
        return result

    # the playground: epochs per second as its views train ---------------------------------------
    def playground(self) -> dict[str, Any]:
        from autograd_tiny.playground import Playground, Settings
        from autograd_tiny.playground.picture import picture

        settings = Settings(dataset="moons", hidden=(8, 8), points=200, test_fraction=0.5, batch_size=10)
        pg = Playground(settings)
        epochs = self.size["playground_epochs"]
        start = time.perf_counter()
        pg.step(epochs)  # each epoch: 10 replayed SGD steps, then the train and test losses
        seconds = time.perf_counter() - start
        frame = best_of(lambda: picture(pg), self.size["repeats"])
        return {"epochs_per_second": epochs / seconds, "train_points": len(pg.X_train),
                "frame_seconds": frame}  # fmt: skip

    # digits: the real training workload -------------------------------------------------------
    def digits(self) -> dict[str, Any]:
        if self.size["digits_rounds"] == 0 or self.spec["round"] >= self.size["digits_rounds"]:
            return {}
        from autograd_tiny import Value, backward_order, nn, optim
        from autograd_tiny.data import load_digits, train_test_split
        from autograd_tiny.replay_training import SAMPLE_LOSSES
        from autograd_tiny.train import accuracy, fit

        X, y = load_digits()
        X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=1337)
        model = nn.MLP(64, [32, 10], seed=1337)
        epochs = self.size["digits_epochs"]
        start = time.perf_counter()
        fit(model, X_train, y_train, optim.Adam(model.parameters(), lr=0.01), loss="cross_entropy",
            epochs=epochs, batch_size=64, seed=1337, verbose=False, compile="batched")  # fmt: skip
        seconds = time.perf_counter() - start
        # the eager graph of one sample (forward and loss) that a scalar engine would build per sample
        sample = SAMPLE_LOSSES["cross_entropy"]
        out = model([Value(v) for v in X_train[0]])
        nodes = len(backward_order(sample.loss(out, [Value(v) for v in sample.label_row(y_train[0], 10)])))
        return {"seconds": seconds, "epochs": epochs, "train_samples": len(X_train),
                "nodes_per_sample": nodes, "test_accuracy": accuracy(model, X_test, y_test, "cross_entropy")}


def autograd_tiny_compiled_step(name: str, model: Any, xs: list[list[float]], ys: list[float],
                                labels: list[int], lr: float) -> tuple[Step, int]:  # fmt: skip
    """The moons step by compile_graph (the whole step recorded once) or by replay of one sample."""
    from autograd_tiny import Value, compile_graph

    params = model.parameters()
    if name == "compile_graph":
        scores = [model([Value(a) for a in row]) for row in xs]
        losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
        replay = compile_graph(loss, params)
        weights = [p.data for p in params]

        def step() -> float:
            nonlocal weights
            value, grads = replay(weights)
            weights = [w - lr * g for w, g in zip(weights, grads)]
            return value

        return step, 0
    from autograd_tiny.replay_training import SAMPLE_LOSSES, ReplayedStep

    replayed = ReplayedStep(model, SAMPLE_LOSSES["hinge"], xs, labels, 2, 1e-4, batched=name == "batched")
    everything = list(range(len(xs)))

    def replay_step() -> float:
        loss, _ = replayed(everything)
        for p in params:
            p.data -= lr * p.grad
        return loss

    return replay_step, 0


def torch_moons_step(name: str, xs: list[list[float]], ys: list[float], weights: list[float], lr: float
                     ) -> Step:  # fmt: skip
    """The moons step in PyTorch float64: one 0-d tensor per scalar, or batched matrices."""
    import torch

    sizes, layers, k = [2, 16, 16, 1], [], 0
    for nin, nout in itertools.pairwise(sizes):
        neurons = []
        for _ in range(nout):
            neurons.append((weights[k : k + nin], weights[k + nin]))
            k += nin + 1
        layers.append(neurons)

    def tensor(x: Any, grad: bool = True) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=grad)

    def sgd(loss: Any, params: list[Any]) -> float:
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return float(loss.item())

    if name == "torch_scalar":
        scalars = [[([tensor(w) for w in ws], tensor(b)) for ws, b in layer] for layer in layers]
        flat = [t for layer in scalars for ws, b in layer for t in (*ws, b)]

        def per_scalar() -> float:
            total: Any = 0
            for row, y in zip(xs, ys):
                h = [tensor(a, grad=False) for a in row]
                for i, layer in enumerate(scalars):
                    h = [sum((w * a for w, a in zip(ws, h)), b) for ws, b in layer]
                    h = [v.relu() for v in h] if i < len(scalars) - 1 else h
                total = total + (1 + -y * h[0]).relu()
            return sgd(total * (1.0 / len(xs)) + 1e-4 * sum(p * p for p in flat), flat)

        return per_scalar
    mats = [(tensor([ws for ws, _ in layer]), tensor([b for _, b in layer])) for layer in layers]
    x_batch, y_batch = tensor(xs, grad=False), tensor(ys, grad=False)

    def batched() -> float:
        h = x_batch
        for i, (w, b) in enumerate(mats):
            h = h @ w.T + b
            h = h.relu() if i < len(mats) - 1 else h
        data_loss = (1 - y_batch * h[:, 0]).relu().mean()
        loss = data_loss + 1e-4 * sum((w * w).sum() + (b * b).sum() for w, b in mats)
        return sgd(loss, [t for pair in mats for t in pair])

    return batched


def worker(engine: str, workloads: list[str], spec_path: Path) -> dict[str, Any]:
    spec = json.loads(spec_path.read_text())
    runner = Engine(engine, spec)
    results = {}
    for workload in workloads:
        gc.collect()
        results[workload] = getattr(runner, workload)()
    results["modules"] = {f"{name}_imported": int(name in sys.modules) for name in ("torch", "micrograd")}
    return results


# ---- the parent: rounds of fresh workers, medians, ratios, tables --------------------------------


def available(engine: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in ENGINES[engine][0])


def make_spec(size: dict[str, Any]) -> dict[str, Any]:
    """The data and starting weights every engine shares (made here, with the engine's own helpers)."""
    from autograd_tiny import nn
    from autograd_tiny.data import make_moons

    X, y = make_moons(size["points"], noise=0.1, seed=1)
    rows_X, rows_y = make_moons(max(size["rows"]), noise=0.1, seed=2)
    weights = [p.data for p in nn.MLP(2, [16, 16, 1], seed=1).parameters()]
    return {"size": size, "moons_X": X, "moons_y": y, "moons_weights": weights, "rows_X": rows_X,
            "rows_y": rows_y}  # fmt: skip


def run_worker(engine: str, spec: dict[str, Any], round_: int, directory: Path) -> dict[str, Any]:
    path = directory / f"spec_{round_}.json"
    if not path.exists():
        path.write_text(json.dumps({**spec, "round": round_}))
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, *ENGINES[engine][1],
               "--spec", str(path)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          env={**os.environ, **SINGLE_THREAD})  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"worker {engine} failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def spread(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def leaves(tree: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], float]:
    """Every number in a nested dict, by its path."""
    if isinstance(tree, dict):
        found: dict[tuple[str, ...], float] = {}
        for key, value in tree.items():
            found.update(leaves(value, (*path, key)))
        return found
    return {path: tree} if isinstance(tree, (int, float)) and not isinstance(tree, bool) else {}


def aggregate(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """engine -> workload -> ... -> {median, min, max, runs} over the rounds."""
    result: dict[str, Any] = {}
    for engine, rounds in runs.items():
        by_path: dict[tuple[str, ...], list[float]] = {}
        for figures in rounds:
            for path, value in leaves(figures).items():
                by_path.setdefault(path, []).append(value)
        for path, values in by_path.items():
            node = result.setdefault(engine, {})
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = spread(values)
    return result


def ratios(figures: dict[str, Any]) -> dict[str, Any]:
    """Speed-ups (how many times faster) from the medians: x / y of the time per unit."""

    def med(engine: str, *path: str) -> float | None:
        node: Any = figures.get(engine)
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return float(node["median"])

    def over(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b is not None and b > 0 else None

    out: dict[str, Any] = {"chain": {}, "moons": {}, "rows": {}}
    for engine in figures:
        ns = med(engine, "chain", "ns_per_op")
        if ns is not None:
            out["chain"][engine] = {"vs_micrograd": over(med("micrograd", "chain", "ns_per_op"), ns),
                                    "vs_torch_scalar": over(med("torch_scalar", "chain", "ns_per_op"), ns)}
        s = med(engine, "moons", "seconds")
        if s is not None:
            out["moons"][engine] = {other: over(med(other, "moons", "seconds"), s)
                                    for other in ("micrograd", "torch_scalar", "torch_batched")}
    long = figures.get("autograd_tiny", {}).get("long_chains", {})
    if len(long) >= 2:
        small, big = sorted(long, key=int)[:2]
        out["chain_growth"] = {"ops": [int(small), int(big)],
                               "time_ratio": over(med("autograd_tiny", "long_chains", big, "seconds"),
                                                  med("autograd_tiny", "long_chains", small, "seconds")),
                               "time_ratio_large_graph": over(
                                   med("autograd_tiny", "long_chains", big, "seconds_large_graph"),
                                   med("autograd_tiny", "long_chains", small, "seconds_large_graph"))}
    for n in figures.get("batched", {}).get("rows", {}):
        b = med("batched", "rows", n, "seconds")
        out["rows"][n] = {"batched_vs_replay": over(med("replay", "rows", n, "seconds"), b),
                          "batched_vs_torch_batched": over(med("torch_batched", "rows", n, "seconds"), b)}
    digits = figures.get("batched", {}).get("digits")
    micro = figures.get("micrograd", {}).get("moons")
    if digits and micro:
        micro_ns_per_node = micro["seconds"]["median"] / micro["nodes"]["median"]
        work = (digits["nodes_per_sample"]["median"] * digits["train_samples"]["median"]
                * digits["epochs"]["median"])
        out["digits"] = {"micrograd_estimated_seconds": work * micro_ns_per_node,
                         "micrograd_seconds_per_node": micro_ns_per_node}
        eager = figures.get("autograd_tiny", {}).get("moons")
        if eager:
            per_node = eager["seconds"]["median"] / eager["nodes"]["median"]
            out["digits"]["eager_estimated_seconds"] = work * per_node
    return out  # fmt: skip


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if "model name" in line]  # fmt: skip
        cpu = names[0] if names else cpu
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "system": platform.platform(),
            "load_average_at_start": load, "threads_per_worker": 1}  # fmt: skip


def main_run(quick: bool, json_path: Path | None, rounds: int | None, only: list[str] | None = None
             ) -> dict[str, Any]:  # fmt: skip
    size = dict(QUICK if quick else FULL)
    if rounds is not None:
        size["rounds"] = rounds
    wanted = [e for e in ENGINES if only is None or e in only]  # --engines: only these, side by side
    engines = [e for e in wanted if available(e)]
    missing = [e for e in wanted if e not in engines]
    if missing:
        print(f"skipping {', '.join(missing)}: not installed (pip install -e '.[bench]')", flush=True)
    spec = make_spec(size)
    runs: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(size["rounds"]):
            order = engines[r % len(engines) :] + engines[: r % len(engines)]  # alternate who goes first
            for engine in order:
                print(f"round {r + 1}/{size['rounds']}: {engine} ...", flush=True)
                runs[engine].append(run_worker(engine, spec, r, Path(tmp)))
    figures = aggregate(runs)
    results = {"machine": machine(), "quick": quick, "sizes": size, "figures": figures,
               "ratios": ratios(figures), "wall_seconds": time.perf_counter() - started}
    print(report(results))
    if json_path is not None:
        json_path.write_text(json.dumps(results, indent=1) + "\n")
    return results


# ---- tables -------------------------------------------------------------------------------------


def fmt_seconds(s: float) -> str:
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} us"


def fmt_ratio(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}x" if x >= 100 else (f"{x:.1f}x" if x >= 1 else f"{x:.2g}x")


def cell(node: dict[str, Any], show: Callable[[float], str]) -> str:
    """median (min - max)"""
    if node["min"] == node["max"]:
        return show(node["median"])
    return f"{show(node['median'])} ({show(node['min'])} - {show(node['max'])})"


def target_rows(ratios_: dict[str, Any]) -> list[list[str]]:
    """Each target's figure from the medians, the target, and whether it is met (- if not measured)."""
    rows = []
    for what, path, bound, kind in TARGETS:
        node: Any = ratios_
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        growth = path[0] == "chain_growth"
        shown = "-" if node is None else (f"{node:.1f}" if growth else fmt_ratio(node))
        target = f"{'>=' if kind == 'min' else '<='} {bound:g}{'' if growth else 'x'}"
        within = node is not None and (node >= bound if kind == "min" else node <= bound)
        met = "-" if node is None else ("yes" if within else "no")
        rows.append([what, shown, target, met])
    return rows


def rows_of_tables(results: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The tables, as (title, header, rows), for both the text report and the markdown."""
    figures, rat = results["figures"], results["ratios"]
    ns = lambda x: f"{x:,.0f} ns"
    tables = [("Issue 24's figures beside their targets (medians of this run)",
               ["figure", "measured", "target", "met"], target_rows(rat))]  # fmt: skip
    chain_rows = [[NAMES[e], cell(figures[e]["chain"]["ns_per_op"], ns),
                   fmt_ratio(rat["chain"][e]["vs_micrograd"]), fmt_ratio(rat["chain"][e]["vs_torch_scalar"])]
                  for e in figures if "chain" in figures[e]]  # fmt: skip
    size = results["sizes"]
    tables.append((f"Chain of {size['chain']} alternating * and +, forward and backward, per operation",
                   ["engine", "median (min - max)", "vs micrograd", "vs PyTorch per scalar"], chain_rows))
    moons_rows = []
    for e in figures:
        if "moons" in figures[e]:
            r = rat["moons"][e]
            against = [fmt_ratio(r[other]) for other in ("micrograd", "torch_scalar", "torch_batched")]
            moons_rows.append([NAMES[e], cell(figures[e]["moons"]["seconds"], fmt_seconds), *against])
    header = ["engine", "median (min - max)", "vs micrograd", "vs PyTorch per scalar", "vs PyTorch batched"]
    title = f"One step of micrograd's moons demo (MLP(2, [16, 16, 1]), {size['points']} points, hinge + L2)"
    tables.append((title, header, moons_rows))
    if rat["rows"]:
        row_rows = []
        for n, r in rat["rows"].items():
            times = [cell(figures[e]["rows"][n]["seconds"], fmt_seconds) if "rows" in figures.get(e, {})
                     else "-" for e in ("replay", "batched", "torch_batched")]
            row_rows.append([f"{int(n):,}", *times, fmt_ratio(r["batched_vs_replay"]),
                             fmt_ratio(r["batched_vs_torch_batched"])])
        tables.append(("The moons step over more rows: replayed row by row, batched on NumPy, PyTorch",
                       ["rows", "replay", "batched", "PyTorch batched", "batched vs replay",
                        "batched vs PyTorch"], row_rows))
    return tables  # fmt: skip


def other_lines(results: dict[str, Any]) -> list[str]:
    figures, rat, lines = results["figures"], results["ratios"], []
    eager = figures.get("autograd_tiny", {})
    moons = {e: f["moons"] for e, f in figures.items() if "moons" in f}
    for e in ("compile_graph", "replay", "batched"):
        if e in moons:
            lines.append(f"Compiling, and the first step, for {NAMES[e]}: "
                         f"{fmt_seconds(moons[e]['setup_seconds']['median'])}.")
    losses = [m["first_loss"]["median"] for m in moons.values()]
    if losses:
        lines.append(f"Every engine starts from the same weights: first losses agree to "
                     f"{max(losses) - min(losses):.1e}.")
    if "chain_growth" in rat:
        small, big = rat["chain_growth"]["ops"]
        long = eager["long_chains"]
        lines.append(f"Chains of {small:,} and {big:,} operations (eager, forward and backward): "
                     f"{cell(long[str(small)]['seconds'], fmt_seconds)} and "
                     f"{cell(long[str(big)]['seconds'], fmt_seconds)}, "
                     f"a time ratio of {rat['chain_growth']['time_ratio']:.1f} for {big // small}x the nodes "
                     "(micrograd cannot backpropagate chains this long: its topological sort recurses).")
        lines.append("Recording alone, with the cyclic collector on, then paused (`gc.disable()`, timed "
                     "apart): " + "; ".join(
            f"{int(n):,} operations {cell(long[n]['record_seconds'], fmt_seconds)}, then "
            f"{cell(long[n]['record_seconds_collector_off'], fmt_seconds)}" for n in (str(small), str(big)))
            + "; backward alone: " + " and ".join(cell(long[n]["backward_seconds"], fmt_seconds)
                                                  for n in (str(small), str(big))) + ".")
        if "seconds_large_graph" in long[str(big)]:
            sizes = (str(small), str(big))
            both = lambda key: " and ".join(cell(long[n][key], fmt_seconds) for n in sizes)
            lines.append("The same chains inside `with large_graph():` (no full collections while it is "
                         f"open; the same processes, taking turns with the runs above): "
                         f"{both('seconds_large_graph')}, a time ratio of "
                         f"{rat['chain_growth']['time_ratio_large_graph']:.1f}; recording alone "
                         f"{both('record_seconds_large_graph')}. The full pass it put off, over the graph "
                         f"if the program keeps it (one `gc.collect()` after the block): "
                         f"{both('full_pass_after_large_graph_seconds')}.")
    if "wide" in eager:
        lines.append(f"A wide `sum` of {int(eager['wide']['products']['median']):,} products, forward and "
                     f"backward: {cell(eager['wide']['seconds'], fmt_seconds)}.")
    memory = {e: f["memory"]["bytes_per_node"]["median"] for e, f in figures.items() if "memory" in f}
    if memory:
        lines.append("Memory per operation node (tracemalloc, a chain): "
                     + ", ".join(f"{NAMES[e].split(',')[0]} {v:.0f} bytes" for e, v in memory.items()) + ".")
    playground = figures.get("replay", {}).get("playground")
    if playground:
        lines.append(f"The playground (`autograd_tiny.playground`: moons, `MLP(2, [8, 8, 1])`, "
                     f"{int(playground['train_points']['median'])} training points, batches of 10, the train "
                     f"and test losses after every epoch) by replay: "
                     f"{cell(playground['epochs_per_second'], lambda x: f'{x:.1f}')} epochs per second; one "
                     f"frame (every unit over a 30 x 30 grid, as SVG): "
                     f"{cell(playground['frame_seconds'], fmt_seconds)}.")
    digits = figures.get("batched", {}).get("digits")
    if digits:
        est = rat.get("digits", {})
        text = (f"Digits (`MLP(64, [32, 10])`, softmax cross-entropy, Adam, "
                f"{int(digits['epochs']['median'])} epochs of mini-batches of 64 over "
                f"{int(digits['train_samples']['median']):,} images) by batched "
                f"replay: {cell(digits['seconds'], fmt_seconds)}, test accuracy "
                f"{digits['test_accuracy']['median']:.1%}")
        if "micrograd_estimated_seconds" in est:
            text += (f"; micrograd would take about {est['micrograd_estimated_seconds'] / 60:,.0f} minutes "
                     f"({int(digits['nodes_per_sample']['median']):,} nodes per sample at its measured "
                     f"{est['micrograd_seconds_per_node'] * 1e9:,.0f} ns per node in the moons step)")
        if "eager_estimated_seconds" in est:
            text += f", autograd_tiny eager about {est['eager_estimated_seconds'] / 60:,.0f} minutes"
        lines.append(text + ".")
    return lines  # fmt: skip


# Above this load average per core at the start, the run is flagged: micrograd slows more than we do on a
# busy machine, so ratios against it read high (0.75 on 2 cores: 1.5).
BUSY_LOAD_PER_CORE = 0.75


def busy_note(machine_: dict[str, Any]) -> str | None:
    """A warning when the machine was busy as the run started, else None."""
    load, cores = machine_.get("load_average_at_start"), machine_.get("cores") or 1
    if load is None or load <= BUSY_LOAD_PER_CORE * cores:
        return None
    return (f"Busy machine (load average {load:.1f} on {cores} cores at the start): micrograd slows "
            "more than autograd_tiny under load, so the ratios against it read high (docs/speed.md); "
            "for figures to compare with targets, run again on an idle machine.")


def report(results: dict[str, Any]) -> str:
    note = busy_note(results["machine"])
    out = [note, ""] if note else []
    for title, header, rows in rows_of_tables(results):
        widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
        out.append(title)
        out += ["  " + "  ".join(str(x).ljust(w) for x, w in zip(line, widths)) for line in [header, *rows]]
        out.append("")
    return "\n".join(out + other_lines(results))


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    load = m.get("load_average_at_start")
    lines = [f"Figures from `benchmarks/results.json`: one `make bench` run "
             f"({results['sizes']['rounds']} rounds; "
             f"{m['cores']}-core {m['cpu']}, {m['implementation']} {m['python']}"
             + (f", load average {load:.1f} when it started" if load is not None else "") + "). "
             "Regenerate this section with `python benchmarks/bench.py --markdown`.", ""]  # fmt: skip
    note = busy_note(m)
    if note:
        lines += [f"**{note}**", ""]
    for title, header, rows in rows_of_tables(results):
        lines += [f"**{title}**", "", "| " + " | ".join(header) + " |",
                  "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        lines.append("")
    lines += [f"- {line}" for line in other_lines(results)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round: proves the script works")
    parser.add_argument("--json", type=Path, help="write the figures here (--markdown: read them from here)")
    parser.add_argument("--rounds", type=int, help="rounds (default: 5, quick 1)")
    parser.add_argument("--engines", nargs="+", choices=list(ENGINES), metavar="ENGINE",
                        help=f"run only these engines (default: all of {', '.join(ENGINES)})")  # fmt: skip
    parser.add_argument("--markdown", action="store_true",
                        help="print the README's speed section from --json")  # fmt: skip
    parser.add_argument("--worker", nargs="+", metavar=("ENGINE", "WORKLOAD"), help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        engine, *workloads = args.worker
        print(json.dumps(worker(engine, workloads, args.spec)))
    elif args.markdown:
        print(markdown(json.loads((args.json or ROOT / "benchmarks" / "results.json").read_text())))
    else:
        main_run(args.quick, args.json, args.rounds, args.engines)


if __name__ == "__main__":
    main()
