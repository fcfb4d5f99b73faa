"""Command line: ``python -m autograd_tiny train ...`` trains an MLP on a toy dataset and draws it.

With no options it runs micrograd's demo: two moons (100 points, noise 0.1), MLP(2, [16, 16, 1]),
hinge loss with an L2 penalty of 1e-4, 100 steps of SGD with the learning rate decaying from
1.0 to 0.1. It saves the model (JSON), the decision boundary (PNG) and the computation graph
of one sample's forward pass and loss (SVG).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

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
from autograd_tiny.train import OBJECTIVES, Objective, accuracy, fit, get_objective, plot_decision_boundary

DEFAULT_LR = {"sgd": 1.0, "adam": 0.05}
# Options a dataset sets when the command line does not: the toy sets train micrograd's way, the
# 1,797 digits with Adam on mini-batches, by batched replay (`fit(..., compile="batched")`).
RECIPES = {
    "toy": {"hidden": [16, 16], "optimizer": "sgd", "epochs": 100, "batch_size": None, "schedule": "linear",
            "compile": None},
    "digits": {"hidden": [32], "optimizer": "adam", "lr": 0.01, "epochs": 15, "batch_size": 64,
               "schedule": "constant", "compile": "batched"},
}  # fmt: skip


def _sizes(text: str) -> list[int]:
    """Parse "16,16" into [16, 16] for --hidden."""
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 16,16, got {text!r}") from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not value >= 0:
            raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
        return value

    parse.__name__ = kind.__name__
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograd_tiny", description="autograd_tiny tools")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    train = commands.add_parser(
        "train",
        help="train an MLP on a toy 2-D dataset and draw it",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    nonneg_int, nonneg_float = _positive(int), _positive(float)
    data = train.add_argument_group("data")
    data.add_argument("--dataset", choices=["moons", "circles", "spirals", "xor", "digits"], default="moons",
                      help="digits: scikit-learn's 8x8 images (the digits extra), 20%% held out for testing")
    data.add_argument("--n", type=nonneg_int, default=100, help="number of points")
    data.add_argument("--noise", type=nonneg_float, default=None, help="noise (default: the dataset's own)")
    data.add_argument("--classes", type=nonneg_int, default=3, help="spiral arms (spirals only)")
    model = train.add_argument_group("model")
    model.add_argument("--hidden", type=_sizes, default=argparse.SUPPRESS,
                       help="hidden layer sizes, comma-separated (default: 16,16; digits: 32)")
    model.add_argument("--activation", choices=ACTIVATIONS, default="relu", help="hidden-layer activation")
    learn = train.add_argument_group("training")
    learn.add_argument("--loss", choices=list(OBJECTIVES), default=None,
                       help="default: hinge for two classes, cross_entropy for more")  # fmt: skip
    learn.add_argument("--optimizer", choices=list(DEFAULT_LR), default=argparse.SUPPRESS,
                       help="(default: sgd; digits: adam)")
    learn.add_argument("--epochs", "--steps", dest="epochs", type=nonneg_int, default=argparse.SUPPRESS,
                       help="passes over the data (= steps with a full batch) (default: 100; digits: 15)")
    learn.add_argument("--batch-size", type=nonneg_int, default=argparse.SUPPRESS,
                       help="default: the whole dataset; digits: 64")
    learn.add_argument("--lr", type=nonneg_float, default=None, help="default: sgd 1, adam 0.05; digits 0.01")
    learn.add_argument("--schedule", choices=["linear", "constant"], default=argparse.SUPPRESS,
                       help="linear: decay the learning rate to --lr / 10 over the run (micrograd's demo) "
                            "(default: linear; digits: constant)")
    learn.add_argument("--compile", nargs="?", const="replay", choices=["replay", "batched"],
                       default=argparse.SUPPRESS,
                       help="train by replaying one sample's compiled graph (same numbers as eager for "
                            "hinge and mse); batched: on NumPy arrays (default: off; digits: batched)")
    learn.add_argument("--momentum", type=nonneg_float, default=0.0, help="SGD momentum")
    learn.add_argument("--l2", type=nonneg_float, default=1e-4, help="L2 penalty on all parameters")
    learn.add_argument("--seed", type=int, default=1337, help="seeds the data, the weights and the batches")
    learn.add_argument("--quiet", action="store_true", help="no progress bar")
    out = train.add_argument_group("output")
    out.add_argument("--out-dir", type=Path, default=Path("."), help="where the three files go")
    out.add_argument("--model-file", default="model.json")
    out.add_argument("--boundary-file", default="decision_boundary.png")
    out.add_argument("--graph-file", default="graph.svg")
    out.add_argument("--no-graph", action="store_true", help="skip the computation-graph picture")
    train.set_defaults(run=train_command, parser=train)
    return parser


def _apply_recipe(args: argparse.Namespace) -> None:
    """Fill in the options the command line left out from the dataset's recipe."""
    for option, value in RECIPES["digits" if args.dataset == "digits" else "toy"].items():
        if getattr(args, option, None) is None:
            setattr(args, option, value)


