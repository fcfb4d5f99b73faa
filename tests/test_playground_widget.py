"""The playground's Jupyter widget (`playground()`), driven from Python as its buttons and controls would be.

The widget shows what its `Controller` computes; these tests press its buttons and change its
controls, and check the run, the picture and the written-out update against the engine.
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("ipywidgets")

from autograd_tiny.playground import Playground, Settings, playground
from autograd_tiny.playground.widget import PlaygroundWidget


def small() -> PlaygroundWidget:
    return PlaygroundWidget(Settings(points=40, hidden=(4, 3), batch_size=8))


def test_playground_returns_a_box_of_widgets() -> None:
    view = playground(dataset="xor", hidden="3")
    assert type(view).__name__ == "VBox"


def test_step_trains_one_epoch_and_redraws() -> None:
    widget = small()
    first = widget.picture.svg
    widget.step_button.click()
    assert widget.controller.pg.epoch == 1
    assert widget.picture.svg != first and "epoch 1," in widget.status.value


def test_reset_restores_the_same_initial_weights_and_losses() -> None:
    widget = small()
    initial = widget.controller.pg.model.state_dict()
    for _ in range(3):
        widget.step_button.click()
    losses = list(widget.controller.pg.train_loss)
    widget.reset_button.click()
    assert widget.controller.pg.model.state_dict() == initial and widget.controller.pg.epoch == 0
    for _ in range(3):
        widget.step_button.click()
    assert widget.controller.pg.train_loss == losses


def test_play_trains_until_paused() -> None:
    widget = small()
    widget.play.value = True
    deadline = time.monotonic() + 30
    while widget.controller.pg.epoch < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    widget.play.value = False
    widget.wait()
    epoch = widget.controller.pg.epoch
    assert epoch >= 3 and widget.play.description == "play"
    time.sleep(0.2)
    assert widget.controller.pg.epoch == epoch and f"epoch {epoch}," in widget.status.value


def test_a_chosen_weights_update_shows_the_engines_numbers() -> None:
    widget = small()
    name = "layers.1.neurons.2.w.1"
    widget.weight.value = name
    assert "take a step" in widget.update_text.value
    widget.step_button.click()
    update, steps = widget.controller.pg.update(name), widget.controller.pg.backprop()
    assert update is not None and steps is not None
    assert update.grad == pytest.approx(steps.grads[name], abs=1e-12)
    assert update.after == update.before - update.rate * update.grad
    assert update.text in widget.update_text.value and name in widget.update_text.value
    assert 'stroke-dasharray="6 3"' in widget.picture.svg


def test_the_backprop_view_shows_deltas() -> None:
    widget = small()
    widget.step_button.click()
    widget.view_choice.value = "backprop"
    assert "\u03b4" in widget.picture.svg and widget.controller.view == "backprop"


def test_controls_make_a_new_run_or_retune_this_one() -> None:
    widget = small()
    widget.step_button.click()
    widget.controls["learning_rate"].value = 0.3
    assert widget.controller.pg.epoch == 1 and widget.controller.pg.settings.learning_rate == 0.3
    widget.controls["dataset"].value = "circles"
    expected = Playground(Settings(points=40, hidden=(4, 3), batch_size=8, dataset="circles",
                                   learning_rate=0.3))  # fmt: skip
    assert widget.controller.pg.epoch == 0
    assert widget.controller.pg.model.state_dict() == expected.model.state_dict()
    assert widget.controller.pg.X_train == expected.X_train
    widget.controls["hidden"].value = "2"
    assert widget.weight.options == tuple(widget.controller.pg.names)
    widget.controls["hidden"].value = "2, many"
    assert "not changed" in widget.status.value and widget.controller.pg.settings.hidden == (2,)


def test_clicking_a_weight_in_the_picture_chooses_it_as_the_menu_does() -> None:
    widget = small()
    widget.step_button.click()
    for name in ("layers.0.neurons.1.w.0", "layers.1.neurons.0.b", "layers.0.neurons.1.w.0"):
        widget.picture.clicked = name  # what the picture's script sets on a click
        update = widget.controller.pg.update(name)
        assert update is not None
        assert widget.weight.value == name == widget.controller.selected and widget.picture.clicked == ""
        assert f"{name}: {update.text}" in widget.update_text.value
