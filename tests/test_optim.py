"""Optimizers: each step's update equals torch.optim's on the same parameters and gradients."""

import math

import pytest

from autograd_tiny import Value, is_grad_enabled
from autograd_tiny.optim import SGD, Adam, Optimizer

torch = pytest.importorskip("torch")

START = [0.5, -1.5, 2.0, 0.0]


def gradients(step):
    """A different gradient each step (one of them zero, one negative), the same on both sides."""
    return [math.sin(step + i) * (i + 1) for i in range(len(START))]


def run_both(make_ours, make_theirs, steps):
    ours = [Value(v) for v in START]
    theirs = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    our_opt, their_opt = make_ours(ours), make_theirs([theirs])
    for step in range(steps):
        our_opt.zero_grad()
        their_opt.zero_grad()
        for p, g in zip(ours, gradients(step)):
            p.grad = g
        theirs.grad = torch.tensor(gradients(step), dtype=torch.float64)
        our_opt.step()
        their_opt.step()
        assert [p.data for p in ours] == pytest.approx(theirs.detach().tolist(), rel=1e-12, abs=1e-15), step


@pytest.mark.parametrize("steps", [1, 5])
@pytest.mark.parametrize(
    "settings",
    [
        {"lr": 0.1},
        {"lr": 0.1, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3},
    ],
)
def test_sgd_matches_torch(settings, steps):
    run_both(lambda p: SGD(p, **settings), lambda p: torch.optim.SGD(p, **settings), steps)


@pytest.mark.parametrize("steps", [1, 5])
@pytest.mark.parametrize(
    "settings",
    [{"lr": 0.01}, {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6}, {"lr": 0.01, "weight_decay": 0.1}],
)
def test_adam_matches_torch(settings, steps):
    run_both(lambda p: Adam(p, **settings), lambda p: torch.optim.Adam(p, **settings), steps)


def test_step_records_no_graph_and_zero_grad_clears():
    seen = []

    class Probe(Optimizer):
        def _update(self):
            seen.append(is_grad_enabled())

    p = Value(1.0)
    p.grad = 3.0
    opt = Probe([p], lr=0.1)
    opt.step()
    assert seen == [False] and is_grad_enabled()
    opt.zero_grad()
    assert p.grad == 0.0
    assert opt.steps == 1


def test_learning_rate_can_change_between_steps():
    p = Value(1.0)
    opt = SGD([p], lr=1.0)
    p.grad = 1.0
    opt.step()
    opt.lr = 0.5
    opt.step()
    assert p.data == pytest.approx(1.0 - 1.0 - 0.5)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: SGD([], lr=0.1), ValueError, "SGD: got an empty parameter list"),
        (lambda: SGD([1.0], lr=0.1), TypeError, "parameters must be Values, got float"),
        (lambda: SGD([Value(1)], lr=-1), ValueError, "lr must be >= 0"),
        (lambda: SGD([Value(1)], lr=math.nan), ValueError, "lr must be >= 0"),
        (lambda: SGD([Value(1)], nesterov=True), ValueError, "nesterov needs momentum"),
        (lambda: SGD([Value(1)], momentum=0.5, dampening=2), ValueError, r"dampening must be in \[0, 1\]"),
        (lambda: Adam([Value(1)], betas=(1.0, 0.9)), ValueError, r"betas\[0\] must be in \[0, 1\)"),
    ],
)
def test_bad_settings_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_parameters_may_be_any_iterable_such_as_a_generator():
    params = [Value(1.0), Value(2.0)]
    assert SGD(p for p in params).params == params
    assert "SGD(2 parameters" in repr(SGD(params, lr=0.1))


ADAM_SETTINGS = [{"lr": 0.01}, {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}]


@pytest.mark.parametrize("settings", ADAM_SETTINGS)
def test_adam_on_arrays_is_the_python_loop_to_the_bit_and_torch_to_1e15(settings, monkeypatch):
    """With NumPy, Adam updates all parameters as arrays: the loop's numbers (the loop runs without NumPy)."""
    pytest.importorskip("numpy")
    import random

    from autograd_tiny import optim

    rng = random.Random(4)
    start = [rng.uniform(-3, 3) for _ in range(50)] + [0.0, -0.0, 1e-300]
    grads = [[rng.uniform(-2, 2) * 10 ** rng.randint(-8, 3) for _ in start] for _ in range(6)]
    arrays, loop = [Value(v) for v in start], [Value(v) for v in start]
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    on_arrays = Adam(arrays, **settings)
    monkeypatch.setattr(optim, "numpy_or_none", lambda: None)
    by_loop, their_opt = Adam(loop, **settings), torch.optim.Adam([theirs], **settings)
    assert on_arrays._numpy is not None and by_loop._numpy is None
    for step, g in enumerate(grads):
        for p, q, x in zip(arrays, loop, g):
            p.grad = q.grad = x
        theirs.grad = torch.tensor(g, dtype=torch.float64)
        on_arrays.step(), by_loop.step(), their_opt.step()
        assert [p.data.hex() for p in arrays] == [q.data.hex() for q in loop], step
        assert all(type(p.data) is float for p in arrays)
        # torch's kernels fuse multiply-adds (lerp, addcdiv), so bits can differ: within 1e-15 (rel. or abs.)
        assert [p.data for p in arrays] == pytest.approx(theirs.detach().tolist(), rel=1e-15, abs=1e-15), step
