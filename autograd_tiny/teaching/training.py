"""Notebooks 4 and 5's checks: a trained classifier and the pieces of training (L2, softmax, Adam, SGD)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from autograd_tiny.engine import Value
from autograd_tiny.nn import MLP
from autograd_tiny.optim import SGD, Adam
from autograd_tiny.teaching.derivatives import check_value_function
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    call_answer,
    check_all_close,
    check_equal,
    check_function,
    require_answer,
    require_function,
)
from autograd_tiny.train import accuracy, get_objective


def check_classifier(
    model: object, X: Sequence[Sequence[float]], y: Sequence[int], *, min_accuracy: float, loss: str = "hinge"
) -> None:
    """A trained model whose accuracy on (X, y), read with loss's rule, is at least min_accuracy."""
    require_answer("model", model)
    if not callable(model):
        raise ExerciseError(f"model: expected a trained model, got {type(model).__name__}")
    got = accuracy(model, X, y, loss=loss)
    if got < min_accuracy:
        raise ExerciseError(f"accuracy {got:.0%} with loss={loss!r}, below the {min_accuracy:.0%} asked for")


def check_trained_with_loss(
    model: object, history: object, X: Sequence[Sequence[float]], y: Sequence[int], *, loss: str
) -> None:
    """model was trained with `loss`: its last epoch's loss in history is that loss on (X, y), give or take.

    Accuracy alone cannot tell: a model trained with the hinge loss reads just as well by the bce
    rule. But the history records the loss the training minimised, and only for the loss it was
    trained with does the model's loss on its training points come out near that record (within a
    factor of 1.5; other losses miss by a factor of 3 or more on the moons).
    """
    require_answer("model", model)
    require_answer("history", history)
    recorded = getattr(history, "loss", None)
    if not callable(model) or not isinstance(recorded, list) or not recorded:
        raise ExerciseError("expected the model and the History that fit (or train) returned with it")
    outputs = [model(x) for x in X]
    now = get_objective(loss).loss(outputs, list(y)).data
    if not (recorded[-1] / 1.5 <= now <= recorded[-1] * 1.5):
        raise ExerciseError(
            f"the model's {loss} loss on its training points is {now:.3g}, far from the last epoch's "
            f"recorded loss {recorded[-1]:.3g}: was it trained with loss={loss!r}?"
        )


def check_parameter_count(fn: object) -> None:
    """fn(nin, sizes) = the number of parameters of MLP(nin, sizes)."""
    f = require_function("parameter_count", fn)
    for nin, sizes in [(2, [8, 8, 1]), (2, [2, 1]), (3, [4]), (5, [16, 16, 3])]:
        check_equal(
            f"parameter_count({nin}, {sizes})",
            call_answer("parameter_count", f, nin, sizes),
            len(MLP(nin, sizes, seed=0).parameters()),
        )


def check_epochs_to_reach(fn: object) -> None:
    """fn(accuracies, level) = the first epoch (counting from 1) whose accuracy is >= level, or None."""
    f = require_function("epochs_to_reach", fn)
    cases = [
        ([0.5, 0.8, 0.9, 0.95], 0.9, 3),
        ([0.95], 0.9, 1),
        ([0.5, 0.6], 0.9, None),
        ([0.9, 0.7, 0.9], 0.85, 1),
    ]
    for accuracies, level, expected in cases:
        got = call_answer("epochs_to_reach", f, accuracies, level)
        check_equal(
            f"epochs_to_reach({accuracies}, {level})",
            got,
            expected,
            hint="epochs count from 1, the first one reaching the level counts, and None means never",
        )


def check_l2_penalty(fn: object) -> None:
    """fn(params, alpha) = alpha * sum(p * p), a Value whose gradient is 2 alpha p for each parameter."""
    f = require_function("l2_penalty", fn)
    rng = random.Random(1)
    for alpha in (1e-3, 0.5):
        point = [rng.uniform(-2, 2) for _ in range(4)]
        check_value_function(
            f"l2_penalty(params, {alpha})",
            lambda *ps, a=alpha: f(list(ps), a),
            lambda *ps, a=alpha: a * sum(p * p for p in ps),
            [point],
        )


def check_softmax(fn: object) -> None:
    """fn(logits) = the softmax probabilities of a list of floats, safe for logits of +-1000."""
    f = require_function("softmax", fn)
    for logits in ([2.0, -1.0, 0.5], [0.0, 0.0], [1000.0, 999.0, -1000.0], [-1000.0, -1001.0]):
        top = max(logits)
        total = sum(math.exp(z - top) for z in logits)
        got = call_answer("softmax", f, logits)
        check_all_close(f"softmax({logits})", got, [math.exp(z - top) / total for z in logits], rel_tol=1e-9)


def check_adam_first_step(fn: object) -> None:
    """fn(g, lr) = the change Adam's first step (default betas and eps) makes to a parameter of gradient g."""

    def adam_change(g: float, lr: float) -> float:
        p = Value(1.0)
        p.grad = g
        Adam([p], lr=lr).step()
        return p.data - 1.0

    check_function(
        "adam_first_step", fn, adam_change, [(0.5, 0.01), (-3.0, 0.02), (1e-4, 0.1), (250.0, 0.001)]
    )


def check_softmax_squared_error(fn: object) -> None:
    """fn(logits, target) = sum_j (p_j - [j = target])^2 over the softmax p of a list of Values."""
    f = require_function("softmax_squared_error", fn)

    def reference(*zs: Value) -> Value:
        exps = [z.exp() for z in zs]
        total = sum(exps[1:], exps[0])
        return sum(((e / total - (1.0 if j == 2 else 0.0)) ** 2 for j, e in enumerate(exps)), Value(0.0))

    check_value_function(
        "softmax_squared_error",
        lambda *zs: f(list(zs), 2),
        reference,
        [[2.0, -1.0, 0.5], [0.1, 0.2, 0.3], [4.0, 0.0, -4.0]],
    )


def check_divergence_rule(fn: object) -> None:
    """fn(lr, curvature) says whether SGD on curvature / 2 * p^2 moves p ever further from 0."""
    f = require_function("diverges", fn)
    # lr * curvature = 2 (a factor of exactly -1) and a negative curvature tell the near misses apart
    cases = [(0.1, 1.0), (1.5, 1.0), (2.5, 1.0), (0.01, 100.0), (0.03, 100.0), (0.5, 3.0), (1.0, 2.0)]
    for lr, curvature in [*cases, (0.1, -1.0)]:
        p = Value(1.0)
        optimizer = SGD([p], lr=lr)
        for _ in range(50):
            optimizer.zero_grad()
            (0.5 * curvature * p * p).backward()
            optimizer.step()
        expected = abs(p.data) > 1.0
        got = call_answer("diverges", f, lr, curvature)
        check_equal(
            f"diverges({lr:g}, {curvature:g})",
            got,
            expected,
            hint="work out the factor a step multiplies p by for this case (a negative curvature is a "
            "hilltop; a factor of exactly -1 only flips the sign)",
        )
