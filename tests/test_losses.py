"""Losses: values and gradients against PyTorch (float64), stability at extreme logits, and errors."""

import math

import pytest

from autograd_tiny import Value
from autograd_tiny.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    half_squared_error,
    hinge_loss,
    l2_penalty,
    mse_loss,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional

LOGITS = [-800.0, -30.0, -2.5, -1e-3, 0.0, 0.7, 4.0, 35.0, 900.0]


def ours_and_torch(data):
    return [Value(v) for v in data], torch.tensor(data, dtype=torch.float64, requires_grad=True)


def assert_matches(ours, values, theirs, tensor):
    ours.backward()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), rel=1e-12, abs=1e-12)
    assert [v.grad for v in values] == pytest.approx(tensor.grad.tolist(), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_binary_cross_entropy_with_logits_matches_torch_even_at_extreme_logits(reduction):
    targets = [0.0, 1.0, 0.0, 1.0, 1.0, 0.25, 0.0, 1.0, 0.0]
    values, tensor = ours_and_torch(LOGITS)
    ours = binary_cross_entropy_with_logits(values, targets, reduction=reduction)
    theirs = F.binary_cross_entropy_with_logits(tensor, torch.tensor(targets, dtype=torch.float64),
                                                reduction=reduction)  # fmt: skip
    assert math.isfinite(ours.data)
    assert_matches(ours, values, theirs, tensor)


def test_binary_cross_entropy_gradient_at_zero_is_sigmoid_minus_target():
    z = Value(0.0)
    binary_cross_entropy_with_logits(z, 1.0).backward()
    assert z.grad == -0.5


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_matches_torch_including_huge_logits(reduction):
    rows = [[2.0, -1.0, 0.5], [1000.0, 999.0, -1000.0], [-700.0, -720.0, -690.0], [0.0, 0.0, 0.0]]
    targets = [0, 1, 2, 1]
    flat, tensor = ours_and_torch([v for row in rows for v in row])
    ours = cross_entropy([flat[i : i + 3] for i in range(0, len(flat), 3)], targets, reduction=reduction)
    theirs = F.cross_entropy(tensor.view(4, 3), torch.tensor(targets), reduction=reduction)
    assert_matches(ours, flat, theirs, tensor)


def test_mse_and_half_squared_error():
    outputs, targets = [0.5, -1.25, 3.0], [1.0, -1.0, 2.5]
    values, tensor = ours_and_torch(outputs)
    theirs = F.mse_loss(tensor, torch.tensor(targets, dtype=torch.float64))
    assert_matches(mse_loss(values, targets), values, theirs, tensor)
    ys = [Value(v) for v in outputs]
    half = half_squared_error(ys, targets)
    half.backward()
    assert half.data == pytest.approx(0.5 * sum((y - t) ** 2 for y, t in zip(outputs, targets)), abs=1e-15)
    assert [y.grad for y in ys] == pytest.approx([y - t for y, t in zip(outputs, targets)], abs=1e-15)


def test_hinge_is_micrograds_max_margin_loss_and_takes_0_1_labels():
    scores, labels = [2.0, 0.3, -0.5, -3.0], [1, 1, -1, 1]
    values, tensor = ours_and_torch(scores)
    theirs = torch.clamp(1 - torch.tensor(labels, dtype=torch.float64) * tensor, min=0).mean()
    assert_matches(hinge_loss(values, labels), values, theirs, tensor)
    assert hinge_loss(scores, [1, 1, 0, 1]).data == hinge_loss(scores, labels).data


def test_l2_penalty_is_alpha_times_sum_of_squares():
    params = [Value(1.0), Value(-2.0)]
    loss = l2_penalty(params, 1e-4)
    loss.backward()
    assert loss.data == pytest.approx(5e-4)
    assert [p.grad for p in params] == pytest.approx([2e-4, -4e-4])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mse_loss([1.0, 2.0], [1.0]), ValueError, "mse_loss: 2 outputs but 1 targets"),
        (lambda: mse_loss([], []), ValueError, "mse_loss: the batch is empty"),
        (lambda: mse_loss([1.0], ["a"]), TypeError, "targets must be numbers"),
        (lambda: mse_loss([1.0], [1.0], reduction="max"), ValueError, "reduction must be"),
        (lambda: hinge_loss([1.0], [2]), ValueError, r"labels must be \+1 or -1"),
        (lambda: binary_cross_entropy_with_logits([1.0], [1.5]), ValueError, r"targets must lie in \[0, 1\]"),
        (lambda: cross_entropy([[1.0, 2.0]], [2]), ValueError, r"class index 0..1, got 2"),
        (lambda: cross_entropy([1.0, 2.0], [0, 1]), TypeError, "one list of class scores per sample"),
        (lambda: cross_entropy([[1.0, 2.0]], [0, 1]), ValueError, "1 samples of logits but 2 targets"),
        (lambda: l2_penalty([], 0.1), ValueError, "no parameters"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
