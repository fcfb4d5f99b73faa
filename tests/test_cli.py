"""The command line: `python -m autograd_tiny train` writes its files and rejects bad arguments cleanly."""

import importlib.util
import json
import shutil
import subprocess
import sys

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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--hidden", "16,x"], "argument --hidden: expected sizes like 16,16, got '16,x'"),
        (["train", "--lr", "-1"], "argument --lr: must be >= 0"),
        (["train", "--dataset", "blobs"], "argument --dataset: invalid choice: 'blobs'"),
        (["train", "--dataset", "spirals", "--loss", "hinge"], "--loss hinge handles two classes"),
        (["train", "--n", "1"], "make_moons: n must be an int >= 2"),
        ([], "the following arguments are required: command"),
    ],
)
def test_bad_arguments_get_argparse_messages_not_tracebacks(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_module_entry_point_prints_help():
    result = subprocess.run([sys.executable, "-m", "autograd_tiny", "train", "--help"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0
    assert "--out-dir" in result.stdout and "--steps" in result.stdout
