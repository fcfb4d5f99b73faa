"""Saving and loading models: round trips, readable JSON, atomic writes, and every bad file refused."""

import json
import math

import pytest

from autograd_tiny.nn import MLP, Neuron

X = [[0.1, 0.2], [-1.0, 0.5], [2.0, -0.3]]


def predictions(model):
    return [model(x).data for x in X]


def test_save_then_load_gives_identical_predictions(tmp_path):
    trained = MLP(2, [8, 8, 1], activation="tanh", seed=1)
    path = tmp_path / "model.json"
    trained.save(path)
    fresh = MLP(2, [8, 8, 1], activation="tanh", seed=2)
    assert predictions(fresh) != predictions(trained)
    fresh.load(path)
    assert predictions(fresh) == predictions(trained)
    assert fresh.state_dict() == trained.state_dict()


def test_the_file_is_readable_json_with_version_architecture_and_named_parameters(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    model.save(tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text())
    assert document["format"] == "autograd_tiny.model"
    assert document["format_version"] == 1
    assert document["architecture"] == {"type": "MLP", "nin": 2, "nouts": [3, 1], "activation": "relu",
                                        "output_activation": "linear"}  # fmt: skip
    assert document["parameters"]["layers.0.neurons.2.w.1"] == model.layers[0].neurons[2].w[1].data
    assert list(document["parameters"]) == [name for name, _ in model.named_parameters()]


def test_state_dict_round_trip_and_it_is_a_copy():
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    state["layers.0.neurons.0.b"] = 99.0
    assert model.layers[0].neurons[0].b.data == 0.0
    model.load_state_dict(state)
    assert model.layers[0].neurons[0].b.data == 99.0


def corrupt_files(path, other_architecture):
    good = path.read_text()
    document = json.loads(good)
    wrong_value = json.loads(good)
    wrong_value["parameters"]["layers.0.neurons.0.b"] = "zero"
    missing = json.loads(good)
    del missing["parameters"]["layers.1.neurons.0.b"]
    future = dict(document, format_version=2)
    return {
        "truncated": (good[: len(good) // 2], ValueError, "corrupt or truncated"),
        "empty": ("", ValueError, "corrupt or truncated"),
        "not json": ("model: yes\n", ValueError, "corrupt or truncated"),
        "binary": (None, ValueError, "not UTF-8"),
        "json list": ("[1, 2]", ValueError, "not an autograd_tiny model file"),
        "future version": (json.dumps(future), ValueError, "format_version 2"),
        "other architecture": (other_architecture, ValueError, "does not fit this MLP"),
        "missing parameter": (json.dumps(missing), ValueError, r"missing \[layers.1.neurons.0.b\]"),
        "string value": (json.dumps(wrong_value), ValueError, "must be a finite number"),
        "nan": (good.replace('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": NaN'), ValueError,
                "finite numbers only"),
    }  # fmt: skip


def test_every_bad_file_raises_a_clear_error_and_leaves_the_model_unchanged(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    model.save(tmp_path / "good.json")
    MLP(2, [4, 1], seed=0).save(tmp_path / "other.json")
    cases = corrupt_files(tmp_path / "good.json", (tmp_path / "other.json").read_text())
    target = MLP(2, [3, 1], seed=5)
    before = target.state_dict()
    for name, (text, error, message) in cases.items():
        bad = tmp_path / f"{name}.json"
        if text is None:
            bad.write_bytes(b"\x80\xff\x00garbage")
        else:
            bad.write_text(text)
        with pytest.raises(error, match=message):
            target.load(bad)
        assert target.state_dict() == before, name
    with pytest.raises(FileNotFoundError, match="no such model file"):
        target.load(tmp_path / "absent.json")
    assert target.state_dict() == before


def test_a_neuron_file_does_not_load_into_an_mlp(tmp_path):
    Neuron(2, seed=0).save(tmp_path / "n.json")
    with pytest.raises(ValueError, match=r"holds a Neuron\(nin=2"):
        MLP(2, [1], seed=0).load(tmp_path / "n.json")


def test_load_state_dict_checks_everything_before_changing_anything():
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    bad = dict(before, **{"layers.1.neurons.0.b": math.inf})
    with pytest.raises(ValueError, match=r"layers\.1\.neurons\.0\.b"):
        model.load_state_dict(bad)
    with pytest.raises(ValueError, match=r"unexpected \[extra\]"):
        model.load_state_dict(dict(before, extra=1.0))
    with pytest.raises(TypeError, match="expected a dict"):
        model.load_state_dict([1.0])  # type: ignore[arg-type]
    assert model.state_dict() == before


def test_an_interrupted_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    old = path.read_text()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(json, "dump", crash)
    with pytest.raises(KeyboardInterrupt):
        MLP(2, [3, 1], seed=1).save(path)
    assert path.read_text() == old
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_save_refuses_a_missing_directory_and_non_finite_parameters(tmp_path):
    model = MLP(2, [1], seed=0)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.save(tmp_path / "nowhere" / "m.json")
    model.layers[0].neurons[0].w[0].data = math.nan
    with pytest.raises(ValueError, match=r"'layers.0.neurons.0.w.0' is nan"):
        model.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()
