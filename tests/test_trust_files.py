"""Trust, round three (issue 20), the command line and files: each test failed before its fix.

7. stderr's reader leaving early; 8. legal long file names; 9. safetensors files that are not
files, nested too deeply or huge; 10. fit and accuracy on NumPy arrays; 11. sizes whose graph
cannot fit; 17. the command line's options blaming the wrong option or accepting nonsense.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autograd_tiny import nn
from autograd_tiny.data import make_moons, make_spirals, make_xor, train_test_split
from autograd_tiny.io.safetensors_file import Tensor, parse_safetensors, read_safetensors
from autograd_tiny.io.torch_bridge import load_safetensors, save_safetensors
from autograd_tiny.optim import SGD, Adam
from autograd_tiny.train import accuracy, fit, predict

SMALL = ["--dataset", "xor", "--n", "8", "--hidden", "3", "--epochs", "3"]


def cli(*args: str, cwd: Path, timeout: float = 300, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """python -m autograd_tiny train ARGS in a fresh process (text output captured unless kwargs redirect)."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "autograd_tiny", "train", *args], cwd=cwd, text=True,
                          timeout=timeout, **kwargs)  # fmt: skip


# ---- 7. a reader of stderr that leaves early ------------------------------------------------------


@pytest.mark.parametrize("streams", ["stderr", "stdout and stderr"])
def test_a_stderr_reader_that_has_left_silences_the_progress_bar_and_the_files_are_still_written(
    tmp_path: Path, streams: str
) -> None:
    """`... 2>&1 | head -1` or `|& head -c 40`: the bar's writes to stderr fail; training saves, status 0.

    The pipe's reading end is closed before the process starts, so every write to it fails (EPIPE),
    whatever the timing: the same as a reader that left after the first line, made certain.
    """
    pytest.importorskip("tqdm")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        stdout = write_end if streams == "stdout and stderr" else subprocess.DEVNULL
        result = cli(*SMALL, "--out-dir", "out", cwd=tmp_path, stdout=stdout, stderr=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 0
    nn.MLP(2, [3, 1]).load(tmp_path / "out" / "model.json")
    assert (tmp_path / "out" / "decision_boundary.png").exists()


@pytest.mark.skipif(not (shutil.which("bash") and shutil.which("head")), reason="needs bash and head")
@pytest.mark.parametrize("pipe", ["2>&1 | head -1", "|& head -c 40"])
def test_a_shell_pipeline_into_head_loses_no_file_and_ends_with_status_0(tmp_path: Path, pipe: str) -> None:
    pytest.importorskip("tqdm")
    command = " ".join([sys.executable, "-m", "autograd_tiny", "train", *SMALL, "--out-dir", "out", pipe])
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0  # pipefail: the status of python, head's being 0
    assert result.stdout.startswith("xor: 8 points")
    nn.MLP(2, [3, 1]).load(tmp_path / "out" / "model.json")
    assert (tmp_path / "out" / "decision_boundary.png").exists()


# ---- 8. a legal long file name ----------------------------------------------------------------------

LONG_STEM = "模" * 81  # 243 bytes of UTF-8


def name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def needs_long_names(directory: Path) -> None:
    if name_max(directory) < 255:
        pytest.skip(f"this file system takes names of at most {name_max(directory)} bytes")


def test_save_and_save_safetensors_take_a_name_of_up_to_255_bytes(tmp_path: Path) -> None:
    needs_long_names(tmp_path)
    model = nn.MLP(2, [3, 1], seed=0)
    json_name, st_name = LONG_STEM + ".json", LONG_STEM + ".safetensors"
    assert (len(json_name.encode()), len(st_name.encode())) == (248, 255)
    model.save(tmp_path / json_name)
    save_safetensors(model, tmp_path / st_name)
    fresh = nn.MLP(2, [3, 1], seed=1)
    fresh.load(tmp_path / json_name)
    assert fresh.state_dict() == model.state_dict()
    fresh = nn.MLP(2, [3, 1], seed=1)
    load_safetensors(fresh, tmp_path / st_name)
    assert fresh.state_dict() == model.state_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([json_name, st_name])


def test_the_temporary_name_is_short_unique_and_removed_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    needs_long_names(tmp_path)
    model = nn.MLP(2, [3, 1], seed=0)
    target = tmp_path / (LONG_STEM + ".json")
    temporaries: list[Path] = []
    real_replace = os.replace

    def recording_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        temporaries.append(Path(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    model.save(target)
    model.save(target)
    assert len(set(temporaries)) == 2  # a fresh name each time
    for tmp in temporaries:  # beside the target, hidden, and short whatever the target's length
        assert tmp.parent == tmp_path and tmp.name.startswith(".") and tmp.name.endswith(".tmp")
        assert len(tmp.name.encode()) <= 64

    def full_disk(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    before = target.read_bytes()
    with pytest.raises(OSError, match="No space left"):
        nn.MLP(2, [3, 1], seed=5).save(target)  # another model: other bytes
    with pytest.raises(OSError, match="No space left"):
        save_safetensors(model, tmp_path / (LONG_STEM + ".safetensors"))
    assert [p.name for p in tmp_path.iterdir()] == [target.name] and target.read_bytes() == before


def test_the_command_line_saves_to_a_long_name_and_refuses_a_too_long_one_before_training(
    tmp_path: Path,
) -> None:
    needs_long_names(tmp_path)
    result = cli(*SMALL, "--quiet", "--no-graph", "--out-dir", "out", "--model-file", LONG_STEM + ".json",
                 cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    nn.MLP(2, [3, 1]).load(tmp_path / "out" / (LONG_STEM + ".json"))
    too_long = "模" * 90 + ".json"  # 275 bytes
    result = cli(*SMALL, "--quiet", "--no-graph", "--out-dir", "out2", "--model-file", too_long, cwd=tmp_path)
    assert result.returncode == 2
    assert "--model-file: the name" in result.stderr and "275 bytes" in result.stderr
    assert "points," not in result.stdout  # refused before training


# ---- 9. safetensors files that are not files, nested too deeply, or huge -------------------------


def blob(header: object, data: bytes = b"", header_text: bytes | None = None) -> bytes:
    text = json.dumps(header).encode() if header_text is None else header_text
    return struct.pack("<Q", len(text)) + text + data


def test_a_header_nested_100000_deep_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    path = tmp_path / "deep.safetensors"
    path.write_bytes(blob(None, header_text=deep))
    with pytest.raises(ValueError, match=r"read_safetensors: '.*deep\.safetensors' is not a readable "
                                         r"safetensors file: the header is nested too deeply"):  # fmt: skip
        read_safetensors(path)
    with pytest.raises(ValueError, match="the header is nested too deeply"):
        parse_safetensors(blob(None, header_text=b'{"a": ' + deep + b"}"))


READ_IN_A_CHILD = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a runaway read fails, not the machine
    from autograd_tiny.io.safetensors_file import read_safetensors
    try:
        read_safetensors(sys.argv[1])
    except ValueError as e:
        print(f"ValueError: {e}")
""")


def read_in_a_child(path: str | Path) -> str:
    """What read_safetensors(path) raised, run in its own process so a hang or a runaway read cannot stay."""
    pytest.importorskip("resource")
    result = subprocess.run([sys.executable, "-c", READ_IN_A_CHILD, str(path)], capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    return result.stdout + result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.safetensors")
    said = read_in_a_child(tmp_path / "pipe.safetensors")
    assert "ValueError: read_safetensors: " in said and "pipe.safetensors' is not a regular file" in said


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_an_endless_device_is_refused_without_reading_it() -> None:
    said = read_in_a_child("/dev/zero")
    assert "ValueError: read_safetensors: '/dev/zero' is not a regular file" in said


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs sparse files and RLIMIT_AS")
def test_a_huge_file_is_judged_by_its_header_and_size_without_being_read(tmp_path: Path) -> None:
    """Sparse files of 100 GB: reading one whole would exhaust memory; the header says what to read."""
    one = {"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}
    claims = {"w": {"dtype": "F64", "shape": [10**15], "data_offsets": [0, 8 * 10**15]}}
    fills = {"w": {"dtype": "F64", "shape": [10**11 // 8], "data_offsets": [0, 10**11]}}
    cases = {  # name: (the file's first bytes, its size, what the ValueError says)
        "extra.safetensors": (blob(one), 10**11, r"take 8 bytes of data, the file holds \d+ \(extra bytes"),
        "long_header.safetensors": (struct.pack("<Q", 200_000_000), 10**11,
                                    "the header length 200000000 is larger than the limit of 100000000"),
        "claims.safetensors": (blob(claims), 10**11, r"take 8000000000000000 bytes of data, the file holds"),
        "fills.safetensors": (blob(fills), len(blob(fills)) + 10**11,
                              "the tensors take 100000000000 bytes of data, more than this process can hold"),
    }  # fmt: skip
    for name, (start, size, _) in cases.items():
        with open(tmp_path / name, "wb") as f:
            f.write(start)
            f.truncate(size)
    for name, (_, _, message) in cases.items():
        said = read_in_a_child(tmp_path / name)
        assert f"ValueError: read_safetensors: '{tmp_path / name}' is not a readable safetensors file" in said
        assert re.search(message, said), said
    good = blob(one, struct.pack("<d", 0.5))
    assert read_safetensors_of(good, tmp_path) == {"w": Tensor("F64", (1,), [0.5])}


def read_safetensors_of(content: bytes, tmp_path: Path) -> dict[str, Tensor]:
    (tmp_path / "plain.safetensors").write_bytes(content)
    return read_safetensors(tmp_path / "plain.safetensors")


def test_a_bad_file_leaves_the_model_as_it_was(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    (tmp_path / "deep.safetensors").write_bytes(blob(None, header_text=b"[" * 100_000 + b"]" * 100_000))
    with pytest.raises(ValueError, match="nested too deeply"):
        load_safetensors(model, tmp_path / "deep.safetensors")
    assert model.state_dict() == before


# ---- 10. fit and accuracy on NumPy arrays ---------------------------------------------------------


@pytest.mark.parametrize("compile", [False, "replay"])
def test_fit_on_numpy_arrays_gives_the_numbers_of_fit_on_lists_to_the_bit(compile: str | bool) -> None:
    np = pytest.importorskip("numpy")
    X, y = make_moons(40, noise=0.1, seed=3)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.25, seed=3)
    histories, states = [], []
    for as_given in (lambda v: v, np.array):
        model = nn.MLP(2, [6, 1], seed=3)
        histories.append(fit(model, as_given(X_train), as_given(y_train), SGD(model.parameters(), lr=0.3),
                             epochs=4, batch_size=8, l2=1e-4, seed=3, X_test=as_given(X_test),
                             y_test=as_given(y_test), verbose=False, compile=compile))  # fmt: skip
        states.append(model.state_dict())
    assert histories[0] == histories[1] and states[0] == states[1]
    model = nn.MLP(2, [6, 1], seed=3)
    assert accuracy(model, np.array(X), np.array(y)) == accuracy(model, X, y)
    assert predict(model, np.array(X)) == predict(model, X)


def test_float32_arrays_and_int_labels_of_any_width_train_as_their_values_do() -> None:
    np = pytest.importorskip("numpy")
    X, y = make_spirals(30, 3, seed=0)
    a, b = nn.MLP(2, [5, 3], seed=0), nn.MLP(2, [5, 3], seed=0)
    fit(a, np.array(X, dtype=np.float32), np.array(y, dtype=np.uint8), Adam(a.parameters(), lr=0.05),
        loss="cross_entropy", epochs=3, verbose=False)  # fmt: skip
    fit(b, [[float(np.float32(v)) for v in row] for row in X], y, Adam(b.parameters(), lr=0.05),
        loss="cross_entropy", epochs=3, verbose=False)  # fmt: skip
    assert a.state_dict() == b.state_dict()
    rows = [np.array(row) for row in X]  # a list of 1-D arrays: rows too
    assert accuracy(a, rows, list(np.array(y)), "cross_entropy") == accuracy(b, X, y, "cross_entropy")


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        (lambda np: np.zeros((4, 2, 1)), lambda np: np.zeros(4, int), ValueError,
         r"fit: X must hold one row of numbers per point \(2-D array\), got a 3-D ndarray of shape \(4, 2,"),
        (lambda np: np.zeros(4), lambda np: np.zeros(4, int), ValueError, "fit: X must hold one row"),
        (lambda np: np.zeros((4, 2)), lambda np: np.zeros((4, 1), int), ValueError,
         r"fit: y must hold one label per point \(1-D array\), got a 2-D ndarray of shape \(4, 1\)"),
        (lambda np: np.zeros((4, 2)), lambda np: np.zeros(4), TypeError,
         "fit: every label must be an int, got float: 0.0"),
        (lambda np: np.zeros((0, 2)), lambda np: np.zeros(0, int), ValueError, "fit: no data"),
        (lambda np: np.zeros((3, 2)), lambda np: np.zeros(4, int), ValueError,
         "fit: X has 3 points but y has 4 labels"),
        (lambda np: {(0.0, 0.0)}, lambda np: [0], TypeError, "fit: X must be a sequence of rows, got set"),
        (lambda np: "ab", lambda np: [0, 1], TypeError, "fit: X must be a sequence of rows, got str"),
        (lambda np: [[0.0, "1"]], lambda np: [0], TypeError,
         r"fit: X\[0\]\[1\] must be a real number, got str"),
        (lambda np: [np.zeros((2, 2))], lambda np: [0], ValueError, r"fit: X\[0\] must be a row of numbers"),
        (lambda np: np.zeros((2, 2)), lambda np: iter([0, 1]), TypeError,
         "fit: y must be a sequence of labels, got list_iterator"),
    ],
)  # fmt: skip
def test_arrays_of_the_wrong_shape_or_kind_are_refused_naming_what_was_given(
    X: Callable[[Any], Any], y: Callable[[Any], Any], error: type[Exception], message: str
) -> None:
    np = pytest.importorskip("numpy")
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=message) as caught:
        fit(model, X(np), y(np), SGD(model.parameters(), lr=0.1), epochs=1, verbose=False)
    assert "truth value" not in str(caught.value)
    assert model.state_dict() == before
    with pytest.raises(error, match=message.replace("fit:", "accuracy:")):
        accuracy(model, X(np), y(np))


# ---- 11. sizes whose graph cannot fit -------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--hidden", "99999999999999999999"], "--hidden 99999999999999999999"),
        (["--n", "100000000000"], "--n 100000000000"),
        (["--hidden", "100000", "--n", "100000"], "--hidden 100000"),
        (["--dataset", "spirals", "--classes", "10000000000", "--n", "10000000000"], "--classes 10000000000"),
        (["--epochs", "99999999999999999999"], "--epochs 99999999999999999999: the history of the run"),
    ],
)
def test_sizes_whose_graph_cannot_fit_are_refused_at_once_with_status_2(tmp_path: Path, args: list[str],
                                                                       named: str) -> None:  # fmt: skip
    quick = ["--epochs", "1", "--quiet", "--no-graph", "--out-dir", "out"]
    result = cli(*quick, *args, cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert named in result.stderr and "half of this machine's memory" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_the_help_states_the_size_limit(tmp_path: Path) -> None:
    result = cli("--help", cwd=tmp_path, timeout=60)
    assert result.returncode == 0
    assert "152 bytes a node" in " ".join(result.stdout.split())
    assert "half of this machine's memory" in " ".join(result.stdout.split())


# ---- 17. options that accept nonsense or blame another option -----------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hidden", ","], "argument --hidden: an empty layer size in ','"),
        (["--hidden", "16,,16"], "argument --hidden: an empty layer size in '16,,16'"),
        (["--hidden", "16,"], "argument --hidden: an empty layer size in '16,'"),
        (["--hidden", ""], "argument --hidden: an empty layer size in ''"),
        (["--noise", "1e308"], "--noise 1e+308"),
        (["--momentum", "1"], "argument --momentum: must be a number from 0 up to (not including) 1, got '1"),
        (["--momentum", "1e10"], "argument --momentum: must be a number from 0 up to (not including) 1"),
        (["--optimizer", "adam", "--momentum", "0.9"], "--momentum 0.9 applies to --optimizer sgd"),
        (["--dataset", "moons", "--classes", "5"], "--classes 5 applies to --dataset spirals"),
        (["--dataset", "digits", "--n", "50"], "--n 50 does not apply to --dataset digits"),
        (["--dataset", "digits", "--noise", "0.5"], "--noise 0.5 does not apply to --dataset digits"),
    ],
)  # fmt: skip
def test_nonsense_options_are_refused_naming_the_option(tmp_path: Path, args: list[str], message: str
                                                        ) -> None:  # fmt: skip
    quick = ["--epochs", "3", "--hidden", "3", "--quiet", "--no-graph", "--out-dir", "out"]
    result = cli(*quick, *args, cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "points," not in result.stdout  # training never started
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("args", "blamed"),
    [
        (["--noise", "1e200"], "Try a smaller --noise (it was 1e+200"),
        (["--l2", "1e308"], "Try a smaller --l2 (it was 1e+308"),
    ],
)
def test_training_that_diverges_blames_the_option_that_made_it(tmp_path: Path, args: list[str],
                                                               blamed: str) -> None:  # fmt: skip
    quick = ["--dataset", "moons", "--n", "20", "--hidden", "4", "--epochs", "20", "--quiet", "--no-graph"]
    result = cli(*quick, "--out-dir", "out", *args, cwd=tmp_path)
    assert result.returncode == 1
    assert "error: training diverged" in result.stderr and blamed in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_noise_that_overflows_a_point_is_a_value_error_naming_noise() -> None:
    for make in (make_moons, make_xor):
        with pytest.raises(ValueError, match=rf"{make.__name__}: noise 1e\+308 puts a point at inf"):
            make(100, noise=1e308, seed=0)
