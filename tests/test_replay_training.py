"""fit(compile=...): training by compiled replay gives eager's numbers; digits reach 95% by batched replay."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from autograd_tiny import nn, optim
from autograd_tiny.__main__ import main
from autograd_tiny.data import load_digits, make_moons, make_spirals, make_xor, train_test_split
from autograd_tiny.train import OBJECTIVES, Objective, accuracy, fit


def train(compile: bool | str, data: tuple[list[list[float]], list[int]], hidden: list[int], **options: Any
          ) -> tuple[list[float], list[float], list[float]]:  # fmt: skip
    """Train a fresh seeded model; its per-epoch losses and accuracies and its final weights."""
    X, y = data
    model = nn.MLP(len(X[0]), hidden, seed=7, activation=options.pop("activation", "relu"))
    optimizer = options.pop("optimizer", None) or optim.SGD(model.parameters(), lr=0.5)
    if callable(optimizer):
        optimizer = optimizer(model.parameters())
    history = fit(model, X, y, optimizer, verbose=False, compile=compile, **options)
    return history.loss, history.accuracy, [p.data for p in model.parameters()]


def test_micrograds_demo_recipe_by_replay_equals_eager_to_the_bit() -> None:
    data = make_moons(n=30, noise=0.1, seed=1337)
    recipe = {"loss": "hinge", "epochs": 6, "l2": 1e-4, "lr_schedule": lambda k: 1.0 - 0.9 * k / 6}
    assert train(True, data, [8, 8, 1], **recipe) == train(False, data, [8, 8, 1], **recipe)


def test_shuffled_mini_batches_and_momentum_by_replay_equal_eager_to_the_bit() -> None:
    data = make_moons(n=24, noise=0.2, seed=3)
    recipe: dict[str, Any] = {"loss": "hinge", "epochs": 3, "batch_size": 5, "seed": 11,
                              "optimizer": lambda ps: optim.SGD(ps, lr=0.3, momentum=0.9)}  # fmt: skip
    assert train("replay", data, [6, 1], **recipe) == train(False, data, [6, 1], **dict(recipe))


def test_mse_by_replay_equals_eager_to_the_bit() -> None:
    data = make_xor(n=8, noise=0.1, seed=0)
    options = {"loss": "mse", "epochs": 5, "activation": "tanh"}
    assert train(True, data, [4, 1], **options) == train(False, data, [4, 1], **dict(options))


def test_cross_entropy_by_replay_and_batched_replay_agree_with_eager_to_rounding() -> None:
    data = make_spirals(n=30, classes=3, seed=0)
    adam = lambda ps: optim.Adam(ps, lr=0.05)
    eager = train(False, data, [8, 3], loss="cross_entropy", epochs=5, optimizer=adam)
    replay = train(True, data, [8, 3], loss="cross_entropy", epochs=5, optimizer=adam)
    batched = train("batched", data, [8, 3], loss="cross_entropy", epochs=5, optimizer=adam)
    for got in (replay, batched):
        assert got[0] == pytest.approx(eager[0], rel=1e-12)
        assert got[1] == eager[1]
        assert got[2] == pytest.approx(eager[2], rel=1e-10, abs=1e-12)


def test_batched_replay_of_the_demo_recipe_agrees_to_1e12() -> None:
    data = make_moons(n=30, noise=0.1, seed=1337)
    recipe = {"loss": "hinge", "epochs": 4, "l2": 1e-4}
    eager = train(False, data, [8, 8, 1], **recipe)
    batched = train("batched", data, [8, 8, 1], **dict(recipe))
    assert batched[0] == pytest.approx(eager[0], rel=1e-12)
    assert batched[2] == pytest.approx(eager[2], rel=1e-12, abs=1e-14)


def test_a_loss_that_cannot_replay_falls_back_to_eager_with_a_warning() -> None:
    data = make_moons(n=12, seed=0)
    with pytest.warns(UserWarning, match=r"compile=True cannot replay .*'bce'.*training eagerly"):
        by_replay = train(True, data, [4, 1], loss="bce", epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert by_replay == train(False, data, [4, 1], loss="bce", epochs=2)
    custom = Objective("hinge", OBJECTIVES["hinge"].loss, OBJECTIVES["hinge"].predict, True)
    with pytest.warns(UserWarning, match="custom hinge"):
        train(True, data, [4, 1], loss=custom, epochs=1)


def test_compile_takes_only_the_known_modes() -> None:
    with pytest.raises(ValueError, match=r"compile must be False, True, 'replay' or 'batched', got 'fast'"):
        train("fast", make_moons(n=4, seed=0), [2, 1], epochs=1)


def test_the_digits_load_as_plain_lists_of_64_pixels_in_0_1() -> None:
    X, y = load_digits()
    assert (len(X), len(X[0]), sorted(set(y))) == (1797, 64, list(range(10)))
    assert min(min(row) for row in X) == 0.0 and max(max(row) for row in X) == 1.0


@pytest.mark.slow
def test_digits_reach_95_percent_on_held_out_images_by_batched_replay() -> None:
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=1337)
    model = nn.MLP(64, [32, 10], seed=1337)
    fit(model, X_train, y_train, optim.Adam(model.parameters(), lr=0.01), loss="cross_entropy", epochs=15,
        batch_size=64, seed=1337, verbose=False, compile="batched")  # fmt: skip
    assert accuracy(model, X_test, y_test, "cross_entropy") >= 0.95


def test_the_cli_trains_digits_by_batched_replay(tmp_path: Any, capsys: Any) -> None:
    status = main(["train", "--dataset", "digits", "--epochs", "1", "--quiet", "--out-dir", str(tmp_path)])
    printed = capsys.readouterr().out
    assert status == 0
    assert "MLP(nin=64, nouts=[32, 10]" in printed and "Adam lr=0.01" in printed
    assert "trained 1 epochs by batched replay" in printed and "held-out images" in printed
    assert "decision boundary and graph picture skipped (64-dimensional inputs)" in printed


def test_the_cli_compile_flag_gives_the_eager_model(tmp_path: Any, capsys: Any) -> None:
    common = ["train", "--n", "20", "--hidden", "4", "--epochs", "3", "--quiet", "--no-graph"]
    main([*common, "--out-dir", str(tmp_path / "eager")])
    main([*common, "--compile", "--out-dir", str(tmp_path / "replay")])
    assert "by compiled replay" in capsys.readouterr().out
    eager, replay = nn.MLP(2, [4, 1]), nn.MLP(2, [4, 1])
    eager.load(tmp_path / "eager" / "model.json")
    replay.load(tmp_path / "replay" / "model.json")
    assert eager.state_dict() == replay.state_dict()
