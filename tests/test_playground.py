"""The playground's state (`autograd_tiny.playground`): its numbers are the engine's own.

Every number a playground view shows is checked against the model evaluated eagerly with
Values: the units' outputs over the plane, the losses, each step's gradients, deltas and
updates; and reset replays a run to the bit.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib

import pytest
from PIL import Image

from autograd_tiny import Value
from autograd_tiny.losses import l2_penalty, mse_loss
from autograd_tiny.nn import MLP
from autograd_tiny.playground import Playground, Settings, WeightUpdate
from autograd_tiny.playground.heatmap import PALETTE, png, shade
from autograd_tiny.playground.picture import picture, still
from autograd_tiny.playground.units import forward_units


def small(**changes: object) -> Playground:
    """A quick run: 40 points, two small hidden layers."""
    return Playground(Settings(**{"points": 40, "hidden": (4, 3), "batch_size": 7, **changes}))  # type: ignore[arg-type]


def targets(labels: list[int]) -> list[float]:
    return [2.0 * label - 1 for label in labels]


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_every_units_grid_is_its_output_at_the_grid_points(activation: str) -> None:
    pg = small(activation=activation)
    pg.step(3)
    grids = pg.unit_grids(6)
    points = grids.extent.points(6)
    assert grids.values[0] == [[p[0] for p in points], [p[1] for p in points]]
    for k, point in enumerate(points):
        units = forward_units(pg.model, point)
        for n in range(1, len(units.outputs)):
            for j, out in enumerate(units.outputs[n]):
                assert grids.values[n][j][k] == pytest.approx(out.data, abs=1e-12, rel=1e-12)
        model_output = pg.model(point)
        assert isinstance(model_output, Value)
        assert grids.boundary[k] == pytest.approx(model_output.data, abs=1e-12, rel=1e-12)


def test_grid_points_cover_the_data_top_row_first() -> None:
    pg = small()
    points = pg.extent.points(5)
    assert points[0] == pytest.approx([pg.extent.low, pg.extent.high])
    assert points[-1] == pytest.approx([pg.extent.high, pg.extent.low])
    for x, y in pg.X_train + pg.X_test:
        assert pg.extent.low < min(x, y) and max(x, y) < pg.extent.high


def test_losses_are_the_mean_squared_errors_of_the_model_on_each_set() -> None:
    pg = small(dataset="circles")
    pg.step(2)
    for X, y, curve in ((pg.X_train, pg.y_train, pg.train_loss), (pg.X_test, pg.y_test, pg.test_loss)):
        outputs = [pg.model(x) for x in X]
        assert curve[-1] == pytest.approx(mse_loss(outputs, targets(y)).data, abs=1e-12)
    assert len(pg.train_loss) == len(pg.test_loss) == pg.epoch + 1 == 3


@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_each_weights_update_is_sgd_on_the_engines_gradient(l2: float) -> None:
    pg = small(dataset="xor", l2=l2, learning_rate=0.3)
    assert pg.update(pg.names[0]) is None  # no step yet
    pg.step(2)
    assert pg.last is not None
    reference = MLP(2, pg.settings.sizes, activation=pg.settings.activation, output_activation="tanh", seed=1)
    reference.load_state_dict(dict(zip(pg.names, pg.last.before)))
    batch = pg.last.batch
    loss = mse_loss([reference([*pg.X_train[i]]) for i in batch], targets([pg.y_train[i] for i in batch]))
    if l2:
        loss = loss + l2_penalty(reference.parameters(), l2)
    loss.backward()
    for name, p in reference.named_parameters():
        update = pg.update(name)
        assert update is not None
        assert update.grad == pytest.approx(p.grad, abs=1e-12)
        assert update.before == p.data and update.rate == 0.3
        assert update.after == dict(pg.model.named_parameters())[name].data == p.data - 0.3 * update.grad
    with pytest.raises(KeyError, match="no parameter 'nope'"):
        pg.update("nope")


def test_the_update_is_written_out_with_its_numbers() -> None:
    update = WeightUpdate("layers.0.neurons.1.w.0", before=0.4, rate=0.5, grad=0.0822, after=0.3589)
    assert update.text == "w \u2190 w \u2212 \u03b1 \u2202c/\u2202w = 0.4 \u2212 0.5 \u00d7 0.0822 = 0.3589"
    bias = WeightUpdate("layers.1.neurons.0.b", before=0.1, rate=0.1, grad=-0.25, after=0.125)
    assert bias.text.startswith("b \u2190 b") and "\u00d7 (-0.25) = 0.125" in bias.text


def test_reset_replays_the_run_from_the_same_initial_weights() -> None:
    pg = small()
    initial = pg.model.state_dict()
    pg.step(4)
    first_run, trained = list(pg.train_loss), pg.model.state_dict()
    assert trained != initial and first_run[-1] < first_run[0]
    pg.reset()
    assert pg.model.state_dict() == initial and pg.epoch == 0 and pg.last is None
    assert pg.train_loss == first_run[:1]
    pg.step(4)
    assert pg.train_loss == first_run and pg.model.state_dict() == trained


def test_the_same_settings_make_the_same_run_and_another_seed_another() -> None:
    assert small().model.state_dict() == small().model.state_dict()
    assert small(seed=1).model.state_dict() != small().model.state_dict()
    assert small(seed=1).X_train != small().X_train


def test_output_delta_is_the_derivations_and_dc_dw_what_sgd_used() -> None:
    pg = small()
    pg.step(1)
    steps, last = pg.backprop(), pg.last
    assert steps is not None and last is not None
    reference = MLP(2, pg.settings.sizes, activation="tanh", output_activation="tanh", seed=1)
    reference.load_state_dict(dict(zip(pg.names, last.before)))
    expected = 0.0
    for i in last.batch:  # d/dx of mean (tanh(x) - t)^2 = 2 / B (y - t)(1 - y^2), added over the batch
        out = reference(pg.X_train[i])
        assert isinstance(out, Value)
        y = out.data
        expected += 2.0 / len(last.batch) * (y - (2.0 * pg.y_train[i] - 1)) * (1 - y * y)
    assert steps.delta[-1][0] == pytest.approx(expected, abs=1e-12)
    assert steps.grads == pytest.approx(dict(zip(pg.names, last.grads)), abs=1e-12)
    assert pg.model.state_dict() != dict(zip(pg.names, last.before))  # the model keeps its trained weights


def test_a_dead_relu_unit_has_zero_delta_and_its_weights_get_no_gradient() -> None:
    pg = small(activation="relu")
    pg.initial["layers.0.neurons.2.b"] = -100.0  # never above 0 on this data
    pg.reset()
    pg.step(1)
    steps = pg.backprop()
    assert steps is not None
    assert steps.delta[1][2] == 0.0
    assert [steps.grads[f"layers.0.neurons.2.{w}"] for w in ("w.0", "w.1", "b")] == [0.0, 0.0, 0.0]
    assert any(d != 0.0 for d in steps.delta[1])


def test_retune_changes_rate_and_batch_size_but_keeps_the_run() -> None:
    pg = small()
    pg.step(1)
    pg.retune(learning_rate=0.01, batch_size=3)
    pg.step(1)
    assert pg.epoch == 2 and pg.last is not None
    assert len(pg.last.batch) == len(pg.X_train) % 3 or len(pg.last.batch) == 3
    update = pg.update(pg.names[0])
    assert update is not None and update.rate == 0.01


@pytest.mark.parametrize("dataset", ["moons", "circles", "spirals", "xor"])
def test_every_dataset_has_two_classes_and_the_asked_split(dataset: str) -> None:
    pg = small(dataset=dataset)
    assert sorted(set(pg.y_train + pg.y_test)) == [0, 1]
    assert len(pg.X_train) == len(pg.X_test) == 20


@pytest.mark.parametrize(("field", "value", "error"), [
    ("dataset", "iris", ValueError), ("activation", "gelu", ValueError), ("hidden", "8, x", ValueError),
    ("hidden", (0,), ValueError), ("batch_size", 0, ValueError), ("learning_rate", 0.0, ValueError),
    ("noise", -1.0, ValueError), ("seed", 1.5, TypeError),
])  # fmt: skip
def test_settings_refuse_what_cannot_run(field: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=field):
        Settings(**{field: value})  # type: ignore[arg-type]


def test_hidden_layers_may_be_written_as_text_or_left_out() -> None:
    assert Settings(hidden="8, 4").hidden == (8, 4)  # type: ignore[arg-type]
    assert Settings(hidden="").sizes == [1]  # type: ignore[arg-type]
    assert small(hidden=()).unit_grids(3).values[1][0] == small(hidden=()).unit_grids(3).boundary


def decode(data: bytes) -> tuple[int, list[int]]:
    """A PNG written by `png`: its size and its pixels' palette indices, row by row."""
    size = struct.unpack(">I", data[16:20])[0]
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8:start - 4])[0]
    rows = zlib.decompress(data[start:start + length])
    pixels = [b for r in range(size) for b in rows[r * (size + 1) + 1:(r + 1) * (size + 1)]]
    assert [rows[r * (size + 1)] for r in range(size)] == [0] * size
    return size, pixels


