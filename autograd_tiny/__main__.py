"""Command line: ``python -m autograd_tiny train ...`` trains an MLP on a toy dataset and draws it.

With no options it runs micrograd's demo: two moons (100 points, noise 0.1), MLP(2, [16, 16, 1]),
hinge loss with an L2 penalty of 1e-4, 100 steps of SGD with the learning rate decaying from
1.0 to 0.1. It saves the model (JSON), the decision boundary and the computation graph of one
sample's forward pass and loss (pictures in the format their file names' suffixes say).

Every argument and every output path is checked before training starts, sizes too: a run
whose training step would record a graph larger than half of this machine's memory (at 152 bytes
a node, as the engine's nodes measure), or whose history of epochs would, is refused before
anything is built. Exit status: 0 done,
1 failed (training diverged, an output could not be written), 2 bad arguments, 130 stopped by
a second Ctrl-C (the first one ends training after the current step and saves what was learnt).
A reader of the output that leaves early (`| head -1`) only silences the printing.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import itertools
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from autograd_tiny.checks import brief
from autograd_tiny.data import (
    Dataset,
    load_digits,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)
from autograd_tiny.engine import Value
from autograd_tiny.nn import ACTIVATIONS, MLP
from autograd_tiny.optim import SGD, Adam, Optimizer
from autograd_tiny.scopes import record_scopes
from autograd_tiny.train import (
    OBJECTIVES,
    History,
    Objective,
    accuracy,
    fit,
    get_objective,
    picture_format,
    plot_decision_boundary,
)

T = TypeVar("T")
DEFAULT_LR = {"sgd": 1.0, "adam": 0.05}
# Options a dataset sets when the command line does not: the toy sets train micrograd's way, the
# 1,797 digits with Adam on mini-batches, by batched replay (`fit(..., compile="batched")`).
RECIPES = {
    "toy": {"hidden": [16, 16], "optimizer": "sgd", "epochs": 100, "batch_size": None, "schedule": "linear",
            "compile": None},
    "digits": {"hidden": [32], "optimizer": "adam", "lr": 0.01, "epochs": 15, "batch_size": 64,
               "schedule": "constant", "compile": "batched"},
}  # fmt: skip


def _parsed(text: str, convert: Callable[[str], T], expected: str) -> T:
    """``convert(text)``, or the ArgumentTypeError argparse reports as a bad value ("expected ...")."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def _sizes(text: str) -> list[int]:
    """Parse "16,16" into [16, 16] for --hidden; an empty item ("16,", ",") is an error, not no layer."""
    parts = text.split(",")
    if any(not part.strip() for part in parts):
        raise argparse.ArgumentTypeError(f"an empty layer size in {text!r}; expected sizes like 16,16")
    sizes = _parsed(text, lambda t: [int(part) for part in parts], "sizes like 16,16")
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _count(minimum: int) -> Callable[[str], int]:
    """An argparse type: an int >= minimum."""

    def parse(text: str) -> int:
        value = _parsed(text, int, "an int")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {text!r}")
        return value

    parse.__name__ = "int"
    return parse


