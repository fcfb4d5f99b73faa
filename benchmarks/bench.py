"""Time autograd_tiny side by side with micrograd 0.1.0 and PyTorch; print a table, write JSON.

Run: ``python benchmarks/bench.py [--quick] [--json PATH]`` (``make bench`` does the full run).
Engines alternate within each round and the medians are reported, so background load hits all
of them alike. The garbage collector stays on: freeing graphs is part of the cost of a step.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd_tiny import Value, compile_graph, nn
from autograd_tiny.data import make_moons

Step = Callable[[], float]
FULL = {
    "points": 100,
    "rounds": 5,
    "batch": 3,
    "chain": 400,
    "chain_reps": 50,
    "long_chain": 1_000_000,
    "wide": 200_000,
    "memory_ops": 100_000,
    "scaling": [10_000, 100_000, 1_000_000],
}
QUICK = {"points": 8, "rounds": 1, "batch": 1, "chain": 40, "chain_reps": 2, "long_chain": 2_000,
         "wide": 500, "memory_ops": 1_000, "scaling": [100, 1_000]}  # fmt: skip


def ensure(module: str, requirement: str, install: bool) -> Any:
    """Import module, pip-installing requirement first when allowed; None if it stays unavailable."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if not install:
            return None
    print(f"installing {requirement} ...", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", requirement], check=True)
    return importlib.import_module(module)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def alternate(contenders: dict[str, Callable[[], object]], rounds: int, batch: int = 1) -> dict[str, float]:
    """Median seconds per call of each contender, taking turns: each round runs each one batch times.

    The heap is cleaned (untimed) before each turn, and a turn runs several calls in a row, so
    each engine pays for collecting its own garbage (micrograd's closures make cycles that only
    the cyclic collector frees) and not for the garbage of the engine before it.
    """
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            gc.collect()
            times[name].append(timed(lambda fn=fn: [fn() for _ in range(batch)]) / batch)
    return {name: statistics.median(t) for name, t in times.items()}


# ---- the moons step of micrograd's demo: MLP(2, [16, 16, 1]), hinge loss, L2, SGD ------------


def moons_loss(model: Any, value: Any, xs: list[list[float]], ys: list[float]) -> Any:
    """micrograd's demo loss: mean hinge loss plus 1e-4 times the sum of squared parameters."""
    scores = [model([value(a) for a in row]) for row in xs]
    losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + 1e-4 * sum(p * p for p in model.parameters())


def eager_step(model: Any, value: Any, xs: list[list[float]], ys: list[float], lr: float = 0.1) -> Step:
    def step() -> float:
        loss = moons_loss(model, value, xs, ys)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad
        return float(loss.data)

    return step


def compiled_step(model: nn.MLP, xs: list[list[float]], ys: list[float], lr: float = 0.1) -> Step:
    """Record the loss once, then step on plain floats with the compiled replay."""
    params = model.parameters()
    replay = compile_graph(moons_loss(model, Value, xs, ys), params)
    weights = [p.data for p in params]

    def step() -> float:
        nonlocal weights
        loss, grads = replay(weights)
        weights = [w - lr * g for w, g in zip(weights, grads)]
        return loss

    return step


def torch_steps(
    torch: Any, model: nn.MLP, xs: list[list[float]], ys: list[float], lr: float = 0.1
) -> dict[str, Step]:
    """The same step in PyTorch (float64): one 0-d tensor per scalar, and batched matrices."""
    layers = [[([w.data for w in n.w], n.b.data) for n in layer.neurons] for layer in model.layers]
    scalars = [
        [
            (
                [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in ws],
                torch.tensor(b, dtype=torch.float64, requires_grad=True),
            )
            for ws, b in layer
        ]
        for layer in layers
    ]
    flat = [t for layer in scalars for ws, b in layer for t in (*ws, b)]
    mats = [
        (
            torch.tensor([ws for ws, _ in layer], dtype=torch.float64, requires_grad=True),
            torch.tensor([b for _, b in layer], dtype=torch.float64, requires_grad=True),
        )
        for layer in layers
    ]
    x_batch = torch.tensor(xs, dtype=torch.float64)
    y_batch = torch.tensor(ys, dtype=torch.float64)

    def per_scalar() -> float:
        total = 0
        for row, y in zip(xs, ys):
            h = [torch.tensor(a, dtype=torch.float64) for a in row]
            for i, layer in enumerate(scalars):
                h = [sum((w * a for w, a in zip(ws, h)), b) for ws, b in layer]
                h = [v.relu() for v in h] if i < len(scalars) - 1 else h
            total = total + (1 + -y * h[0]).relu()
        loss = total * (1.0 / len(xs)) + 1e-4 * sum(p * p for p in flat)
        return sgd(loss, flat)

    def batched() -> float:
        h = x_batch
        for i, (w, b) in enumerate(mats):
            h = h @ w.T + b
            h = h.relu() if i < len(mats) - 1 else h
        data_loss = (1 - y_batch * h[:, 0]).relu().mean()
        loss = data_loss + 1e-4 * sum((w * w).sum() + (b * b).sum() for w, b in mats)
        return sgd(loss, [t for pair in mats for t in pair])

    def sgd(loss: Any, params: list[Any]) -> float:
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return float(loss.item())

    return {"torch per-scalar": per_scalar, "torch batched": batched}


def bench_moons(size: dict[str, Any], micrograd: Any, torch: Any) -> dict[str, Any]:
    xs, labels = make_moons(size["points"], noise=0.1, seed=1)
    ys = [2.0 * c - 1.0 for c in labels]
    ours = nn.MLP(2, [16, 16, 1], seed=1)
    steps: dict[str, Step] = {}
    if micrograd is not None:
        theirs = micrograd.nn.MLP(2, [16, 16, 1])
        for mine, their in zip(ours.parameters(), theirs.parameters()):
            their.data = mine.data  # the same starting weights, so the same numbers
        steps["micrograd"] = eager_step(theirs, micrograd.engine.Value, xs, ys)
    compile_seconds = timed(
        lambda: steps.setdefault("compiled", compiled_step(nn.MLP(2, [16, 16, 1], seed=1), xs, ys))
    )
    steps["autograd_tiny"] = eager_step(ours, Value, xs, ys)
    if torch is not None:
        steps.update(torch_steps(torch, nn.MLP(2, [16, 16, 1], seed=1), xs, ys))
    first = {name: step() for name, step in steps.items()}  # warm up; all start from the same weights
    seconds = alternate(steps, size["rounds"], batch=size["batch"])
    result = {
        "seconds": seconds,
        "first_loss": first,
        "compile_seconds": compile_seconds,
        "compile_over_eager_step": compile_seconds / seconds["autograd_tiny"],
    }
    if micrograd is not None:
        result["speedup_over_micrograd"] = {k: seconds["micrograd"] / v for k, v in seconds.items()}
    return result


# ---- chains, a wide sum, memory and scaling -----------------------------------------------


def chain(value: Any, n: int) -> Any:
    """n operations, alternating * and +: z = z * y + x."""
    x, y = value(0.5), value(1.0001)
    z = x
    for _ in range(n // 2):
        z = z * y + x
    return z


def bench_chains(size: dict[str, Any], micrograd: Any) -> dict[str, Any]:
    n, reps = size["chain"], size["chain_reps"]

    def repeat(value: Any) -> Callable[[], None]:
        return lambda: [chain(value, n).backward() for _ in range(reps)] and None

    contenders = {"autograd_tiny": repeat(Value)}
    if micrograd is not None:
        contenders["micrograd"] = repeat(micrograd.engine.Value)
    per_op = {k: s / (n * reps) * 1e9 for k, s in alternate(contenders, size["rounds"] * 2 + 1).items()}
    result: dict[str, Any] = {"ops": n, "ns_per_op": per_op}
    if micrograd is not None:
        result["speedup_over_micrograd"] = per_op["micrograd"] / per_op["autograd_tiny"]
    long = size["long_chain"]
    result["long_chain"] = {
        "ops": long,
        "ns_per_op": timed(lambda: chain(Value, long).backward()) / long * 1e9,
    }
    return result


def bench_wide_sum(n: int) -> dict[str, Any]:
    """sum(a_i * b_i) over n pairs: n products and n additions, backward through all of them."""
    a = [Value(i / n) for i in range(n)]
    b = [Value(1.0 - i / n) for i in range(n)]
    seconds = timed(lambda: sum(x * y for x, y in zip(a, b)).backward())
    return {"products": n, "seconds": seconds, "ns_per_op": seconds / (2 * n) * 1e9}


def bytes_per_op(value: Any, n: int) -> float:
    """Memory held by a chain of n operations (tracemalloc), per operation."""
    gc.collect()
    tracemalloc.start()
    z = chain(value, n)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del z
    return held / n


def bench_scaling(sizes: list[int]) -> dict[str, Any]:
    """Forward and backward time per operation of a chain, as the chain grows."""
    rows = {}
    for n in sizes:
        forward = alternate({"forward": lambda n=n: chain(Value, n)}, rounds=3)["forward"]
        z = chain(Value, n)
        rows[n] = {
            "forward_ns_per_op": forward / n * 1e9,
            "backward_seconds": alternate({"backward": z.backward}, rounds=3)["backward"],
        }
        del z
    big, small = sizes[-1], sizes[-2]
    return {
        "by_ops": rows,
        f"backward_time_ratio_{big}_over_{small}": rows[big]["backward_seconds"]
        / rows[small]["backward_seconds"],
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line
        ]
        cpu = names[0] if names else cpu
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": platform.platform(),
    }


def table(results: dict[str, Any]) -> str:
    moons = results["moons_step"]
    lines = [f"moons step, MLP(2, [16, 16, 1]) on {results['sizes']['points']} points (median seconds)"]
    for name, s in moons["seconds"].items():
        ratio = moons.get("speedup_over_micrograd", {}).get(name)
        lines.append(f"  {name:18s} {s:10.5f} s" + (f"   {ratio:7.1f}x micrograd" if ratio else ""))
    lines.append(
        f"  compile_graph once {moons['compile_seconds']:10.5f} s"
        f"   = {moons['compile_over_eager_step']:.2f} eager steps"
    )
    chains = results["chain"]
    lines.append(f"chain of {chains['ops']} * and + ops, forward + backward (ns per op)")
    for name, ns in chains["ns_per_op"].items():
        lines.append(f"  {name:18s} {ns:10.0f}")
    if "speedup_over_micrograd" in chains:
        lines.append(f"  speedup over micrograd {chains['speedup_over_micrograd']:.2f}x")
    lines.append(
        f"  autograd_tiny, {chains['long_chain']['ops']} ops: {chains['long_chain']['ns_per_op']:.0f} ns/op"
    )
    wide = results["wide_sum"]
    lines.append(
        f"wide sum of {wide['products']} products: {wide['seconds']:.3f} s ({wide['ns_per_op']:.0f} ns/op)"
    )
    lines.append(
        "bytes per operation node: " + ", ".join(f"{k} {v:.0f}" for k, v in results["bytes_per_op"].items())
    )
    scaling = results["scaling"]
    for n, row in scaling["by_ops"].items():
        lines.append(
            f"  {n:>9} ops: forward {row['forward_ns_per_op']:6.0f} ns/op, "
            f"backward {row['backward_seconds']:.4f} s"
        )
    key = next(k for k in scaling if k.startswith("backward_time_ratio"))
    lines.append(f"  {key}: {scaling[key]:.2f} (linear would be {key.split('_')[-3]} / {key.split('_')[-1]})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round: proves the script works")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    micrograd = ensure("micrograd", "micrograd==0.1.0", install=not args.quick)
    if micrograd is not None:
        importlib.import_module("micrograd.nn")
    torch = ensure("torch", "torch==2.13.0", install=not args.quick)
    results: dict[str, Any] = {"machine": machine(), "sizes": size, "quick": args.quick}
    results["moons_step"] = bench_moons(size, micrograd, torch)
    results["chain"] = bench_chains(size, micrograd)
    results["wide_sum"] = bench_wide_sum(size["wide"])
    results["bytes_per_op"] = {"autograd_tiny": bytes_per_op(Value, size["memory_ops"])}
    if micrograd is not None:
        results["bytes_per_op"]["micrograd"] = bytes_per_op(micrograd.engine.Value, size["memory_ops"])
    results["scaling"] = bench_scaling(size["scaling"])
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
