"""Training a classifier: `fit` runs epochs of (mini-)batch steps and returns the `History`.

The objective (loss and how a prediction is read from the output) is named by a string:
"hinge" (micrograd's demo), "mse", "bce" for one output and two classes, "cross_entropy" for
one output per class. Ctrl-C during `fit` finishes the step under way, then returns the model
and history as they are. `plot_decision_boundary` draws what a 2-D classifier learnt.
"""

from __future__ import annotations

import importlib
import math
import signal
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, cast

from autograd_tiny import collector
from autograd_tiny.checks import brief, is_list, is_whole, real, whole
from autograd_tiny.data import Seed, linspace, make_rng
from autograd_tiny.engine import Value
from autograd_tiny.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    mse_loss,
)
from autograd_tiny.modes import enable_grad, no_grad
from autograd_tiny.nn import Module
from autograd_tiny.optim import Optimizer
from autograd_tiny.replay_training import ReplayedStep, replayed_step

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Output: TypeAlias = "Value | list[Value]"
Model: TypeAlias = Callable[[Sequence[float]], Output]


class Array(Protocol):
    """What fit takes besides lists: an array with ``ndim`` and ``tolist()`` (NumPy's, torch's, ...)."""

    @property
    def ndim(self) -> int: ...

    def tolist(self) -> Any: ...


# What fit, accuracy and predict take as data: sequences of rows and of labels, or arrays (2-D and 1-D).
Rows: TypeAlias = "Sequence[Sequence[float]] | Sequence[Array] | Array"
Labels: TypeAlias = "Sequence[int] | Array"


@dataclass(frozen=True)
class Objective:
    """A loss on a batch of outputs and 0..k-1 labels, and the class an output predicts."""

    name: str
    loss: Callable[[list[Output], list[int]], Value]
    predict: Callable[[Output], int]
    single_output: bool  # True: the model returns one score (two classes); False: one per class


def _scores(outputs: list[Output]) -> list[Value]:
    return cast("list[Value]", outputs)  # single_output objectives: _check_fits saw one Value each


def _score_class(out: Output) -> int:
    return int(cast(Value, out).data > 0)


def _argmax_class(out: Output) -> int:
    scores = [v.data for v in cast("list[Value]", out)]
    return scores.index(max(scores))


OBJECTIVES = {
    o.name: o
    for o in (
        Objective("hinge", lambda out, y: hinge_loss(_scores(out), y), _score_class, True),
        Objective("mse", lambda out, y: mse_loss(_scores(out), [2.0 * t - 1 for t in y]), _score_class, True),
        Objective("bce", lambda out, y: binary_cross_entropy_with_logits(_scores(out), y),
                  _score_class, True),
        Objective("cross_entropy", lambda out, y: cross_entropy(cast("list[list[Value]]", out), y),
                  _argmax_class, False),
    )
}  # fmt: skip


def get_objective(loss: str | Objective) -> Objective:
    """The Objective called ``loss`` (or ``loss`` itself)."""
    if isinstance(loss, Objective):
        return loss
    if loss not in OBJECTIVES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(OBJECTIVES)}")
    return OBJECTIVES[loss]


