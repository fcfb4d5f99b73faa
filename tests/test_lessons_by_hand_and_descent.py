"""The checks of the lessons added in issue 22: Mazur's 2-2-2 network worked by hand (notebook 2b),
gradient descent on a loss surface (4b) and watching training (4c); each accepts the right answer and
rejects the plausible wrong ones."""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd_tiny import Value
from autograd_tiny.exercises import (
    ExerciseError,
    check_all_new_weights,
    check_changed_fraction,
    check_class_grid,
    check_descent_step,
    check_largest_stable_rate,
    check_mazur_numbers,
    mazur_network,
)
from autograd_tiny.teaching.hand_worked import LEARNING_RATE, WEIGHTS, weights_after_one_step
from autograd_tiny.train import predict


def rejects(check: Any, *args: Any, match: str) -> str:
    with pytest.raises(ExerciseError, match=match) as info:
        check(*args)
    return str(info.value)


def engine_answers() -> dict[str, float]:
    net = mazur_network()
    net.error.backward()
    w1, w5 = net.weights[0], net.weights[4]
    return {
        "E": net.error.data,
        "dE/dw5": w5.grad,
        "dE/dw1": w1.grad,
        "w5 after one step": w5.data - LEARNING_RATE * w5.grad,
        "w1 after one step": w1.data - LEARNING_RATE * w1.grad,
    }


def test_the_engine_gives_the_posts_numbers_to_its_printed_digits() -> None:
    answers = engine_answers()
    assert round(answers["E"], 9) == 0.298371109
    assert round(answers["w5 after one step"], 8) == 0.35891648
    assert round(answers["w1 after one step"], 9) == 0.149780716


def test_after_one_step_the_error_is_not_the_posts_rounded_figure() -> None:
    after = mazur_network(tuple(weights_after_one_step())).error.data
    assert round(after, 9) == 0.291027774
    assert abs(after - 0.291027924) > 1e-7  # the post's figure, carried through its rounded steps


def test_the_delta_rules_on_floats_agree_with_backward() -> None:
    net = mazur_network()
    net.error.backward()
    engine = [w.data - LEARNING_RATE * w.grad for w in net.weights]
    assert engine == pytest.approx(weights_after_one_step(), rel=1e-12)


def test_check_mazur_numbers_accepts_the_hand_worked_step() -> None:
    check_mazur_numbers(engine_answers())


@pytest.mark.parametrize(
    ("key", "wrong", "match"),
    [
        ("dE/dw1", lambda a: a["dE/dw1"] * 0.3, "add the two paths"),  # stand-in for one path only
        ("dE/dw5", lambda a: -a["dE/dw5"], "one path"),  # (t - out) instead of (out - t)
        ("w5 after one step", lambda a: 0.40 + 0.5 * a["dE/dw5"], "w5 - learning rate"),  # climbing
        ("E", lambda a: round(a["E"], 4), "rounded"),
    ],
    ids=["one path into h1", "sign of the error", "adding the gradient", "rounded to 4 digits"],
)
def test_check_mazur_numbers_rejects_the_usual_slips(key: str, wrong: Any, match: str) -> None:
    answers = engine_answers()
    answers[key] = wrong(answers)
    message = rejects(check_mazur_numbers, answers, match=match)
    assert message.startswith(key)


def test_one_path_only_into_h1_is_rejected() -> None:
    """The classic mistake: delta_h1 from o1's path alone, forgetting that h1 also feeds o2."""
    i1, t1 = 0.05, 0.01
    net = mazur_network()
    out_h1, out_o1 = net.hidden[0].data, net.outputs[0].data
    delta_o1 = (out_o1 - t1) * out_o1 * (1 - out_o1)
    answers = engine_answers()
    answers["dE/dw1"] = delta_o1 * 0.40 * out_h1 * (1 - out_h1) * i1
    rejects(check_mazur_numbers, answers, match="dE/dw1: got .*add the two paths")


def test_check_mazur_numbers_wants_every_key() -> None:
    answers = engine_answers()
    del answers["E"]
    rejects(check_mazur_numbers, answers, match="keys")