def _finite(text: str) -> float:
    """An argparse type: a finite float >= 0."""
    value = _parsed(text, float, "a number")
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def _below_one(text: str) -> float:
    """An argparse type: a number in [0, 1) (SGD's momentum diverges at 1 or more)."""
    value = _parsed(text, float, "a number")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a number from 0 up to (not including) 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograd_tiny", description="autograd_tiny tools")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    train = commands.add_parser(
        "train",
        help="train an MLP on a toy 2-D dataset and draw it",
        description="\n\n".join(__doc__.split("\n\n")[1:]) if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    data = train.add_argument_group("data")
    data.add_argument("--dataset", choices=["moons", "circles", "spirals", "xor", "digits"], default="moons",
                      help="digits: scikit-learn's 8x8 images (the digits extra), 20%% held out for testing")
    data.add_argument("--n", type=_count(1), default=100, help="number of points")
    data.add_argument("--noise", type=_finite, default=None, help="noise (default: the dataset's own)")
    data.add_argument("--classes", type=_count(2), default=3, help="spiral arms (spirals only)")
    model = train.add_argument_group(
        "model", f"A run whose training step's graph (about {BYTES_PER_NODE} bytes a node) or whose history "
        f"({BYTES_PER_EPOCH} bytes an epoch) would take more than half of this machine's memory "
        f"({_memory_limit() / 2**30:.1f} GiB here) is refused.",
    )  # fmt: skip
    model.add_argument("--hidden", type=_sizes, default=argparse.SUPPRESS,
                       help="hidden layer sizes, comma-separated (default: 16,16; digits: 32)")
    model.add_argument("--activation", choices=ACTIVATIONS, default="relu", help="hidden-layer activation")
    learn = train.add_argument_group("training")
    learn.add_argument("--loss", choices=list(OBJECTIVES), default=None,
                       help="default: hinge for two classes, cross_entropy for more")  # fmt: skip
    learn.add_argument("--optimizer", choices=list(DEFAULT_LR), default=argparse.SUPPRESS,
                       help="(default: sgd; digits: adam)")
    learn.add_argument("--epochs", "--steps", dest="epochs", type=_count(0), default=argparse.SUPPRESS,
                       help="passes over the data (= steps with a full batch) (default: 100; digits: 15)")
    learn.add_argument("--batch-size", type=_count(1), default=argparse.SUPPRESS,
                       help="default: the whole dataset; digits: 64")
    learn.add_argument("--lr", type=_finite, default=None, help="default: sgd 1, adam 0.05; digits 0.01")
    learn.add_argument("--schedule", choices=["linear", "constant"], default=argparse.SUPPRESS,
                       help="linear: decay the learning rate to --lr / 10 over the run (micrograd's demo) "
                            "(default: linear; digits: constant)")
    learn.add_argument("--compile", nargs="?", const="replay", choices=["replay", "batched"],
                       default=argparse.SUPPRESS,
                       help="train by replaying one sample's compiled graph (same numbers as eager for "
                            "hinge and mse); batched: on NumPy arrays (default: off; digits: batched)")
    learn.add_argument("--momentum", type=_below_one, default=0.0, help="SGD momentum, from 0 up to 1")
    learn.add_argument("--l2", type=_finite, default=1e-4, help="L2 penalty on all parameters")
    learn.add_argument("--seed", type=int, default=1337, help="seeds the data, the weights and the batches")
    learn.add_argument("--quiet", action="store_true", help="no progress bar")
    out = train.add_argument_group(
        "output", "File names are relative to --out-dir; missing directories are created. The pictures' "
        "formats follow their suffixes (.png, .svg, .pdf, ...); the model is JSON whatever its name.",
    )  # fmt: skip
    out.add_argument("--out-dir", type=Path, default=Path("."), help="where the three files go")
    out.add_argument("--model-file", type=Path, default=Path("model.json"))
    out.add_argument("--boundary-file", type=Path, default=Path("decision_boundary.png"))
    out.add_argument("--graph-file", type=Path, default=Path("graph.svg"))
    out.add_argument("--no-graph", action="store_true", help="skip the computation-graph picture")
    train.set_defaults(run=train_command, parser=train)
    return parser


def _apply_recipe(args: argparse.Namespace) -> None:
    """Fill in the options the command line left out from the dataset's recipe."""
    for option, value in RECIPES["digits" if args.dataset == "digits" else "toy"].items():
        if getattr(args, option, None) is None:
            setattr(args, option, value)


def _check_options_apply(args: argparse.Namespace) -> None:
    """ValueError for an option given a value that this run would silently ignore (its default is fine)."""
    default = args.parser.get_default
    if args.dataset != "spirals" and args.classes != default("classes"):
        raise ValueError(f"--classes {args.classes} applies to --dataset spirals, not {args.dataset}")
    if args.dataset == "digits":
        if args.n != default("n"):
            raise ValueError(f"--n {args.n} does not apply to --dataset digits (its 1,797 images are fixed)")
        if args.noise is not None:
            raise ValueError(f"--noise {args.noise:g} does not apply to --dataset digits")
    if args.optimizer == "adam" and args.momentum:
        raise ValueError(f"--momentum {args.momentum:g} applies to --optimizer sgd; Adam takes none")