def test_heatmap_pixels_are_the_shades_of_the_values() -> None:
    pg = small()
    grids = pg.unit_grids(5)
    size, pixels = decode(png(grids.boundary, 5))
    assert size == 5 and pixels == [shade(v) for v in grids.boundary]
    assert PALETTE[shade(-1.0)] == (245, 147, 34) and PALETTE[shade(1.0)] == (8, 119, 189)
    assert PALETTE[shade(0.0)] == (255, 255, 255) and shade(5.0) == shade(1.0)


def test_the_picture_has_every_parameter_and_each_view() -> None:
    pg = small()
    forward = picture(pg)
    for name in pg.names:
        assert f'data-param="{name}"' in forward
    assert "take a step first" in picture(pg, "backprop")
    pg.step(1)
    backward = picture(pg, "backprop", selected=pg.names[0])
    assert "\u03b4" in backward and 'stroke-dasharray="6 3"' in backward
    with pytest.raises(ValueError, match="view"):
        picture(pg, "sideways")


def test_a_still_for_a_notebook_carries_the_same_picture_as_png() -> None:
    """A stored notebook not yet trusted shows the PNG: same size as the SVG, and not blank."""
    pg = small()
    pg.step(1)
    bundle = still(pg, "backprop", selected=pg.names[0])._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert svg == picture(pg, "backprop", selected=pg.names[0])
    size = tuple(int(n) for n in re.search(r'width="(\d+)" height="(\d+)"', svg).groups())  # type: ignore[union-attr]
    with Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))) as png_image:
        assert png_image.size == size
        colours = png_image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50  # heatmaps, lines and text, not a blank page