def _dataset(args: argparse.Namespace) -> Dataset:
    if args.dataset == "digits":
        return load_digits()
    noise = {} if args.noise is None else {"noise": args.noise}
    if args.dataset == "moons":
        return make_moons(args.n, seed=args.seed, **noise)
    if args.dataset == "circles":
        return make_circles(args.n, seed=args.seed, **noise)
    if args.dataset == "spirals":
        return make_spirals(args.n, args.classes, seed=args.seed, **noise)
    return make_xor(args.n, seed=args.seed, **noise)


def _optimizer(args: argparse.Namespace, model: MLP) -> Optimizer:
    lr = DEFAULT_LR[args.optimizer] if args.lr is None else args.lr
    if args.optimizer == "adam":
        return Adam(model.parameters(), lr=lr)
    return SGD(model.parameters(), lr=lr, momentum=args.momentum)


def _draw_graph(model: MLP, objective: Objective, x: Sequence[float], label: int, path: Path) -> str | None:
    """Render one sample's forward pass and loss, grouped by module; a reason if it cannot."""
    try:
        import graphviz  # type: ignore[import-untyped]

        from autograd_tiny.viz import draw_dot
    except ImportError as e:
        return f"graph picture skipped ({e}; pip install 'autograd_tiny[viz]')"
    with record_scopes() as scopes:
        out = model([Value(v, label=f"x{i}") for i, v in enumerate(x)])
    loss = objective.loss([out], [label])
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    try:
        picture = draw_dot(loss, scopes=scopes)
        picture.render(outfile=path, format="svg", cleanup=True)
    except graphviz.ExecutableNotFound:
        return "graph picture skipped (Graphviz's dot program is not installed: apt-get install graphviz)"
    return None


def train_command(args: argparse.Namespace) -> int:
    """Train, report, and write the model, the decision boundary and the graph into --out-dir."""
    parser: argparse.ArgumentParser = args.parser
    _apply_recipe(args)
    try:
        X, y = _dataset(args)
        X_test: list[list[float]] = []
        y_test: list[int] = []
        if args.dataset == "digits":
            X, X_test, y, y_test = train_test_split(X, y, 0.2, seed=args.seed)
        classes = max(y) + 1
        objective = get_objective(args.loss or ("hinge" if classes == 2 else "cross_entropy"))
        nout = 1 if objective.single_output else classes
        model = MLP(len(X[0]), [*args.hidden, nout], activation=args.activation, seed=args.seed)
        optimizer = _optimizer(args, model)
        if objective.single_output and classes > 2:
            raise ValueError(f"--loss {objective.name} handles two classes; use --loss cross_entropy")
        args.out_dir.mkdir(parents=True, exist_ok=True)
    except (ValueError, TypeError, OSError, ImportError) as e:
        parser.error(str(e))
    base_lr, steps = optimizer.lr, max(args.epochs * -(-len(X) // (args.batch_size or len(X))), 1)
    schedule = (lambda step: base_lr * (1.0 - 0.9 * step / steps)) if args.schedule == "linear" else None
    print(f"{args.dataset}: {len(X)} points, {classes} classes; model {model.describe()}; "
          f"{objective.name} loss, {type(optimizer).__name__} lr={base_lr:g}")  # fmt: skip
    started = time.perf_counter()
    history = fit(model, X, y, optimizer, loss=objective, epochs=args.epochs, batch_size=args.batch_size,
                  l2=args.l2, lr_schedule=schedule, seed=args.seed, verbose=not args.quiet,
                  compile=args.compile or False)  # fmt: skip
    final = accuracy(model, X, y, objective)
    stopped = " (interrupted)" if history.interrupted else ""
    how = {"replay": " by compiled replay", "batched": " by batched replay"}.get(args.compile or "", "")
    print(f"trained {len(history.loss)} epochs{how} in {time.perf_counter() - started:.1f} s{stopped}; "
          f"final training accuracy {final:.1%}")  # fmt: skip
    if X_test:
        held_out = accuracy(model, X_test, y_test, objective)
        print(f"test accuracy {held_out:.1%} on {len(X_test)} held-out images")
    model_path = args.out_dir / args.model_file
    model.save(model_path)
    print(f"model:             {model_path}")
    if len(X[0]) != 2:
        print(f"decision boundary and graph picture skipped ({len(X[0])}-dimensional inputs)")
        return 0
    boundary_path = args.out_dir / args.boundary_file
    try:
        plot_decision_boundary(model, X, y, boundary_path, loss=objective,
                               title=f"{args.dataset}: {final:.0%} training accuracy")  # fmt: skip
        print(f"decision boundary: {boundary_path}")
    except ImportError as e:
        print(f"decision boundary skipped ({e}; pip install 'autograd_tiny[train]')")
    if not args.no_graph:
        graph_path = args.out_dir / args.graph_file
        problem = _draw_graph(model, objective, X[0], y[0], graph_path)
        print(problem or f"computation graph: {graph_path}  (one sample's forward pass and loss)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
