"""Training: micrograd's demo recipe, spirals, XOR, the history, Ctrl-C, and the decision-boundary picture."""

import gc
import math
import signal
import sys
import threading

import pytest

from autograd_tiny.data import make_moons, make_spirals, make_xor, train_test_split
from autograd_tiny.losses import l2_penalty
from autograd_tiny.nn import MLP
from autograd_tiny.optim import SGD, Adam
from autograd_tiny.train import FIT_GEN0_THRESHOLD, accuracy, fit, plot_decision_boundary, predict


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


CANNOT_TELL = "plot_decision_boundary: cannot tell the picture format.*"


def test_plot_decision_boundary_writes_the_format_its_suffix_names(tmp_path):
    pytest.importorskip("matplotlib")
    X, y = make_spirals(n=30, classes=3, seed=0)
    model = MLP(2, [4, 3], seed=0)
    starts = {"b.png": b"\x89PNG\r\n\x1a\n", "b.SVG": b"<?xml", "b.pdf": b"%PDF", "b.jpg": b"\xff\xd8\xff"}
    for name, start in starts.items():
        path = plot_decision_boundary(model, X, y, tmp_path / name, loss="cross_entropy", resolution=10)
        assert path.read_bytes().startswith(start), name
    refused = {"b.txt": r"\(suffix \.txt\); use one of .*\.png", "b": r"\(no suffix\)"}
    for name, message in refused.items():
        with pytest.raises(ValueError, match=CANNOT_TELL + message):
            plot_decision_boundary(model, X, y, tmp_path / name, loss="cross_entropy", resolution=10)
        assert not (tmp_path / name).exists()


def test_decision_boundary_figure_is_that_picture_for_a_notebook_and_names_itself_when_refusing():
    pytest.importorskip("matplotlib")
    from autograd_tiny.train import decision_boundary_figure

    X, y = make_spirals(n=30, classes=3, seed=0)
    model = MLP(2, [4, 3], seed=0)
    fig = decision_boundary_figure(model, X, y, loss="cross_entropy", resolution=10, title="spirals")
    assert [ax.get_title() for ax in fig.axes] == ["spirals"]
    with pytest.raises(ValueError, match="decision_boundary_figure: resolution must be an int >= 2"):
        decision_boundary_figure(model, X, y, resolution=1)
    with pytest.raises(ValueError, match="plot_decision_boundary: resolution must be an int >= 2"):
        plot_decision_boundary(model, X, y, "b.png", resolution=1)


# ---- the cycle collector during fit -------------------------------------------------------------


def small_fit(**kwargs):
    X, y = make_xor(seed=0)
    model = MLP(2, [2, 1], seed=0)
    return fit(model, X, y, SGD(model.parameters(), lr=0.1), loss="mse", verbose=False, **kwargs)


def test_fit_keeps_the_collector_on_and_restores_its_thresholds_exactly(thresholds):
    seen = []
    small_fit(epochs=2, callback=lambda epoch, history: seen.append((gc.isenabled(), gc.get_threshold())))
    assert seen == [(True, (FIT_GEN0_THRESHOLD, 7, 3))] * 2
    assert gc.get_threshold() == thresholds and gc.isenabled()

    def fail(epoch, history):
        raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError, match="callback failed"):
        small_fit(epochs=2, callback=fail)
    assert gc.get_threshold() == thresholds and gc.isenabled()

    gc.disable()  # the user's choice stands: fit neither enables the collector nor changes a threshold
    small_fit(epochs=1)
    assert gc.get_threshold() == thresholds and not gc.isenabled()


