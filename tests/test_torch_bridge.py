"""The bridge to PyTorch: `to_torch` / `from_torch` and safetensors files PyTorch and NumPy read.

Outputs and gradients are compared in float64; the files are read back with the `safetensors`
package, and files it wrote are read with ours.
"""

from __future__ import annotations

import json
import math
import random
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autograd_tiny import Value, nn
from autograd_tiny.io.safetensors_file import Tensor, read_safetensors, write_safetensors
from autograd_tiny.io.torch_bridge import load_safetensors, save_safetensors, sequential_keys

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")

ARCHITECTURES = [
    {"nin": 3, "nouts": [5, 4, 2], "activation": "relu", "output_activation": "linear"},
    {"nin": 2, "nouts": [6, 1], "activation": "tanh", "output_activation": "sigmoid"},
    {"nin": 4, "nouts": [3, 3, 3], "activation": "sigmoid", "output_activation": "tanh"},
    {"nin": 2, "nouts": [4, 2], "activation": "linear", "output_activation": "relu"},
    {"nin": 5, "nouts": [1], "activation": "relu", "output_activation": "linear"},
]


def make_model(architecture: dict[str, Any], seed: int = 7) -> nn.MLP:
    model = nn.MLP(**architecture, seed=seed)
    rng = random.Random(seed)
    for p in model.parameters():  # non-zero biases too, so a swapped weight and bias would show
        p.data = rng.uniform(-1.0, 1.0)
    return model


def as_list(out: Value | list[Value]) -> list[Value]:
    return out if isinstance(out, list) else [out]


@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=lambda a: f"{a['activation']}-{a['nouts']}")
def test_to_torch_gives_the_same_outputs_and_gradients_in_float64(architecture: dict[str, Any]) -> None:
    model = make_model(architecture)
    seq = model.to_torch()
    rng = random.Random(1)
    for _ in range(5):
        x = [rng.uniform(-2.0, 2.0) for _ in range(architecture["nin"])]
        cotangent = [rng.uniform(-1.0, 1.0) for _ in range(architecture["nouts"][-1])]
        model.zero_grad()
        seq.zero_grad()
        inputs = [Value(v) for v in x]
        outs = as_list(model(inputs))
        sum(c * o for c, o in zip(cotangent, outs)).backward()
        tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        t_out = seq(tx)
        (t_out * torch.tensor(cotangent, dtype=torch.float64)).sum().backward()
        assert [o.data for o in outs] == pytest.approx(t_out.tolist(), rel=1e-12, abs=1e-14)
        assert [v.grad for v in inputs] == pytest.approx(tx.grad.tolist(), rel=1e-12, abs=1e-14)
        for key, layer in zip(sequential_keys(model), model.layers):
            linear = seq[int(key)]
            assert [[w.grad for w in n.w] for n in layer.neurons] == [
                pytest.approx(row, rel=1e-12, abs=1e-14) for row in linear.weight.grad.tolist()
            ]
            assert [n.b.grad for n in layer.neurons] == pytest.approx(
                linear.bias.grad.tolist(), rel=1e-12, abs=1e-14
            )


def test_to_torch_builds_linear_and_activation_modules_with_identical_weights() -> None:
    model = make_model(ARCHITECTURES[1])
    seq = model.to_torch()
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    assert seq[0].weight.tolist() == [[w.data for w in n.w] for n in model.layers[0].neurons]
    assert seq[2].bias.tolist() == [n.b.data for n in model.layers[1].neurons]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_to_torch_leaves_torch_random_state_alone() -> None:
    torch.manual_seed(3)
    expected = torch.rand(1)
    torch.manual_seed(3)
    make_model(ARCHITECTURES[0]).to_torch()
    assert torch.equal(torch.rand(1), expected)


@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=lambda a: f"{a['activation']}-{a['nouts']}")
def test_from_torch_inverts_to_torch_exactly(architecture: dict[str, Any]) -> None:
    model = make_model(architecture)
    back = nn.MLP.from_torch(model.to_torch())
    assert back.architecture() == model.architecture()
    assert back.state_dict() == model.state_dict()


