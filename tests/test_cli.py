"""The command line: `python -m autograd_tiny train` writes its files and rejects bad arguments cleanly."""

import errno
import importlib.util
import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

from autograd_tiny.__main__ import main
from autograd_tiny.nn import MLP


def test_train_writes_model_boundary_and_graph_and_says_where(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "out"
    status = main(["train", "--dataset", "xor", "--n", "8", "--hidden", "4", "--activation", "tanh",
                   "--loss", "mse", "--epochs", "30", "--optimizer", "adam", "--lr", "0.1", "--seed", "0",
                   "--quiet", "--out-dir", str(out_dir)])  # fmt: skip
    printed = capsys.readouterr().out
    assert status == 0
    assert "final training accuracy 100.0%" in printed
    assert f"model:             {out_dir / 'model.json'}" in printed
    assert f"decision boundary: {out_dir / 'decision_boundary.png'}" in printed
    model = MLP(2, [4, 1], activation="tanh")
    model.load(out_dir / "model.json")
    assert json.loads((out_dir / "model.json").read_text())["architecture"]["nouts"] == [4, 1]
    assert (out_dir / "decision_boundary.png").read_bytes()[:4] == b"\x89PNG"
    if shutil.which("dot") and importlib.util.find_spec("graphviz"):
        assert f"computation graph: {out_dir / 'graph.svg'}" in printed
        svg = (out_dir / "graph.svg").read_text()
        assert "<svg" in svg and "layers.0.neurons.3" in svg  # grouped by module scope
        assert not (out_dir / "graph").exists()  # no DOT source left beside the picture
    else:
        assert "graph picture skipped" in printed


def test_spirals_default_to_cross_entropy_with_one_output_per_class(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    main(["train", "--dataset", "spirals", "--n", "12", "--classes", "4", "--hidden", "3", "--epochs", "2",
          "--optimizer", "adam", "--quiet", "--no-graph", "--out-dir", str(tmp_path)])  # fmt: skip
    assert "cross_entropy loss, Adam lr=0.05" in capsys.readouterr().out
    assert json.loads((tmp_path / "model.json").read_text())["architecture"]["nouts"] == [3, 4]
    assert not (tmp_path / "graph.svg").exists()


def run_cli(*args, cwd, timeout=300):
    """python -m autograd_tiny train ARGS in a fresh process: a small, quick problem unless ARGS say so."""
    quick = ["--dataset", "xor", "--n", "8", "--hidden", "3", "--epochs", "3", "--quiet"]
    return subprocess.run([sys.executable, "-m", "autograd_tiny", "train", *quick, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hidden", "16,x"], "argument --hidden: expected sizes like 16,16, got '16,x'"),
        (["--lr", "-1"], "argument --lr: must be a finite number >= 0, got '-1'"),
        (["--lr", "nan"], "argument --lr: must be a finite number >= 0, got 'nan'"),
        (["--lr", "inf"], "argument --lr: must be a finite number >= 0, got 'inf'"),
        (["--noise", "1e999"], "argument --noise: must be a finite number >= 0"),
        (["--batch-size", "0"], "argument --batch-size: must be >= 1, got '0'"),
        (["--epochs", "-1"], "argument --epochs/--steps: must be >= 0, got '-1'"),
        (["--epochs", "2.5"], "argument --epochs/--steps: expected an int, got '2.5'"),
        (["--classes", "1"], "argument --classes: must be >= 2"),
        (["--dataset", "blobs"], "argument --dataset: invalid choice: 'blobs'"),
        (["--dataset", "spirals", "--loss", "hinge"], "--loss hinge handles two classes"),
        (["--dataset", "moons", "--n", "1"], "make_moons: n must be an int >= 2"),
        (["--boundary-file", "b.txt"], "--boundary-file: cannot tell the picture format from 'out/b.txt'"),
        (["--boundary-file", "boundary"], "(no suffix); use one of .avif, .eps"),
        (["--graph-file", "graph"], "--graph-file: cannot tell the format from 'out/graph' (no suffix)"),
        (["--model-file", "same.png", "--boundary-file", "same.png"],
         "--model-file and --boundary-file name the same file"),
        (["--out-dir", "a_file"], "--model-file: 'a_file' is not a directory"),
        (["--out-dir", "a_file/sub"], "--model-file: cannot write into 'a_file/sub': Not a directory"),
        (["--model-file", "a_dir"], "--model-file: 'out/a_dir' is a directory"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_with_status_2_before_training_and_write_nothing(tmp_path, args, message):
    (tmp_path / "a_file").write_text("not a directory")
    (tmp_path / "out" / "a_dir").mkdir(parents=True)
    result = run_cli("--out-dir", "out", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "points," not in result.stdout  # training never started
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a_dir"]


def test_missing_directories_are_created_and_each_picture_takes_its_suffixes_format(tmp_path):
    result = run_cli("--out-dir", "out", "--model-file", "sub/dir/m.json", "--boundary-file", "b.svg",
                     "--graph-file", "pictures/g.png", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    MLP(2, [3, 1]).load(tmp_path / "out" / "sub" / "dir" / "m.json")
    assert "<svg" in (tmp_path / "out" / "b.svg").read_text()
    if shutil.which("dot") and importlib.util.find_spec("graphviz"):
        assert (tmp_path / "out" / "pictures" / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert "graph picture skipped" in result.stdout


def test_training_that_diverges_stops_with_status_1_and_saves_nothing(tmp_path):
    result = run_cli("--out-dir", "out", "--lr", "1e300", cwd=tmp_path)
    assert result.returncode == 1
    assert "error: training diverged: the loss of epoch 2 is inf; nothing saved" in result.stderr
    assert "Try a smaller --lr (it was 1e+300)" in result.stderr and "Traceback" not in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_an_output_failing_after_training_gives_status_1_and_the_rest_is_written(tmp_path, monkeypatch,
                                                                                 capsys):
    pytest.importorskip("matplotlib")

    def disk_full(self, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(MLP, "save", disk_full)
    status = main(["train", "--dataset", "xor", "--n", "8", "--hidden", "3", "--epochs", "2", "--quiet",
                   "--no-graph", "--out-dir", str(tmp_path)])  # fmt: skip
    captured = capsys.readouterr()
    assert status == 1
    assert f"error: --model-file '{tmp_path / 'model.json'}' could not be written: [Errno 28]" in captured.err
    assert (tmp_path / "decision_boundary.png").exists() and not (tmp_path / "model.json").exists()


def start_long_training(tmp_path):
    """A training run of 100,000 epochs in its own process, once it has printed that it starts."""
    args = [sys.executable, "-m", "autograd_tiny", "train", "--epochs", "100000", "--quiet", "--no-graph",
            "--out-dir", "out"]  # fmt: skip
    process = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "points," in process.stdout.readline()
    time.sleep(1.0)  # into fit(), whose steps take a good fraction of a second each
    return process


def test_first_ctrl_c_ends_training_after_the_step_and_saves_what_was_learnt(tmp_path):
    process = start_long_training(tmp_path)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "(interrupted: keeping what was trained so far)" in out
    MLP(2, [16, 16, 1]).load(tmp_path / "out" / "model.json")
    assert (tmp_path / "out" / "decision_boundary.png").exists()


def test_second_ctrl_c_stops_at_once_with_status_130_and_no_traceback(tmp_path):
    process = start_long_training(tmp_path)
    process.send_signal(signal.SIGINT)
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "interrupted: stopped at once" in err and "Traceback" not in err
    # The first Ctrl-C's save may have finished before the second arrived: a model file is then whole.
    model_file = tmp_path / "out" / "model.json"
    if model_file.exists():
        MLP(2, [16, 16, 1]).load(model_file)
    assert not list((tmp_path / "out").glob(".*.tmp"))  # never a half-written file left behind


def test_module_entry_point_prints_help():
    result = subprocess.run([sys.executable, "-m", "autograd_tiny", "train", "--help"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0
    assert "--out-dir" in result.stdout and "--steps" in result.stdout
    assert "130" in result.stdout  # the exit statuses are part of the help


def test_a_reader_that_leaves_early_loses_no_output_file(tmp_path):
    """`... | head -1`: once stdout's reader has gone, printing goes quiet; training still saves, status 0."""
    args = [sys.executable, "-m", "autograd_tiny", "train", "--dataset", "xor", "--n", "8", "--hidden", "3",
            "--epochs", "3", "--quiet", "--out-dir", "out"]  # fmt: skip
    process = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader leaves before the first line
    err = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0, err
    assert "Traceback" not in err
    MLP(2, [3, 1]).load(tmp_path / "out" / "model.json")
    assert (tmp_path / "out" / "decision_boundary.png").exists() and (tmp_path / "out" / "graph.svg").exists()