def _data_options(args: argparse.Namespace) -> str:
    """The options that make the dataset, as given: "--dataset moons --n 100 --noise 0.5"."""
    shown = [f"--dataset {args.dataset}"]
    if args.dataset != "digits":
        shown.append(f"--n {args.n}")
        if args.noise is not None:
            shown.append(f"--noise {args.noise:g}")
        if args.dataset == "spirals":
            shown.append(f"--classes {args.classes}")
    return " ".join(shown)


def _dataset(args: argparse.Namespace) -> Dataset:
    """The dataset the options name; ValueError naming those options when it cannot be made."""
    if args.dataset == "digits":
        return load_digits()
    noise = {} if args.noise is None else {"noise": args.noise}
    try:
        if args.dataset == "moons":
            return make_moons(args.n, seed=args.seed, **noise)
        if args.dataset == "circles":
            return make_circles(args.n, seed=args.seed, **noise)
        if args.dataset == "spirals":
            return make_spirals(args.n, args.classes, seed=args.seed, **noise)
        return make_xor(args.n, seed=args.seed, **noise)
    except ValueError as e:
        raise ValueError(f"{_data_options(args)}: {e}") from None


# ---- sizes, checked before anything is built -----------------------------------------------------

BYTES_PER_NODE = 152  # a Value in the graph, as benchmarks/bench.py measures it (docs/speed.md)
BYTES_PER_EPOCH = 96  # the History keeps up to three floats an epoch (loss, accuracy, test accuracy)


def _memory_limit() -> int:
    """Half of this machine's physical memory, in bytes (16 GiB assumed where the system does not say)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows), or no such name
        total = -1
    return (total if total > 0 else 16 << 30) // 2


def _approx(count: int) -> str:
    """A count of any size, briefly: 4,820 or 1.2e+21 (ints too large for a float too)."""
    digits = str(count)
    return f"{count:,}" if len(digits) <= 7 else f"{digits[0]}.{digits[1]}e+{len(digits) - 1}"


def _size_problem(args: argparse.Namespace) -> str | None:
    """Why the graph of one training step cannot fit in memory, naming the options to blame; else None.

    The estimate: a point through layers of sizes s_0 .. s_k records about
    sum((s_i + 1) * s_(i+1) * 2) nodes (a product and a sum per weight and bias); a step records
    that for each point of its batch, and the parameters themselves, their L2 penalty and the
    dataset's points add about 3 nodes a parameter and one a point. Each node takes about
    BYTES_PER_NODE bytes. The history of the run adds BYTES_PER_EPOCH an epoch.
    """
    if args.dataset == "digits":
        nin, classes, n = 64, 10, 1797
    else:
        nin, classes, n = 2, args.classes if args.dataset == "spirals" else 2, args.n
    single = args.loss in ("hinge", "mse", "bce") or (args.loss is None and classes == 2)
    sizes = [nin, *args.hidden, 1 if single else classes]
    per_point = sum((a + 1) * b * 2 for a, b in itertools.pairwise(sizes))
    params = per_point // 2
    batch = min(args.batch_size or n, n)
    nodes = n + 3 * params + batch * per_point
    limit = _memory_limit()
    if nodes * BYTES_PER_NODE + args.epochs * BYTES_PER_EPOCH <= limit:
        return None
    if args.epochs * BYTES_PER_EPOCH > limit:
        return (f"--epochs {args.epochs}: the history of the run would take about "
                f"{_approx(args.epochs * BYTES_PER_EPOCH)} bytes ({BYTES_PER_EPOCH} an epoch), more than "
                f"half of this machine's memory ({limit / 2**30:.1f} GiB); choose fewer epochs")  # fmt: skip
    hidden = "--hidden " + ",".join(str(size) for size in args.hidden)
    if not single and args.dataset == "spirals":
        hidden += f" with --classes {classes}"
    culprits = []
    if (3 * params + per_point) * BYTES_PER_NODE > limit:
        culprits.append(f"the model ({hidden}: {_approx(params)} parameters)")
    if n * BYTES_PER_NODE > limit:
        culprits.append(f"the data (--n {n})")
    if not culprits:
        on = f"--n {n}" + (f" in batches of --batch-size {args.batch_size}" if args.batch_size else "")
        culprits.append(f"the model ({hidden}) on {on}")
    return (
        f"{' and '.join(culprits)}: a training step would record about {_approx(nodes)} nodes, "
        f"{_approx(nodes * BYTES_PER_NODE)} bytes at about {BYTES_PER_NODE} bytes a node, more than half of "
        f"this machine's memory ({limit / 2**30:.1f} GiB); choose smaller sizes"
    )


def _optimizer(args: argparse.Namespace, model: MLP) -> Optimizer:
    lr = DEFAULT_LR[args.optimizer] if args.lr is None else args.lr
    if args.optimizer == "adam":
        return Adam(model.parameters(), lr=lr)
    return SGD(model.parameters(), lr=lr, momentum=args.momentum)


# ---- outputs, checked before training ----------------------------------------------------------


def _outputs(args: argparse.Namespace) -> dict[str, Path]:
    """The files to write, by option; ValueError if two options name the same file."""
    outputs = {"--model-file": args.out_dir / args.model_file,
               "--boundary-file": args.out_dir / args.boundary_file}  # fmt: skip
    if not args.no_graph:
        outputs["--graph-file"] = args.out_dir / args.graph_file
    seen: dict[str, str] = {}
    for option, path in outputs.items():
        real = os.path.realpath(path)
        if real in seen:
            raise ValueError(f"{seen[real]} and {option} name the same file, {str(path)!r}")
        seen[real] = option
    return outputs


def _name_max(directory: Path) -> int:
    """The most bytes a file name may have on the file system of ``directory`` (or its nearest ancestor)."""
    try:
        while not directory.exists() and directory != directory.parent:
            directory = directory.parent
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows), or the system cannot say
        return 255


def _check_writable(path: Path, option: str) -> None:
    """Create path's missing directories and check that a file can be written there; else ValueError."""
    length, longest = len(os.fsencode(path.name)), _name_max(path.parent)
    if length > longest:
        raise ValueError(f"{option}: the name {brief(path.name)} is {length} bytes long; file names here "
                         f"take at most {longest}")  # fmt: skip
    if path.is_dir():
        raise ValueError(f"{option}: {str(path)!r} is a directory")
    if path.parent.exists() and not path.parent.is_dir():
        raise ValueError(f"{option}: {str(path.parent)!r} is not a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".write-check-"):
            pass
    except OSError as e:
        raise ValueError(f"{option}: cannot write into {str(path.parent)!r}: {e.strerror or e}") from None
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"{option}: {str(path)!r} exists and is not writable")