@dataclass
class History:
    """Per-epoch records of a `fit` run; ``interrupted`` says it was stopped early with Ctrl-C."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    interrupted: bool = False


def predict(model: Model, X: Rows, loss: str | Objective = "hinge") -> list[int]:
    """The class the model predicts for each point (no graph is recorded); X as `fit` takes it."""
    return _predict(model, _rows(X, "predict"), get_objective(loss))


def _predict(model: Model, X: list[list[float]], objective: Objective) -> list[int]:
    with no_grad():
        return [objective.predict(model(x)) for x in X]


def accuracy(model: Model, X: Rows, y: Labels, loss: str | Objective = "hinge") -> float:
    """The fraction of points whose predicted class is their label; X and y as `fit` takes them."""
    X, y = _check_data(X, y, "accuracy")
    return sum(p == t for p, t in zip(_predict(model, X, get_objective(loss)), y)) / len(y)


def _check_data(X: Rows, y: Labels, where: str) -> tuple[list[list[float]], list[int]]:
    """X and y as lists (rows of numbers, int labels), checked: one label per point, at least one point."""
    rows, labels = _rows(X, where), _labels(y, where)
    if len(rows) != len(labels):
        raise ValueError(f"{where}: X has {len(rows)} points but y has {len(labels)} labels")
    if not rows:
        raise ValueError(f"{where}: no data")
    return rows, labels


def _as_list(items: object, dims: int, what: str, where: str) -> list[Any] | None:
    """A Sequence, or an `Array` of ``dims`` dimensions, as a list; None for anything else.

    An array's ``tolist()`` gives Python's own numbers, of exactly the array's values. An array
    of another number of dimensions is a ValueError saying ``what`` was expected.
    """
    if is_list(items):
        return list(items)
    ndim, tolist = getattr(items, "ndim", None), getattr(items, "tolist", None)
    if not (is_whole(ndim) and callable(tolist)):
        return None
    if ndim != dims:
        shape = getattr(items, "shape", "?")
        kind = type(items).__name__
        raise ValueError(f"{where}: {what} ({dims}-D array), got a {ndim}-D {kind} of shape {shape}")
    listed = tolist()
    return listed if isinstance(listed, list) else None


def _rows(X: Rows, where: str) -> list[list[float]]:
    """X as a list of rows, each a list of Python numbers (numpy's become float or int, of the same value)."""
    rows = _as_list(X, 2, "X must hold one row of numbers per point", where)
    if rows is None:
        raise TypeError(f"{where}: X must be a sequence of rows, got {type(X).__name__}: {brief(X)}")
    converted = []
    for i, row in enumerate(rows):
        values = _as_list(row, 1, f"X[{i}] must be a row of numbers", where)
        if values is None:
            kind = type(row).__name__
            raise TypeError(f"{where}: X[{i}] must be a row of numbers, got {kind}: {brief(row)}")
        converted.append([_number(v, f"{where}: X[{i}][{j}]") for j, v in enumerate(values)])
    return converted


def _number(v: object, what: str) -> float:
    """v as a Python number of the same value: an int stays an int, a numpy float becomes a float."""
    if type(v) is float or type(v) is int:
        return v
    if is_whole(v):
        return int(v)
    return real(v, what)


def _labels(y: Labels, where: str) -> list[int]:
    """y as a list of int class indices (numpy's integers too); TypeError for others, ValueError below 0."""
    labels = _as_list(y, 1, "y must hold one label per point", where)
    if labels is None:
        raise TypeError(f"{where}: y must be a sequence of labels, got {type(y).__name__}: {brief(y)}")
    converted = []
    for label in labels:
        if whole(label, f"{where}: every label") < 0:
            raise ValueError(f"{where}: labels must be class indices 0, 1, ..., got {label!r}")
        converted.append(int(label))
    return converted


def _check_fits(objective: Objective, out: Output, classes: int) -> None:
    """Refuse a model whose output cannot express the labels under this objective."""
    if objective.single_output:
        if not isinstance(out, Value) or classes > 2:
            shape = "one output" if isinstance(out, Value) else f"{len(out)} outputs"
            raise ValueError(
                f"fit: loss {objective.name!r} needs a model with one output and labels 0/1; "
                f"got {shape} and {classes} classes (use loss='cross_entropy' for more classes)"
            )
    elif isinstance(out, Value) or len(out) < classes:
        shape = "one output" if isinstance(out, Value) else f"{len(out)} outputs"
        raise ValueError(f"fit: loss {objective.name!r} needs one output per class ({classes}); got {shape}")


FIT_GEN0_THRESHOLD = 200_000  # new container objects between two young collections while fit runs
def _fewer_collections() -> AbstractContextManager[None]:
    """Raise the cycle collector's first threshold to FIT_GEN0_THRESHOLD while fits run.

    A step builds and frees a graph of some 10^5 objects; at Python's default threshold (700)
    that wakes the collector thousands of times an epoch to rescan live Values, about half the
    time of a moons epoch (benchmarks/fit_gc.py). The collector stays on, so cyclic garbage
    (a callback's, another thread's) is still freed, after at most this many new objects.
    Thresholds are process-wide: `collector.fewer_collections` saves them when the first block
    (a fit, a `large_graph()`) opens and restores them when the last one closes.
    """
    return collector.fewer_collections(young=FIT_GEN0_THRESHOLD)


@contextmanager
def _stop_requests() -> Iterator[Callable[[], bool]]:
    """While active, a first Ctrl-C asks to stop (polled by the caller) instead of raising.

    A second Ctrl-C raises KeyboardInterrupt as usual. Outside the main thread, where
    signal handlers cannot be set, nothing changes.
    """
    requested = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal requested
        if requested:
            raise KeyboardInterrupt
        requested = True

    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield lambda: requested
    finally:
        signal.signal(signal.SIGINT, previous)


def _scheduled_rate(lr_schedule: Callable[[int], float], step: int) -> float:
    """The learning rate lr_schedule gives for this step, refused unless a finite number >= 0."""
    lr = lr_schedule(step)
    rate = real(lr, f"fit: lr_schedule({step})")
    if not 0 <= rate < math.inf:
        raise ValueError(f"fit: lr_schedule({step}) returned {lr!r}; a learning rate must be finite and >= 0")
    return rate


def fit(
    model: Module,
    X: Rows,
    y: Labels,
    optimizer: Optimizer,
    *,
    loss: str | Objective = "hinge",
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    lr_schedule: Callable[[int], float] | None = None,
    X_test: Rows | None = None,
    y_test: Labels | None = None,
    seed: Seed = None,
    verbose: bool = True,
    callback: Callable[[int, History], None] | None = None,
    compile: bool | str = False,
) -> History:
    """Train ``model`` on (X, y) for ``epochs`` passes and return the per-epoch history.

    X is a sequence of rows of numbers (a list of lists, or a 2-D NumPy array), y one int class
    label per row (a list, or a 1-D array of integers); arrays train exactly as the lists of
    their values do. Anything else is a TypeError naming its type, before training starts.

    Each step: forward a batch, loss (plus ``l2`` * sum of squared parameters, micrograd's
    penalty), zero_grad, backward, ``optimizer.step()``. ``batch_size=None`` uses the whole
    set (one step per epoch); otherwise batches are drawn in an order shuffled by ``seed``.
    ``lr_schedule(step)`` sets the learning rate before each step (step counts from 0).
    Accuracy is measured on the outputs of the training step itself; ``test_accuracy`` on
    (X_test, y_test) after each epoch. ``verbose`` shows a tqdm progress bar; ``callback``
    is called with (epoch, history) after each epoch. Ctrl-C stops after the current step.

    Inside ``no_grad()`` too, fit's steps record their graphs (it enables grad for them).

    ``compile=True`` (or ``"replay"``) compiles one sample's loss once and replays it over each
    batch (`autograd_tiny.compile_replay`): hinge and mse give the eager numbers to the last bit.
    ``compile="batched"`` replays on NumPy arrays, every row of a batch at once (agreeing to
    about 1e-12). The model's forward pass must not decide on ``.data`` in Python; when the
    loss or model cannot replay, a warning says why and training runs eagerly.
    """
    objective = get_objective(loss)
    X, y = _check_data(X, y, "fit")
    test: tuple[list[list[float]], list[int]] | None = None
    if X_test is not None or y_test is not None:
        X_test, y_test = [] if X_test is None else X_test, [] if y_test is None else y_test
        test = _check_data(X_test, y_test, "fit (test set)")
    if whole(epochs, "fit: epochs") < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    if batch_size is not None and whole(batch_size, "fit: batch_size") < 1:
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size!r}")
    if not 0 <= real(l2, "fit: l2") < math.inf:
        raise ValueError(f"fit: l2 must be a finite number >= 0, got {l2!r}")
    if compile not in (False, True, "replay", "batched"):
        raise ValueError(f"fit: compile must be False, True, 'replay' or 'batched', got {compile!r}")
    with no_grad():
        _check_fits(objective, model(X[0]), max(y) + 1)
    with enable_grad():  # fit exists to train: inside no_grad() too, its steps record their graphs
        replayed = _replayed_step(model, objective, X, y, l2, compile) if compile else None
    rng = make_rng(seed, "fit")
    size = batch_size or len(X)
    history = History()
    progress = _progress_bar(epochs, verbose)
    params = model.parameters()
    with enable_grad(), _stop_requests() as stop_requested, _fewer_collections():
        for epoch in range(epochs):
            order = list(range(len(X)))
            if batch_size is not None:
                rng.shuffle(order)
            total_loss, correct, seen = 0.0, 0, 0
            for start in range(0, len(order), size):
                batch = order[start : start + size]
                if lr_schedule is not None:
                    optimizer.lr = _scheduled_rate(lr_schedule, optimizer.steps)
                labels = [y[i] for i in batch]
                if replayed is not None:
                    loss_value, replayed_outputs = replayed(batch)
                    outputs = [replayed.as_output(row) for row in replayed_outputs]
                else:
                    outputs = [model(X[i]) for i in batch]
                    batch_loss = objective.loss(outputs, labels)
                    if l2:
                        batch_loss = batch_loss + l2_penalty(params, l2)
                    optimizer.zero_grad()
                    batch_loss.backward()
                    loss_value = batch_loss.data
                optimizer.step()
                total_loss += loss_value * len(batch)
                correct += sum(objective.predict(out) == t for out, t in zip(outputs, labels))
                seen += len(batch)
                if stop_requested():
                    history.interrupted = True
                    break
            history.loss.append(total_loss / seen)
            history.accuracy.append(correct / seen)
            if test is not None:
                history.test_accuracy.append(accuracy(model, *test, objective))
            if progress is not None:
                progress.update(history)
            if callback is not None:
                callback(epoch, history)
            if history.interrupted:
                break
    if progress is not None:
        progress.close(history)
    return history