def test_thresholds_are_restored_after_nested_and_concurrent_fits(thresholds):
    small_fit(epochs=2, callback=lambda epoch, history: small_fit(epochs=1))
    assert gc.get_threshold() == thresholds
    threads = [threading.Thread(target=small_fit, kwargs={"epochs": 30}) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.get_threshold() == thresholds


def test_cyclic_garbage_made_during_fit_is_collected_so_memory_stays_bounded():
    keep = []  # hold no garbage ourselves: each list below refers only to itself

    def make_cyclic_garbage(epoch, history):
        for _ in range(25_000):
            cycle: list = []
            cycle.append(cycle)
        keep.append(sys.getallocatedblocks())

    gc.collect()
    start = sys.getallocatedblocks()
    small_fit(epochs=40, callback=make_cyclic_garbage)  # 10^6 lists of 2 memory blocks each, all garbage
    assert max(keep) - start < 1_000_000  # never collected, they would hold 2 * 10^6 blocks


# ---- numbers: what counts as one (engine.is_real / is_whole) ------------------------------------


def test_numpy_numbers_serve_as_learning_rates_inputs_and_labels():
    np = pytest.importorskip("numpy")
    X, y = make_xor(seed=0)
    a, b = MLP(2, [4, 1], activation="tanh", seed=0), MLP(2, [4, 1], activation="tanh", seed=0)
    assert a([np.float32(0.5), np.float64(-1.0)]).data == b([float(np.float32(0.5)), -1.0]).data
    fit(a, [[np.float32(v) for v in x] for x in X], [np.int64(t) for t in y],
        SGD(a.parameters(), lr=np.float32(0.1)), loss="mse", epochs=3, verbose=False)  # fmt: skip
    fit(b, X, y, SGD(b.parameters(), lr=float(np.float32(0.1))), loss="mse", epochs=3, verbose=False)
    assert a.state_dict() == b.state_dict()
    adam = Adam(a.parameters(), lr=np.float64(0.01), betas=(np.float32(0.9), 0.999))
    assert adam.beta1 == float(np.float32(0.9))


def params():
    return MLP(2, [1], seed=0).parameters()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda np: SGD(params(), lr=True), "SGD: lr must be a real number, got bool"),
        (lambda np: SGD(params(), lr=np.array([0.1])), "SGD: lr must be a real number, got ndarray"),
        (lambda np: Adam(params(), eps="1e-8"), "Adam: eps must be a real number, got str"),
        (lambda np: MLP(2, [1], seed=0)([True, 1.0]), "MLP: inputs must be numbers or Values, got bool"),
        (lambda np: MLP(2, [1], seed=0)([np.array([1.0]), 1.0]), "inputs must be numbers or Values, got nd"),
        (lambda np: MLP(True, [1]), "MLP: nin must be an int, got bool"),
        (lambda np: MLP(2, [np.float64(3.0)]), "every layer size in nouts must be an int, got float64"),
        (lambda np: small_fit(epochs=True), "fit: epochs must be an int, got bool"),
        (lambda np: l2_penalty(params(), True), "l2_penalty: alpha must be a real number, got bool"),
        (lambda np: make_spirals(turns="1"), "make_spirals: turns must be a real number, got str"),
        (lambda np: make_moons(n=np.array(10)), "make_moons: n must be an int, got ndarray"),
        (lambda np: small_fit(epochs=1, l2=np.array(0.1)), "fit: l2 must be a real number, got ndarray"),
        (lambda np: fit(MLP(2, [1]), [[0.0, 0.0]], [True], SGD(params()), verbose=False),
         "fit: every label must be an int, got bool"),
    ],
)
def test_bools_arrays_and_strings_are_not_numbers_and_the_type_error_names_their_type(call, message):
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match=message):
        call(np)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"l2": -1e-4}, "fit: l2 must be a finite number >= 0, got -0.0001"),
        ({"l2": math.inf}, "fit: l2 must be a finite number >= 0, got inf"),
        ({"lr_schedule": lambda step: math.nan}, r"fit: lr_schedule\(0\) returned nan"),
        ({"lr_schedule": lambda step: 0.1 - step}, r"fit: lr_schedule\(1\) returned -0.9"),
    ],
)
def test_fit_refuses_a_negative_or_infinite_penalty_and_a_schedule_leaving_the_range(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small_fit(epochs=3, **kwargs)