def _boundary_problem(path: Path) -> str | None:
    """Why the boundary picture will be skipped (no matplotlib), or None; ValueError for a bad suffix."""
    if importlib.util.find_spec("matplotlib") is None:
        return "decision boundary skipped (matplotlib is not installed; pip install 'autograd_tiny[train]')"
    from matplotlib.figure import Figure

    fmt = picture_format(path, "--boundary-file")
    probe = Figure(figsize=(1, 1))
    probe.text(0.5, 0.5, "x")  # text, as the real picture has: .pgf needs LaTeX for it
    try:
        probe.savefig(io.BytesIO(), format=fmt)
    except Exception as e:
        raise ValueError(f"--boundary-file: matplotlib cannot write {fmt} here: {e}") from None
    return None


def _graph_problem(path: Path) -> str | None:
    """Why the graph picture will be skipped (no graphviz or dot), or None; ValueError for a bad suffix."""
    try:
        import graphviz  # type: ignore[import-untyped]
    except ImportError:
        return "graph picture skipped (no graphviz package: pip install 'autograd_tiny[viz]')"
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in graphviz.FORMATS:
        detail = f"suffix .{fmt}" if fmt else "no suffix"
        raise ValueError(f"--graph-file: cannot tell the format from {str(path)!r} ({detail}); "
                         f"use one of .{', .'.join(sorted(graphviz.FORMATS))}")  # fmt: skip
    try:
        graphviz.Digraph().pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        return "graph picture skipped (Graphviz's dot program is not installed: apt-get install graphviz)"
    except graphviz.CalledProcessError as e:
        said = e.stderr.decode(errors="replace").strip() if isinstance(e.stderr, bytes) else str(e)
        raise ValueError(f"--graph-file: Graphviz's dot cannot write {fmt} here: {said}") from None
    return None


# ---- training ------------------------------------------------------------------------------------