def test_rendering_where_no_program_can_run_says_what_to_do_instead_of_an_oserror(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As in Pyodide, where starting a process fails: the DOT text is to go to viz-js."""
    viz = pytest.importorskip("autograd_tiny.viz")
    import subprocess

    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError(52, "Function not implemented")

    monkeypatch.setattr(subprocess, "run", no_processes)
    monkeypatch.setattr(subprocess, "Popen", no_processes)
    dot = viz.draw_dot(Value(2.0) * Value(3.0))
    for render in (lambda: viz.to_svg(dot), lambda: dot.pipe(format="svg")):
        with pytest.raises(viz.GraphvizNotFoundError, match="could not be run") as info:
            render()
        assert "@viz-js/viz" in str(info.value) and ".source" in str(info.value)
        assert isinstance(info.value.__cause__, OSError)


def test_the_batchs_shares_through_a_unit_add_up_to_the_gradient_sgd_used() -> None:
    from autograd_tiny.engine import backward_order
    from autograd_tiny.playground.unit_graph import unit_graph, unit_of

    pg = small(l2=0.01)
    assert unit_graph(pg, "layers.1.neurons.2.w.0") is None  # no step yet
    pg.step(2)
    assert pg.last is not None
    for name in ("layers.1.neurons.2.w.0", "layers.0.neurons.3.b", "layers.2.neurons.0.w.2"):
        leaf = name.split(".", 4)[4]
        shares = []
        for sample in range(len(pg.last.batch)):
            share = unit_graph(pg, name, sample)
            assert share is not None
            shares.append(next(v.grad for v in backward_order(share) if v.label == leaf and not v.parents))
        update = pg.update(name)
        assert update is not None
        assert sum(shares) + 2 * 0.01 * update.before == pytest.approx(update.grad, abs=1e-12)
    with pytest.raises(ValueError, match="not a parameter name"):
        unit_of("w.0")


def test_hovering_the_loss_curves_tells_each_epochs_losses() -> None:
    pg = small()
    pg.step(3)
    tips = re.findall(r'<rect class="tip"[^>]*><title>([^<]*)</title>', picture(pg))
    assert tips == [f"epoch {k}: train loss {pg.train_loss[k]:.4f}, test loss {pg.test_loss[k]:.4f}"
                    for k in range(4)]  # fmt: skip
    pg.step(150)
    tips = re.findall(r'<rect class="tip"[^>]*><title>epoch (\d+):', picture(pg))
    assert len(tips) == 100 and tips[0] == "0" and tips[-1] == "153"