def _replayed_step(model: Module, objective: Objective, X: Sequence[Sequence[float]], y: Sequence[int],
                   l2: float, compile: bool | str) -> ReplayedStep | None:  # fmt: skip
    """fit's step by compiled replay, or None (with a warning saying why) to train eagerly."""
    builtin = OBJECTIVES.get(objective.name) is objective  # a custom Objective's loss is not known here
    name = objective.name if builtin else f"custom {objective.name}"
    step = replayed_step(model, name, X, y, max(y) + 1, l2, batched=compile == "batched")
    if isinstance(step, str):
        warnings.warn(f"fit: compile={compile!r} cannot replay this training ({step}); training eagerly",
                      stacklevel=3)  # fmt: skip
        return None
    return step


class _ProgressBar:
    """A tqdm bar over epochs showing the latest loss and accuracy."""

    def __init__(self, epochs: int) -> None:
        tqdm = importlib.import_module("tqdm.auto").tqdm
        self.bar = tqdm(total=epochs, desc="training", unit="epoch", dynamic_ncols=True)

    def update(self, history: History) -> None:
        shown = {"loss": f"{history.loss[-1]:.4f}", "acc": f"{history.accuracy[-1]:.1%}"}
        if history.test_accuracy:
            shown["test_acc"] = f"{history.test_accuracy[-1]:.1%}"
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)

    def close(self, history: History) -> None:
        if history.interrupted:
            self.bar.write(f"interrupted after {len(history.loss)} epochs; keeping the model as it is")
        self.bar.close()