class TrainingDiverged(ArithmeticError):
    """The loss or a weight stopped being a finite number: what was trained is worthless."""


def _stop_if_diverged(model: MLP) -> Callable[[int, History], None]:
    """A fit callback raising TrainingDiverged once the epoch's loss or any weight is nan or inf."""

    def check(epoch: int, history: History) -> None:
        if not math.isfinite(history.loss[-1]):
            raise TrainingDiverged(f"the loss of epoch {epoch + 1} is {history.loss[-1]}")
        for name, p in model.named_parameters():
            if not math.isfinite(p.data):
                raise TrainingDiverged(f"after epoch {epoch + 1} parameter {name} is {p.data}")

    return check


def _suspects(args: argparse.Namespace, X: list[list[float]], lr: float) -> str:
    """The options that can make training diverge, largest suspect first: "a smaller --lr (it was 1)".

    --noise above 1 drowns the datasets' unit-sized shapes and scales every input up; an --l2
    penalty of 1 or more swamps the loss and, with SGD, overshoots at any learning rate >= 1; the
    learning rate is always a suspect.
    """
    named = []
    if args.noise is not None and args.noise > 1:
        reach = max(abs(v) for row in X for v in row)
        named.append(f"a smaller --noise (it was {args.noise:g}: the points reach {reach:.3g}, where the "
                     f"dataset's shapes span about 2)")  # fmt: skip
    if args.l2 >= 1:
        named.append(f"a smaller --l2 (it was {args.l2:g})")
    named.append(f"a smaller --lr (it was {lr:g})")
    return " or ".join(named)