def test_from_torch_reads_a_float32_model_built_in_pytorch() -> None:
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    model = nn.MLP.from_torch(seq)
    assert model.architecture() == nn.MLP(2, [8, 3], seed=0).architecture()
    x = [0.25, -1.5]
    expected = seq.double()(torch.tensor(x, dtype=torch.float64)).tolist()
    assert [o.data for o in as_list(model(x))] == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_from_torch_does_not_touch_the_global_random_state() -> None:
    seq = make_model(ARCHITECTURES[0]).to_torch()
    random.seed(5)
    expected = random.random()
    random.seed(5)
    nn.MLP.from_torch(seq)
    assert random.random() == expected


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        (lambda: [], "holds no Linear layer"),
        (lambda: [torch.nn.ReLU(), torch.nn.Linear(2, 2)], r"module 0 \(ReLU\) must follow a Linear layer"),
        (
            lambda: [torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Tanh()],
            r"module 2 \(Tanh\) must follow a Linear",
        ),
        (
            lambda: [torch.nn.Linear(2, 2), torch.nn.Dropout(0.5)],
            "module 1 is a Dropout; an MLP is made of Linear, ReLU",
        ),
        (lambda: [torch.nn.Linear(2, 2, bias=False)], "module 0 is a Linear without bias"),
        (
            lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)],
            "a Linear with 4 inputs follows one with 3 outputs",
        ),
        (
            lambda: [
                torch.nn.Linear(2, 3),
                torch.nn.ReLU(),
                torch.nn.Linear(3, 3),
                torch.nn.Tanh(),
                torch.nn.Linear(3, 1),
            ],
            r"hidden layers use different activations \['relu', 'tanh'\]",
        ),
        (lambda: [torch.nn.Linear(2, 2), torch.nn.LeakyReLU()], "module 1 is a LeakyReLU"),
    ],
)
def test_from_torch_refuses_what_an_mlp_cannot_hold(modules: Callable[[], list[Any]], message: str) -> None:
    with pytest.raises(ValueError, match=f"from_torch: .*{message}"):
        nn.MLP.from_torch(torch.nn.Sequential(*modules()))


def test_from_torch_refuses_non_finite_weights_and_other_objects() -> None:
    seq = torch.nn.Sequential(torch.nn.Linear(2, 1))
    with torch.no_grad():
        seq[0].weight[0, 1] = math.nan
    with pytest.raises(ValueError, match=r"from_torch: .*'layers.0.neurons.0.w.1' must be a finite number"):
        nn.MLP.from_torch(seq)
    with pytest.raises(TypeError, match=r"from_torch: expected a torch\.nn\.Sequential, got Linear"):
        nn.MLP.from_torch(torch.nn.Linear(2, 1))


def test_without_torch_the_bridge_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails as if it were missing
    with pytest.raises(
        ImportError, match="to_torch needs PyTorch, which is not installed: pip install torch"
    ):
        nn.MLP(2, [1], seed=0).to_torch()
    with pytest.raises(ImportError, match="from_torch needs PyTorch"):
        nn.MLP.from_torch(object())


# ---- safetensors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ARCHITECTURES[:2], ids=["relu", "tanh"])
def test_our_f64_file_loads_in_pytorch_into_the_sequential(
    architecture: dict[str, Any], tmp_path: Path
) -> None:
    model = make_model(architecture)
    save_safetensors(model, tmp_path / "model.safetensors")
    state = safetensors_torch.load_file(tmp_path / "model.safetensors")
    seq = model.to_torch()
    assert list(state) == list(seq.state_dict())
    for name, tensor in seq.state_dict().items():
        assert state[name].dtype == torch.float64 and torch.equal(state[name], tensor)
    fresh = make_model(architecture, seed=123).to_torch()
    fresh.load_state_dict(state)  # strict: every key and shape must fit
    x = torch.linspace(-1.0, 1.0, architecture["nin"], dtype=torch.float64)
    assert torch.equal(fresh(x), seq(x))


def test_our_f32_file_holds_the_weights_rounded_to_float32(tmp_path: Path) -> None:
    model = make_model(ARCHITECTURES[0])
    save_safetensors(model, tmp_path / "model.safetensors", dtype="F32")
    state = safetensors_torch.load_file(tmp_path / "model.safetensors")
    for name, tensor in model.to_torch().state_dict().items():
        assert state[name].dtype == torch.float32 and torch.equal(state[name], tensor.float())


def test_our_file_loads_with_numpy_as_jax_and_flax_read_it(tmp_path: Path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = make_model(ARCHITECTURES[0])
    save_safetensors(model, tmp_path / "model.safetensors")
    arrays = safetensors_numpy.load_file(tmp_path / "model.safetensors")
    assert arrays["0.weight"].shape == (5, 3) and arrays["4.bias"].shape == (2,)
    assert arrays["2.weight"].tolist() == [[w.data for w in n.w] for n in model.layers[1].neurons]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_a_file_pytorch_wrote_loads_into_our_model(dtype: Any, tmp_path: Path) -> None:
    torch.manual_seed(1)
    seq = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 2)).to(dtype)
    safetensors_torch.save_file(seq.state_dict(), tmp_path / "torch.safetensors")
    model = nn.MLP(3, [4, 2], activation="sigmoid", seed=0)
    load_safetensors(model, tmp_path / "torch.safetensors")
    assert model.state_dict() == nn.MLP.from_torch(seq).state_dict()


