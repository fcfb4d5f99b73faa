"""Notebook 11's checks: what the playground shows, each answer checked against runs of the engine.

Every expected answer is computed here from `Playground` runs with the settings the notebook
uses, so a check says what the engine does, not what someone once wrote down.
"""

from __future__ import annotations

from autograd_tiny.playground import Playground, Settings, UnitGrids
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    check_close,
    check_equal,
    require_answer,
    require_function,
)

DATASET_NAMES = ("moons", "circles", "spirals", "xor")
LINE_EPOCHS, LINE_RATE, LINE_ACCURACY = 60, 0.3, 0.8
RATE_EPOCHS, GOOD_RATE, BIG_RATE = 30, 0.1, 3.0
RATE_CHOICES = {
    "a": "it learns the same boundary, only in fewer epochs",
    "b": "one class takes over (nearly) the whole plane, and the loss ends above where it started",
    "c": "nothing: SGD's step size does not change where it ends",
}


def _share_of_class_1(grids: UnitGrids) -> float:
    return sum(v > 0 for v in grids.boundary) / len(grids.boundary)


def check_share_of_class_1(fn: object) -> None:
    """fn(grids) = the fraction of the grid's points where the output is above 0 (class 1)."""
    f = require_function("share_of_class_1", fn)
    for settings in (Settings(), Settings(dataset="circles", seed=3), Settings(learning_rate=3.0)):
        pg = Playground(settings)
        pg.step(5)
        grids = pg.unit_grids(12)
        got = call_answer("share_of_class_1", f, grids)
        check_close(f"share_of_class_1 on {settings.dataset}, rate {settings.learning_rate}", got,
                    _share_of_class_1(grids))  # fmt: skip


def _rate_facts() -> dict[str, bool]:
    """Which of RATE_CHOICES hold for the moons trained at GOOD_RATE and at BIG_RATE."""
    runs = {}
    for rate in (GOOD_RATE, BIG_RATE):
        pg = Playground(Settings(learning_rate=rate))
        pg.step(RATE_EPOCHS)
        runs[rate] = (_share_of_class_1(pg.unit_grids(20)), pg.train_loss)
    (good_share, good_loss), (big_share, big_loss) = runs[GOOD_RATE], runs[BIG_RATE]
    return {
        "a": abs(big_share - good_share) < 0.1 and big_loss[-1] <= good_loss[-1],
        "b": not 0.1 <= big_share <= 0.9 and big_loss[-1] > big_loss[0],
        "c": big_loss == good_loss,
    }


def check_large_rate(choice: object) -> None:
    """choice: the letter of RATE_CHOICES that says what a learning rate of BIG_RATE does to the moons."""
    require_answer("large_rate", choice)
    if choice not in RATE_CHOICES:
        raise ExerciseError(f"large_rate: choose one of {', '.join(map(repr, RATE_CHOICES))}, got {choice!r}")
    facts = _rate_facts()
    if not facts[str(choice)]:
        raise ExerciseError(
            f"large_rate: {choice!r} ({RATE_CHOICES[str(choice)]}) is not what the runs show; "
            "train at both rates and compare the boundaries and the loss curves"
        )


def check_needs_hidden_layer(names: object) -> None:
    """names: the data sets on which a network without hidden layer stays below LINE_ACCURACY on test."""
    require_answer("needs_hidden_layer", names)
    if not isinstance(names, (set, list, tuple)) or not all(n in DATASET_NAMES for n in names):
        raise ExerciseError(f"needs_hidden_layer: give a set of names from {DATASET_NAMES}, got {names!r}")
    below = set()
    for name in DATASET_NAMES:
        pg = Playground(Settings(dataset=name, hidden=(), learning_rate=LINE_RATE))
        pg.step(LINE_EPOCHS)
        if pg.accuracy() < LINE_ACCURACY:
            below.add(name)
    check_equal("needs_hidden_layer", set(names), below)


def dead_unit_run(unit: int = 2) -> Playground:
    """The notebook's relu run whose first hidden layer's ``unit`` starts with bias -100, after one epoch."""
    pg = Playground(Settings(activation="relu"))
    pg.initial[f"layers.0.neurons.{unit}.b"] = -100.0
    pg.reset()
    pg.step(1)
    return pg


def check_dead_unit(delta: object, incoming: object, bias_after_50_epochs: object) -> None:
    """A dead relu unit's delta, its incoming weights' and bias's dc/dw, and its bias after 50 more epochs."""
    answers = {"delta": delta, "incoming": incoming, "bias_after_50_epochs": bias_after_50_epochs}
    for name, answer in answers.items():
        require_answer(name, answer)
    pg = dead_unit_run()
    steps = pg.backprop()
    assert steps is not None  # a step was taken
    check_close("delta of the dead unit", delta, steps.delta[1][2])
    names = ["layers.0.neurons.2.w.0", "layers.0.neurons.2.w.1", "layers.0.neurons.2.b"]
    if not isinstance(incoming, (list, tuple)) or len(incoming) != 3:
        raise ExerciseError(f"incoming: give the three numbers dc/dw0, dc/dw1, dc/db, got {incoming!r}")
    for name, got in zip(names, incoming):
        check_close(f"dc/d{name.rsplit('.', 1)[-1]} of the dead unit", got, steps.grads[name])
    pg.step(50)
    check_close("the dead unit's bias after 50 more epochs", bias_after_50_epochs,
                dict(pg.model.named_parameters())["layers.0.neurons.2.b"].data)  # fmt: skip