def train_command(args: argparse.Namespace) -> int:
    """Check everything, train, report, and write the model, the decision boundary and the graph."""
    parser: argparse.ArgumentParser = args.parser
    _apply_recipe(args)
    try:
        _check_options_apply(args)
        too_large = _size_problem(args)
        if too_large:
            raise ValueError(too_large)
        X, y = _dataset(args)
        X_test: list[list[float]] = []
        y_test: list[int] = []
        if args.dataset == "digits":
            X, X_test, y, y_test = train_test_split(X, y, 0.2, seed=args.seed)
        classes = max(y) + 1
        objective = get_objective(args.loss or ("hinge" if classes == 2 else "cross_entropy"))
        if objective.single_output and classes > 2:
            raise ValueError(f"--loss {objective.name} handles two classes; use --loss cross_entropy")
        nout = 1 if objective.single_output else classes
        model = MLP(len(X[0]), [*args.hidden, nout], activation=args.activation, seed=args.seed)
        optimizer = _optimizer(args, model)
        outputs = _outputs(args)
        if len(X[0]) != 2:  # pictures of a plane: only for 2-D inputs
            del outputs["--boundary-file"]
            outputs.pop("--graph-file", None)
            print(f"decision boundary and graph picture skipped ({len(X[0])}-dimensional inputs)")
        skipped = {}
        if "--boundary-file" in outputs:
            skipped["--boundary-file"] = _boundary_problem(outputs["--boundary-file"])
        if "--graph-file" in outputs:
            skipped["--graph-file"] = _graph_problem(outputs["--graph-file"])
        for option, path in outputs.items():
            _check_writable(path, option)
    except (ValueError, TypeError, OSError, ImportError) as e:
        parser.error(str(e))  # exits with status 2
    for problem in skipped.values():
        if problem:
            print(problem)
    base_lr, steps = optimizer.lr, max(args.epochs * -(-len(X) // (args.batch_size or len(X))), 1)
    schedule = (lambda step: base_lr * (1.0 - 0.9 * step / steps)) if args.schedule == "linear" else None
    print(f"{args.dataset}: {len(X)} points, {classes} classes; model {model.describe()}; "
          f"{objective.name} loss, {type(optimizer).__name__} lr={base_lr:g}", flush=True)  # fmt: skip
    started = time.perf_counter()
    try:
        history = fit(model, X, y, optimizer, loss=objective, epochs=args.epochs, batch_size=args.batch_size,
                      l2=args.l2, lr_schedule=schedule, seed=args.seed, verbose=not args.quiet,
                      callback=_stop_if_diverged(model), compile=args.compile or False)  # fmt: skip
    except (ArithmeticError, ValueError) as e:  # TrainingDiverged, or an operation overflowing (exp, **)
        print(f"error: training diverged: {e}; nothing saved. Try {_suspects(args, X, base_lr)}.",
              file=sys.stderr)  # fmt: skip
        return 1
    final = accuracy(model, X, y, objective)
    stopped = " (interrupted: keeping what was trained so far)" if history.interrupted else ""
    how = {"replay": " by compiled replay", "batched": " by batched replay"}.get(args.compile or "", "")
    print(f"trained {len(history.loss)} epochs{how} in {time.perf_counter() - started:.1f} s{stopped}; "
          f"final training accuracy {final:.1%}")  # fmt: skip
    if X_test:
        held_out = accuracy(model, X_test, y_test, objective)
        print(f"test accuracy {held_out:.1%} on {len(X_test)} held-out images")
    return _write_outputs(args, model, objective, (X, y), outputs, skipped, final)


def _write_outputs(args: argparse.Namespace, model: MLP, objective: Objective, data: Dataset,
                   outputs: dict[str, Path], skipped: dict[str, str | None], final: float
                   ) -> int:  # fmt: skip
    """Write each output that is not skipped; 1 if any of them failed (the others are still written)."""
    X, y = data
    status = 0
    writers: dict[str, Callable[[Path], object]] = {
        "--model-file": model.save,
        "--boundary-file": lambda path: plot_decision_boundary(
            model, X, y, path, loss=objective, title=f"{args.dataset}: {final:.0%} training accuracy"),
        "--graph-file": lambda path: _draw_graph(model, objective, X[0], y[0], path),
    }  # fmt: skip
    names = {"--model-file": "model:            ", "--boundary-file": "decision boundary:",
             "--graph-file": "computation graph:"}  # fmt: skip
    for option, path in outputs.items():
        if skipped.get(option):
            continue
        try:
            writers[option](path)
        except Exception as e:  # the file system or a renderer failed: report it, write the others
            print(f"error: {option} {str(path)!r} could not be written: {e}", file=sys.stderr)
            status = 1
            continue
        extra = "  (one sample's forward pass and loss)" if option == "--graph-file" else ""
        print(f"{names[option]} {path}{extra}")
    return status


def _draw_graph(model: MLP, objective: Objective, x: Sequence[float], label: int, path: Path) -> None:
    """Render one sample's forward pass and loss, grouped by module, in the format of path's suffix."""
    from autograd_tiny.viz.pictures import draw_dot, render

    with record_scopes() as scopes:
        out = model([Value(v, label=f"x{i}") for i, v in enumerate(x)])
    loss = objective.loss([out], [label])
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    render(draw_dot(loss, scopes=scopes), path)


class _ReaderMayLeave(io.TextIOBase):
    """stdout or stderr that goes quiet once its reader has gone (``| head``): the command finishes and saves.

    Everything else (encoding, fileno, isatty) is the stream's own, so a progress bar draws as before.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    # TextIOBase's own encoding and errors are read-only properties giving None (typeshed: attributes).
    @property
    def encoding(self) -> Any:  # type: ignore[override]
        return self.stream.encoding

    @property
    def errors(self) -> Any:  # type: ignore[override]
        return self.stream.errors

    def fileno(self) -> int:
        return int(self.stream.fileno())

    def isatty(self) -> bool:
        return bool(self.stream.isatty())

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return self._guarded(lambda: self.stream.write(text)) or len(text)

    def flush(self) -> None:
        self._guarded(self.stream.flush)

    def _guarded(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except BrokenPipeError:
            # Nobody will read it: the descriptor now leads to devnull, where every later flush succeeds.
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self.stream.fileno())
            finally:
                os.close(devnull)
            return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit status (argparse itself exits with 2 on bad arguments)."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _ReaderMayLeave(stdout), _ReaderMayLeave(stderr)  # stderr: the progress bar
    try:
        args = build_parser().parse_args(argv)
        status: int = args.run(args)
    except KeyboardInterrupt:
        print("\ninterrupted: stopped at once; what was not written is not saved (a model file is never "
              "left half-written)", file=sys.stderr)  # fmt: skip
        return 130
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = stdout, stderr
    return status


if __name__ == "__main__":
    sys.exit(main())
