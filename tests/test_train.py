"""Training: micrograd's demo recipe, spirals, XOR, the history, Ctrl-C, and the decision-boundary picture."""

import gc
import signal

import pytest

from autograd_tiny.data import make_moons, make_spirals, make_xor, train_test_split
from autograd_tiny.nn import MLP
from autograd_tiny.optim import SGD, Adam
from autograd_tiny.train import accuracy, fit, plot_decision_boundary, predict


@pytest.mark.slow
def test_micrograd_demo_recipe_fits_the_moons_within_100_steps():
    X, y = make_moons(n=100, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1], seed=1337)
    history = fit(model, X, y, SGD(model.parameters(), lr=1.0), loss="hinge", epochs=100, l2=1e-4,
                  lr_schedule=lambda k: 1.0 - 0.9 * k / 100, verbose=False)  # fmt: skip
    assert len(history.loss) == 100 and not history.interrupted
    assert history.loss[-1] < history.loss[0]
    assert max(history.accuracy) == 1.0
    assert accuracy(model, X, y) == 1.0


def test_three_spirals_reach_95_percent_with_cross_entropy_and_adam():
    X, y = make_spirals(n=60, classes=3, seed=0)
    model = MLP(2, [16, 3], seed=0)
    fit(model, X, y, Adam(model.parameters(), lr=0.1), loss="cross_entropy", epochs=100, verbose=False)
    assert accuracy(model, X, y, "cross_entropy") >= 0.95


def test_xor_is_solved_by_a_2_4_1_tanh_network():
    X, y = make_xor(seed=0)
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(model, X, y, SGD(model.parameters(), lr=0.1, momentum=0.9), loss="mse", epochs=100,
                  verbose=False)  # fmt: skip
    assert predict(model, X, "mse") == y
    assert history.loss[-1] < 0.01


@pytest.mark.parametrize("loss", ["bce", "hinge", "mse"])
def test_mini_batches_and_a_test_set_are_recorded_per_epoch(loss):
    X, y = make_xor(n=24, noise=0.1, seed=1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=1)
    model = MLP(2, [8, 1], activation="tanh", seed=1)
    history = fit(model, X_train, y_train, Adam(model.parameters(), lr=0.05), loss=loss, epochs=40,
                  batch_size=5, X_test=X_test, y_test=y_test, seed=0, verbose=False)  # fmt: skip
    assert len(history.loss) == len(history.accuracy) == len(history.test_accuracy) == 40
    assert history.accuracy[-1] == 1.0 and history.test_accuracy[-1] == 1.0


def test_ctrl_c_stops_after_the_current_step_and_keeps_model_and_history():
    X, y = make_xor(seed=0)
    model = MLP(2, [4, 1], activation="tanh", seed=0)

    def press_ctrl_c(epoch, history):
        if epoch == 2:
            signal.raise_signal(signal.SIGINT)

    before = model.state_dict()
    history = fit(model, X, y, SGD(model.parameters(), lr=0.1), loss="mse", epochs=50, verbose=False,
                  callback=press_ctrl_c)  # fmt: skip
    assert history.interrupted
    assert len(history.loss) == 4  # the epoch under way when Ctrl-C came stops after one step, recorded
    assert model.state_dict() != before
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert gc.isenabled()


def test_progress_bar_shows_loss_and_accuracy_and_verbose_false_silences_it(capsys):
    X, y = make_xor(seed=0)
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    fit(model, X, y, SGD(model.parameters(), lr=0.1), loss="mse", epochs=3, verbose=False)
    assert capsys.readouterr().err == ""
    fit(model, X, y, SGD(model.parameters(), lr=0.1), loss="mse", epochs=3, verbose=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err and "acc=" in err


@pytest.mark.parametrize(
    ("nouts", "loss", "labels", "message"),
    [
        ([3], "hinge", [0, 1, 0, 1], "needs a model with one output"),
        ([1], "hinge", [0, 1, 2, 1], "got one output and 3 classes"),
        ([2], "cross_entropy", [0, 1, 2, 1], r"one output per class \(3\); got 2 outputs"),
        ([1], "l1", [0, 1, 0, 1], "unknown loss 'l1'"),
        ([1], "hinge", [0, 1, -1, 1], "labels must be class indices"),
        ([1], "hinge", [0, 1], "X has 4 points but y has 2 labels"),
    ],
)
def test_fit_refuses_models_and_labels_that_do_not_fit(nouts, loss, labels, message):
    X, _ = make_xor(seed=0)
    model = MLP(2, nouts, seed=0)
    with pytest.raises(ValueError, match=message):
        fit(model, X, labels, SGD(model.parameters()), loss=loss, epochs=1, verbose=False)


def test_plot_decision_boundary_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    X, y = make_spirals(n=30, classes=3, seed=0)
    path = plot_decision_boundary(MLP(2, [4, 3], seed=0), X, y, tmp_path / "b.png", loss="cross_entropy",
                                  resolution=10)  # fmt: skip
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