def test_check_all_new_weights() -> None:
    check_all_new_weights(weights_after_one_step)
    climbing = lambda: [2 * w - v for w, v in zip(WEIGHTS, weights_after_one_step())]
    rejects(check_all_new_weights, climbing, match=r"all_new_weights\(\)\[0\]: got 0.15021")
    rejects(check_all_new_weights, lambda: weights_after_one_step()[:4], match="expected 8 entries")


# ---- notebook 4b: gradient descent on a loss surface ---------------------------------------------

X, T = [0.5, 1.0, 1.5, 2.0, 2.5], [1.2, 1.9, 3.2, 3.9, 5.1]


def bowl(w: Any, b: Any) -> Any:
    return sum(0.5 * (w * x + b - t) ** 2 for x, t in zip(X, T)) / len(X)


def bumpy(w: Any, b: Any) -> Any:
    return (w * w + 3 * b * b).tanh() + 0.1 * (w - b) ** 2


def step_by_hand(loss: Any, point: list[float], lr: float) -> list[float]:
    leaves = [Value(p) for p in point]
    loss(*leaves).backward()
    return [leaf.data - lr * leaf.grad for leaf in leaves]


def test_check_descent_step_accepts_a_step_down_the_gradient() -> None:
    check_descent_step(step_by_hand, [bowl, bumpy], [[-1.0, 3.0], [0.5, -0.2]])


@pytest.mark.parametrize(
    "wrong",
    [
        lambda loss, p, lr: [2 * a - b for a, b in zip(p, step_by_hand(loss, p, lr))],  # adds the gradient
        lambda loss, p, lr: step_by_hand(loss, p, 0.1),  # ignores the rate
        lambda loss, p, lr: [p[0], step_by_hand(loss, p, lr)[1]],  # moves one coordinate only
    ],
    ids=["climbs", "a fixed rate", "one coordinate"],
)
def test_check_descent_step_rejects(wrong: Any) -> None:
    rejects(check_descent_step, wrong, [bowl, bumpy], [[-1.0, 3.0], [0.5, -0.2]], match="descent_step")


def curvatures() -> tuple[float, float]:
    """The bowl's Hessian is [[mean x^2, mean x], [mean x, 1]]: its eigenvalues in closed form."""
    a, b, d = sum(x * x for x in X) / len(X), sum(X) / len(X), 1.0
    middle, spread = (a + d) / 2, math.sqrt(((a - d) / 2) ** 2 + b * b)
    return middle + spread, middle - spread


def test_check_largest_stable_rate() -> None:
    steep, shallow = curvatures()
    check_largest_stable_rate(2 / steep, bowl, [-1.0, 3.0])
    rejects(check_largest_stable_rate, 1 / steep, bowl, [-1.0, 3.0], match="too small")
    rejects(check_largest_stable_rate, 2 / shallow, bowl, [-1.0, 3.0], match="too large; a step multiplies")
    rejects(check_largest_stable_rate, ..., bowl, [-1.0, 3.0], match="not answered yet")


# ---- notebook 4c: watching training ---------------------------------------------------------------


def grid(model: Any, xs: list[float], ys: list[float]) -> list[list[int]]:
    return [predict(model, [[x, y] for x in xs]) for y in ys]


def test_check_class_grid() -> None:
    check_class_grid(grid)
    transposed = lambda model, xs, ys: [predict(model, [[x, y] for y in ys]) for x in xs]
    rejects(check_class_grid, transposed, match="one row per y")
    swapped = lambda model, xs, ys: [predict(model, [[y, x] for x in xs]) for y in ys]
    rejects(check_class_grid, swapped, match="class_grid row")
    flipped = lambda model, xs, ys: [[1 - c for c in row] for row in grid(model, xs, ys)]
    rejects(check_class_grid, flipped, match="predict reads the sign")


def test_check_changed_fraction() -> None:
    def fraction(before: list[list[int]], after: list[list[int]]) -> float:
        cells = [(a, b) for ra, rb in zip(before, after) for a, b in zip(ra, rb)]
        return sum(a != b for a, b in cells) / len(cells)

    check_changed_fraction(fraction)
    first_row_only = lambda before, after: fraction(before[:1], after[:1])
    rejects(check_changed_fraction, first_row_only, match="changed_fraction")
    counted = lambda before, after: fraction(before, after) * sum(map(len, before))
    rejects(check_changed_fraction, counted, match="too large; count the cells")