def test_save_then_load_round_trips_exactly(tmp_path: Path) -> None:
    model = make_model(ARCHITECTURES[2])
    save_safetensors(model, tmp_path / "m.safetensors")
    other = make_model(ARCHITECTURES[2], seed=99)
    load_safetensors(other, tmp_path / "m.safetensors")
    assert other.state_dict() == model.state_dict()


def test_the_file_layout_is_the_documented_one(tmp_path: Path) -> None:
    model = make_model(ARCHITECTURES[4])  # Linear(5, 1): 5 weights and 1 bias
    save_safetensors(model, tmp_path / "m.safetensors")
    blob = (tmp_path / "m.safetensors").read_bytes()
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + size])
    assert size % 8 == 0  # padded with spaces so the data starts aligned
    assert header == {
        "__metadata__": {"format": "pt"},
        "0.weight": {"dtype": "F64", "shape": [1, 5], "data_offsets": [0, 40]},
        "0.bias": {"dtype": "F64", "shape": [1], "data_offsets": [40, 48]},
    }
    weights = struct.unpack("<6d", blob[8 + size :])
    assert list(weights) == [w.data for w in model.layers[0].neurons[0].w] + [
        model.layers[0].neurons[0].b.data
    ]


def test_general_tensors_round_trip_through_the_safetensors_package(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    ours = {
        "scalar": Tensor("F64", (), [2.5]),
        "empty": Tensor("F32", (0, 3), []),
        "matrix": Tensor("F32", (2, 3), [1.0, -2.0, 0.5, math.inf, -0.0, 3.25]),
    }
    write_safetensors(tmp_path / "ours.safetensors", ours, {"note": "hello"})
    arrays = safetensors_numpy.load_file(tmp_path / "ours.safetensors")
    assert arrays["scalar"].shape == () and float(arrays["scalar"]) == 2.5
    assert arrays["empty"].shape == (0, 3)
    assert arrays["matrix"].dtype == np.float32 and arrays["matrix"].tolist() == [
        [1.0, -2.0, 0.5],
        [math.inf, -0.0, 3.25],
    ]
    safetensors_numpy.save_file(arrays, tmp_path / "theirs.safetensors")
    assert read_safetensors(tmp_path / "theirs.safetensors") == ours


# ---- bad files: a ValueError saying what is wrong, and the model left as it was -----------------


def good_file(tmp_path: Path) -> tuple[nn.MLP, Path]:
    model = make_model(ARCHITECTURES[4])
    path = tmp_path / "m.safetensors"
    save_safetensors(model, path)
    return model, path


def rewrite(path: Path, header: dict[str, Any], data: bytes) -> None:
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def parts(path: Path) -> tuple[dict[str, Any], bytes]:
    blob = path.read_bytes()
    (size,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8 : 8 + size]), blob[8 + size :]


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-5])


def short(path: Path) -> None:
    path.write_bytes(b"\x10\x00")


def huge_header_length(path: Path) -> None:
    path.write_bytes(struct.pack("<Q", 10**6) + path.read_bytes()[8:])


def not_json(path: Path) -> None:
    path.write_bytes(struct.pack("<Q", 6) + b"{nope}" + b"\x00" * 48)


def duplicated_name(path: Path) -> None:
    header, data = parts(path)
    text = json.dumps(header).replace('"0.weight"', '"0.bias"', 1).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def edit(change: Callable[[dict[str, Any], bytes], tuple[dict[str, Any], bytes]]) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        rewrite(path, *change(*parts(path)))

    return apply


def with_entry(name: str, **fields: Any) -> Callable[[dict[str, Any], bytes], tuple[dict[str, Any], bytes]]:
    return lambda header, data: ({**header, name: {**header[name], **fields}}, data)


