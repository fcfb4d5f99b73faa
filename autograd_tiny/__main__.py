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

from autograd_tiny.data import Dataset, make_circles, make_moons, make_spirals, make_xor
from autograd_tiny.engine import Value
from autograd_tiny.nn import ACTIVATIONS, MLP
from autograd_tiny.optim import SGD, Adam, Optimizer
from autograd_tiny.scopes import record_scopes
from autograd_tiny.train import OBJECTIVES, Objective, accuracy, fit, get_objective, plot_decision_boundary

DEFAULT_LR = {"sgd": 1.0, "adam": 0.05}


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
    data.add_argument("--dataset", choices=["moons", "circles", "spirals", "xor"], default="moons")
    data.add_argument("--n", type=nonneg_int, default=100, help="number of points")
    data.add_argument("--noise", type=nonneg_float, default=None, help="noise (default: the dataset's own)")
    data.add_argument("--classes", type=nonneg_int, default=3, help="spiral arms (spirals only)")
    model = train.add_argument_group("model")
    model.add_argument("--hidden", type=_sizes, default=[16, 16], help="hidden layer sizes, comma-separated")
    model.add_argument("--activation", choices=ACTIVATIONS, default="relu", help="hidden-layer activation")
    learn = train.add_argument_group("training")
    learn.add_argument("--loss", choices=list(OBJECTIVES), default=None,
                       help="default: hinge for two classes, cross_entropy for more")  # fmt: skip
    learn.add_argument("--optimizer", choices=list(DEFAULT_LR), default="sgd")
    learn.add_argument("--epochs", "--steps", dest="epochs", type=nonneg_int, default=100,
                       help="passes over the data (= steps with the default full batch)")  # fmt: skip
    learn.add_argument("--batch-size", type=nonneg_int, default=None, help="default: the whole dataset")
    learn.add_argument("--lr", type=nonneg_float, default=None, help="default: sgd 1, adam 0.05")
    learn.add_argument("--schedule", choices=["linear", "constant"], default="linear",
                       help="linear: decay the learning rate to --lr / 10 over the run (micrograd's demo)")
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


def _dataset(args: argparse.Namespace) -> Dataset:
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
    try:
        X, y = _dataset(args)
        classes = max(y) + 1
        objective = get_objective(args.loss or ("hinge" if classes == 2 else "cross_entropy"))
        nout = 1 if objective.single_output else classes
        model = MLP(2, [*args.hidden, nout], activation=args.activation, seed=args.seed)
        optimizer = _optimizer(args, model)
        if objective.single_output and classes > 2:
            raise ValueError(f"--loss {objective.name} handles two classes; use --loss cross_entropy")
        args.out_dir.mkdir(parents=True, exist_ok=True)
    except (ValueError, TypeError, OSError) as e:
        parser.error(str(e))
    base_lr, steps = optimizer.lr, max(args.epochs * -(-len(X) // (args.batch_size or len(X))), 1)
    schedule = (lambda step: base_lr * (1.0 - 0.9 * step / steps)) if args.schedule == "linear" else None
    print(f"{args.dataset}: {len(X)} points, {classes} classes; model {model.describe()}; "
          f"{objective.name} loss, {type(optimizer).__name__} lr={base_lr:g}")  # fmt: skip
    started = time.perf_counter()
    history = fit(model, X, y, optimizer, loss=objective, epochs=args.epochs, batch_size=args.batch_size,
                  l2=args.l2, lr_schedule=schedule, seed=args.seed, verbose=not args.quiet)  # fmt: skip
    final = accuracy(model, X, y, objective)
    stopped = " (interrupted)" if history.interrupted else ""
    print(f"trained {len(history.loss)} epochs in {time.perf_counter() - started:.1f} s{stopped}; "
          f"final training accuracy {final:.1%}")  # fmt: skip
    model_path = args.out_dir / args.model_file
    model.save(model_path)
    print(f"model:             {model_path}")
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
