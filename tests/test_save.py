"""Saving and loading models: round trips, readable JSON, atomic writes, and every bad file refused."""

import json
import math
import os
import stat

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


def edited(good, change):
    """The JSON text of the good file after change(document) edits it in place."""
    document = json.loads(good)
    change(document)
    return json.dumps(document, indent=1)


def set_b(value_text):
    """The good file's text with parameter layers.0.neurons.0.b spelled as value_text."""
    return lambda good: good.replace('"layers.0.neurons.0.b": 0.0', f'"layers.0.neurons.0.b": {value_text}')


def nested(depth):
    """[[[...]]]: a list in a list, depth times."""
    inner = []
    for _ in range(depth):
        inner = [inner]
    return inner


B = r"parameter 'layers\.0\.neurons\.0\.b'"
BAD_FILES = {
    # name: (good file text -> bad file text or bytes, the ValueError's message)
    "truncated": (lambda good: good[: len(good) // 2], "corrupt or truncated"),
    "empty": (lambda good: "", "corrupt or truncated"),
    "not json": (lambda good: "model: yes\n", "corrupt or truncated"),
    "binary": (lambda good: b"\x80\xff\x00garbage", "not UTF-8"),
    "utf-16": (lambda good: good.encode("utf-16"), "not UTF-8"),
    "json list": (lambda good: "[1, 2]", "not an autograd_tiny model file"),
    "nested 100,000 deep": (lambda good: "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "nested in the architecture": (
        lambda good: edited(good, lambda d: d["architecture"].update(nouts=nested(500))),
        r"architecture\.nouts is \[\[.*\(list\), this model has \[3, 1\]",
    ),
    "repeated parameter": (
        set_b('0.0, "layers.0.neurons.0.b": 1.0'),
        "the key 'layers.0.neurons.0.b' appears twice",
    ),
    "repeated version": (lambda good: good.replace('"format_version": 1,', '"format_version": 1,' * 2),
                         "the key 'format_version' appears twice"),
    "no version": (lambda good: edited(good, lambda d: d.pop("format_version")), "lacks a format_version"),
    "future version": (lambda good: edited(good, lambda d: d.update(format_version=2)), "format_version 2;"),
    "version true": (lambda good: edited(good, lambda d: d.update(format_version=True)),
                     "format_version must be an integer, got bool: True"),
    "version 1.0": (lambda good: edited(good, lambda d: d.update(format_version=1.0)), "got float: 1.0"),
    "version '1'": (lambda good: edited(good, lambda d: d.update(format_version="1")), "got str: '1'"),
    "extra key": (lambda good: edited(good, lambda d: d.update(comment="hi")), "unexpected key 'comment'"),
    "parameters a list": (lambda good: edited(good, lambda d: d.update(parameters=[0.5])),
                          "'parameters' must be a JSON object, got list"),
    "no architecture": (lambda good: edited(good, lambda d: d.pop("architecture")),
                        "'architecture' must be a JSON object, got nothing"),
    "nouts [3, true]": (lambda good: edited(good, lambda d: d["architecture"].update(nouts=[3, True])),
                        r"architecture\.nouts\[1\] is True \(bool\), this model has 1"),
    "nin 2.0": (lambda good: edited(good, lambda d: d["architecture"].update(nin=2.0)),
                r"architecture\.nin is 2\.0 \(float\), this model has 2"),
    "architecture key added": (lambda good: edited(good, lambda d: d["architecture"].update(bias=False)),
                               "architecture has an unexpected key 'bias'"),
    "other architecture": (lambda good: edited(good, lambda d: d["architecture"].update(nouts=[4, 1])),
                           r"holds a MLP\(nin=2, nouts=\[4, 1\].*does not fit this MLP"),
    "missing parameter": (lambda good: edited(good, lambda d: d["parameters"].pop("layers.1.neurons.0.b")),
                          r"missing \[layers\.1\.neurons\.0\.b\]"),
    "extra parameter": (lambda good: edited(good, lambda d: d["parameters"].update(extra=1.0)),
                        r"missing none, unexpected \[extra\]"),
    "string value": (set_b('"zero"'), B + " must be a real number, got str: 'zero'"),
    "true value": (set_b("true"), B + " must be a real number, got bool: True"),
    "null value": (set_b("null"), B + " must be a real number, got NoneType"),
    "list value": (set_b("[0.5]"), B + " must be a real number, got list"),
    "nan": (set_b("NaN"), B + " must be a finite number, got nan"),
    "infinity": (set_b("-Infinity"), B + " must be a finite number, got -inf"),
    "1e400": (set_b("1e400"), B + " must be a finite number, got inf"),
    "400 digits": (set_b("1" + "0" * 399), B + " must be a finite number, got 1000"),
    "5000 digits": (set_b("1" * 5000), "not a model file .*4300 digits"),
}  # fmt: skip


def with_distinct_grads(model):
    for i, p in enumerate(model.parameters()):
        p.grad = i + 0.5
    return model


def data_and_grads(model):
    return [(p.data, p.grad) for p in model.parameters()]


@pytest.mark.parametrize("case", BAD_FILES)
def test_every_bad_file_is_a_value_error_saying_what_is_wrong_and_changes_nothing(tmp_path, case):
    MLP(2, [3, 1], seed=0).save(tmp_path / "good.json")
    make_bad, message = BAD_FILES[case]
    bad_content = make_bad((tmp_path / "good.json").read_text())
    bad = tmp_path / "bad.json"
    if isinstance(bad_content, bytes):
        bad.write_bytes(bad_content)
    else:
        bad.write_text(bad_content)
    target = with_distinct_grads(MLP(2, [3, 1], seed=5))
    before = data_and_grads(target)
    with pytest.raises(ValueError, match=message):
        target.load(bad)
    assert data_and_grads(target) == before


def test_files_that_cannot_be_read_raise_os_errors_and_change_nothing(tmp_path):
    target = with_distinct_grads(MLP(2, [3, 1], seed=5))
    before = data_and_grads(target)
    with pytest.raises(FileNotFoundError, match="no such model file"):
        target.load(tmp_path / "absent.json")
    with pytest.raises(IsADirectoryError):
        target.load(tmp_path)
    assert data_and_grads(target) == before


def test_a_file_larger_than_the_model_can_need_is_refused_without_reading_it_all(tmp_path):
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:
        f.truncate(10**11)  # 100 GB, sparse: reading it whole would exhaust memory
    target = with_distinct_grads(MLP(2, [3, 1], seed=5))
    before = data_and_grads(target)
    with pytest.raises(ValueError, match=r"larger than \d+ bytes"):
        target.load(huge)
    assert data_and_grads(target) == before


def test_pipes_and_devices_are_refused_before_they_are_opened(tmp_path):
    target = with_distinct_grads(MLP(2, [3, 1], seed=5))
    before = data_and_grads(target)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.json")  # opening it would wait for a writer forever
        with pytest.raises(ValueError, match=r"pipe\.json' is not a regular file"):
            target.load(tmp_path / "pipe.json")
    if os.path.exists("/dev/zero"):  # endless, though its size says 0
        with pytest.raises(ValueError, match="'/dev/zero' is not a regular file"):
            target.load("/dev/zero")
    assert data_and_grads(target) == before


def test_hand_edited_files_with_a_bom_integers_and_other_spacing_load(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    model.save(tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text())
    document["parameters"]["layers.0.neurons.0.b"] = 2  # an int, as someone typing it would write it
    text = json.dumps(document, indent=8)
    (tmp_path / "edited.json").write_bytes(b"\xef\xbb\xbf" + text.encode())  # as Windows Notepad saves
    other = MLP(2, [3, 1], seed=9)
    other.load(tmp_path / "edited.json")
    assert other.state_dict() == dict(model.state_dict(), **{"layers.0.neurons.0.b": 2.0})


def test_what_save_writes_load_reads_back_exactly_even_at_the_extremes_of_float(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    extremes = [1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -0.0, 0.1, 1 / 3]
    for p, value in zip(model.parameters(), extremes):
        p.data = value
    model.save(tmp_path / "m.json")
    other = MLP(2, [3, 1], seed=1)
    other.load(tmp_path / "m.json")
    assert other.state_dict() == model.state_dict()
    assert math.copysign(1, other.parameters()[3].data) == -1.0  # -0.0 kept its sign


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

    monkeypatch.setattr(os, "fsync", crash)  # Ctrl-C while the new file is being written
    with pytest.raises(KeyboardInterrupt):
        MLP(2, [3, 1], seed=1).save(path)
    assert path.read_text() == old
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_save_refuses_a_missing_directory_and_non_finite_parameters(tmp_path):
    model = MLP(2, [1], seed=0)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.save(tmp_path / "nowhere" / "m.json")
    model.layers[0].neurons[0].w[0].data = math.nan
    with pytest.raises(ValueError, match=r"save: parameter 'layers.0.neurons.0.w.0' must be a finite number"):
        model.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_load_state_dict_refuses_values_that_are_not_real_numbers_with_a_type_error_naming_the_type():
    np = pytest.importorskip("numpy")
    model = with_distinct_grads(MLP(2, [1], seed=0))
    before = data_and_grads(model)
    state = model.state_dict()
    for value, kind in [(True, "bool"), (np.array([0.5]), "ndarray"), ("0.5", "str"), (None, "NoneType")]:
        with pytest.raises(TypeError, match=B + f" must be a real number, got {kind}"):
            model.load_state_dict(dict(state, **{"layers.0.neurons.0.b": value}))
    with pytest.raises(ValueError, match=r"must be a finite number, got 1000"):
        model.load_state_dict(dict(state, **{"layers.0.neurons.0.b": 10**400}))
    with pytest.raises(ValueError, match=r"unexpected \[1\]"):  # names that are not strings are named too
        model.load_state_dict({**state, 1: 0.5})
    assert data_and_grads(model) == before


def test_numpy_numbers_work_as_state_values_layer_sizes_and_saved_data(tmp_path):
    np = pytest.importorskip("numpy")
    model = MLP(np.int64(2), [np.int64(3), 1], seed=0)
    state = {name: np.float32(0.25) for name in model.state_dict()}
    model.load_state_dict(state)
    assert set(model.state_dict().values()) == {0.25}
    model.parameters()[0].data = np.float32(0.5)  # set by hand, as a user may
    model.save(tmp_path / "m.json")  # plain JSON numbers, no numpy types in the file
    other = MLP(2, [3, 1], seed=1)
    other.load(tmp_path / "m.json")
    assert other.parameters()[0].data == 0.5 and other.parameters()[1].data == 0.25


# ---- saving over links, keeping permissions -----------------------------------------------------


def test_save_through_a_symlink_replaces_the_file_it_points_to_and_keeps_its_mode(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    real_file = store / "model.json"
    MLP(2, [3, 1], seed=0).save(real_file)
    real_file.chmod(0o640)
    link = tmp_path / "current.json"
    link.symlink_to(os.path.relpath(real_file, tmp_path))
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: replaced.append((src, dst)) or real_replace(src, dst))

    model = MLP(2, [3, 1], seed=7)
    model.save(link)

    assert link.is_symlink() and link.resolve() == real_file.resolve()
    assert stat.S_IMODE(real_file.stat().st_mode) == 0o640
    assert json.loads(real_file.read_text())["parameters"] == model.state_dict()
    [(src, dst)] = replaced
    assert os.path.dirname(src) == str(store.resolve())  # the temporary file sits beside the target
    assert dst == real_file.resolve()
    assert sorted(p.name for p in store.iterdir()) == ["model.json"]


def test_save_through_a_chain_of_links_and_a_dangling_link(tmp_path):
    real_file = tmp_path / "model.json"
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.symlink_to("model.json")
    second.symlink_to("first.json")
    MLP(2, [1], seed=0).save(second)  # the link chain ends at a file not there yet: it is created
    assert first.is_symlink() and second.is_symlink() and real_file.is_file()
    MLP(2, [1], seed=0).load(second)
    loop = tmp_path / "loop.json"
    loop.symlink_to("loop.json")
    with pytest.raises(OSError, match="loop of symbolic links"):
        MLP(2, [1], seed=0).save(loop)
    assert loop.is_symlink()


def test_a_new_file_gets_the_usual_permissions_and_a_directory_is_not_overwritten(tmp_path):
    previous = os.umask(0o027)
    try:
        MLP(2, [1], seed=0).save(tmp_path / "m.json")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "m.json").stat().st_mode) == 0o640
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        MLP(2, [1], seed=0).save(tmp_path / "dir.json")