BAD_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (truncate, r"the tensors take 48 bytes of data, the file holds 43 \(truncated\?\)"),
    "too short": (short, "2 bytes is too short for a safetensors file"),
    "header length past the end": (huge_header_length, "the header length 1000000 is larger than the"),
    "header not JSON": (not_json, "the header is not JSON text"),
    "bf16": (
        edit(with_entry("0.bias", dtype="BF16", data_offsets=[40, 42])),
        "'0.bias' has dtype 'BF16'; this reader handles F64 and F32",
    ),
    "wrong byte count": (
        edit(with_entry("0.bias", shape=[2])),
        r"'0.bias': data_offsets \[40, 48\] span 8 bytes, but F64 of shape \[2\] takes 16",
    ),
    "a gap": (
        edit(lambda h, d: (with_entry("0.bias", data_offsets=[48, 56])(h, d)[0], d + b"\x00" * 8)),
        "'0.bias' starts at byte 48 and leaves a gap at byte 40",
    ),
    "overlap": (
        edit(with_entry("0.bias", data_offsets=[32, 40])),
        "'0.bias' starts at byte 32 and overlaps the one before",
    ),
    "negative shape": (
        edit(with_entry("0.bias", shape=[-1])),
        r"'0.bias': shape must be a list of sizes >= 0, got \[-1\]",
    ),
    "missing field": (
        edit(lambda h, d: ({**h, "0.bias": {"dtype": "F64", "shape": [1]}}, d)),
        "'0.bias': expected dtype, shape and data_offsets",
    ),
    "bad metadata": (
        edit(lambda h, d: ({**h, "__metadata__": {"n": 1}}, d)),
        "__metadata__ must map strings to strings",
    ),
    "a duplicated name": (duplicated_name, r"the header names \['0.bias'\] more than once"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_malformed_file_is_a_value_error_naming_the_problem(case: str, tmp_path: Path) -> None:
    model, path = good_file(tmp_path)
    spoil, message = BAD_FILES[case]
    spoil(path)
    before = model.state_dict()
    with pytest.raises(
        ValueError,
        match=rf"read_safetensors: '.*m.safetensors' is not a readable safetensors file: .*({message})",
    ):
        load_safetensors(model, path)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda h, d: ({k: v for k, v in h.items() if k != "0.bias"}, d[:40]),
            r"missing \['0.bias'\], unexpected none",
        ),
        (
            lambda h, d: (
                {**h, "1.weight": {"dtype": "F64", "shape": [], "data_offsets": [48, 56]}},
                d + bytes(8),
            ),
            r"unexpected \['1.weight'\]",
        ),
        (
            lambda h, d: ({**h, "0.weight": {**h["0.weight"], "shape": [5, 1]}}, d),
            r"0.weight has shape \[5, 1\], this model needs \[1, 5\]",
        ),
        (
            lambda h, d: (h, struct.pack("<d", math.nan) + d[8:]),
            r"'layers.0.neurons.0.w.0' must be a finite number, got nan",
        ),
    ],
)
def test_a_file_that_does_not_fit_the_model_is_refused_and_changes_nothing(
    change: Callable[[dict[str, Any], bytes], tuple[dict[str, Any], bytes]], message: str, tmp_path: Path
) -> None:
    model, path = good_file(tmp_path)
    edit(change)(path)
    before = model.state_dict()
    with pytest.raises(ValueError, match=rf"load_safetensors: .*{message}"):
        load_safetensors(model, path)
    assert model.state_dict() == before


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_safetensors(nn.MLP(2, [1], seed=0), tmp_path / "nowhere.safetensors")


def test_saving_refuses_what_the_format_cannot_hold_and_writes_nothing(tmp_path: Path) -> None:
    model = nn.MLP(2, [1], seed=0)
    model.layers[0].neurons[0].w[1].data = 1e300
    with pytest.raises(ValueError, match=r"save_safetensors: tensor '0.weight': a value does not fit F32"):
        save_safetensors(model, tmp_path / "m.safetensors", dtype="F32")
    model.layers[0].neurons[0].w[1].data = math.inf
    with pytest.raises(ValueError, match=r"save_safetensors: 0.weight holds inf; only finite numbers"):
        save_safetensors(model, tmp_path / "m.safetensors")
    model.layers[0].neurons[0].w[1].data = 0.5
    with pytest.raises(
        ValueError, match=r"save_safetensors: tensor '0.weight': dtype must be one of F64, F32, got 'F16'"
    ):
        save_safetensors(model, tmp_path / "m.safetensors", dtype="F16")
    assert list(tmp_path.iterdir()) == []


def test_the_old_path_offers_every_function_and_the_bridge_speaks_plain_data() -> None:
    from autograd_tiny import torch_bridge
    from autograd_tiny.io.torch_bridge import layer_weights, read_sequential

    model = make_model(ARCHITECTURES[1])
    seq = torch_bridge.to_torch(model)
    assert torch_bridge.from_torch(seq).state_dict() == model.state_dict()
    assert torch_bridge.sequential_keys(model) == ["0", "2"]
    assert read_sequential(seq) == layer_weights(model)  # weights, biases and activations, as lists
    assert [layer.activation for layer in layer_weights(model)] == ["tanh", "sigmoid"]