def _progress_bar(epochs: int, verbose: bool) -> _ProgressBar | None:
    if not verbose:
        return None
    try:
        return _ProgressBar(epochs)
    except ImportError:
        raise ModuleNotFoundError(
            "fit: the progress bar needs tqdm: pip install 'autograd_tiny[train]', or pass verbose=False"
        ) from None


def plot_decision_boundary(
    model: Model,
    X: Rows,
    y: Labels,
    path: str | Path,
    *,
    loss: str | Objective = "hinge",
    resolution: int = 50,
    title: str = "",
) -> Path:
    """Save a picture of the plane coloured by predicted class, with the points on top; returns the path.

    The suffix of ``path`` names the format: .png, .svg, .pdf, .jpg, ... (`picture_format`).
    For models with two inputs; X and y as `fit` takes them. Uses matplotlib without pyplot, so
    no window opens.
    """
    fmt = picture_format(path, "plot_decision_boundary")
    fig = decision_boundary_figure(model, X, y, loss=loss, resolution=resolution, title=title,
                                   where="plot_decision_boundary")  # fmt: skip
    target = Path(path)
    fig.savefig(target, format=fmt)
    return target


def decision_boundary_figure(
    model: Model,
    X: Rows,
    y: Labels,
    *,
    loss: str | Objective = "hinge",
    resolution: int = 50,
    title: str = "",
    where: str = "decision_boundary_figure",
) -> Figure:
    """plot_decision_boundary's picture as a matplotlib Figure (no pyplot), for a notebook to show.

    ``where`` names the caller in error messages.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    if whole(resolution, f"{where}: resolution") < 2:
        raise ValueError(f"{where}: resolution must be an int >= 2, got {resolution!r}")
    X, y = _check_data(X, y, where)
    if len(X[0]) != 2:
        raise ValueError(f"{where}: needs 2-D points, got {len(X[0])} coordinates")
    xs, ys = [p[0] for p in X], [p[1] for p in X]
    pad_x, pad_y = 0.25 * (max(xs) - min(xs) or 1.0), 0.25 * (max(ys) - min(ys) or 1.0)
    gx = linspace(min(xs) - pad_x, max(xs) + pad_x, resolution)
    gy = linspace(min(ys) - pad_y, max(ys) + pad_y, resolution)
    classes = predict(model, [[a, b] for b in gy for a in gx], loss)
    zz = [classes[row * resolution : (row + 1) * resolution] for row in range(resolution)]
    k = max(max(y), max(classes)) + 1
    colors = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    cmap = ListedColormap([colors[i % len(colors)] for i in range(k)])
    fig = Figure(figsize=(5, 5), dpi=100)
    ax = fig.subplots()
    ax.contourf(gx, gy, zz, levels=[i - 0.5 for i in range(k + 1)], cmap=cmap, alpha=0.3)
    ax.scatter(xs, ys, c=list(y), cmap=cmap, vmin=-0.5, vmax=k - 0.5, s=18, edgecolors="black")
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    ax.set_title(title or "decision boundary")
    fig.tight_layout()
    return fig


def picture_format(path: str | Path, where: str = "picture_format") -> str:
    """The format matplotlib writes for ``path``'s suffix ("b.svg" -> "svg"); ValueError if it has none.

    ``where`` names the caller in the message.
    """
    from matplotlib.backend_bases import FigureCanvasBase

    suffix = Path(path).suffix.lstrip(".").lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix not in formats:
        raise ValueError(
            f"{where}: cannot tell the picture format from {str(path)!r} "
            f"({f'suffix .{suffix}' if suffix else 'no suffix'}); use one of .{', .'.join(sorted(formats))}"
        )
    return suffix

