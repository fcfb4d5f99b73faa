"""A bridge to PyTorch for models that outgrow the scalar engine.

`to_torch(model)` builds the equivalent ``torch.nn.Sequential`` (a ``Linear`` per layer, each
followed by its activation module unless linear; float64, the same weights) and `from_torch(seq)`
the reverse. `save_safetensors` / `load_safetensors` exchange the weights as a safetensors file
with that Sequential's key names (``0.weight`` of shape [nout, nin], ``0.bias``, ``2.weight``, ...),
so ``seq.load_state_dict(safetensors.torch.load_file(path))`` works; they need neither torch nor
the safetensors package. PyTorch is imported only when a function needs it.
"""

from __future__ import annotations

import importlib
import itertools
import math
import os
from typing import Any

from autograd_tiny.engine import Value
from autograd_tiny.io.safetensors_file import Tensor, read_safetensors, write_safetensors
from autograd_tiny.nn import MLP, Layer

# activation name -> torch.nn module class name; "linear" has no module
TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def to_torch(model: MLP) -> Any:
    """An equivalent ``torch.nn.Sequential`` in float64 holding copies of the model's weights."""
    torch = _import_torch("to_torch")
    modules = []
    for layer in _check_mlp(model, "to_torch").layers:
        weight, bias = _weight_and_bias(layer)
        linear = torch.nn.utils.skip_init(torch.nn.Linear, layer.nin, len(bias), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(bias, dtype=torch.float64))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[layer.activation])())
    return torch.nn.Sequential(*modules)


def from_torch(seq: Any) -> MLP:
    """An MLP equal to ``seq``: a ``torch.nn.Sequential`` of ``Linear`` layers (with bias), each
    optionally followed by ``ReLU``, ``Tanh`` or ``Sigmoid``, the same one after every hidden layer.

    Anything else is a ValueError naming the module and its position.
    """
    torch = _import_torch("from_torch")
    if not isinstance(seq, torch.nn.Sequential):
        raise TypeError(f"from_torch: expected a torch.nn.Sequential, got {type(seq).__name__}")
    activation_of = {cls: name for name, cls in TORCH_ACTIVATIONS.items()}
    linears: list[tuple[Any, str]] = []  # each Linear with the activation that follows it
    for position, module in enumerate(seq):
        kind = type(module).__name__
        if type(module) is torch.nn.Linear:
            if module.bias is None:
                raise ValueError(f"from_torch: module {position} is a Linear without bias; neurons have one")
            linears.append((module, "linear"))
        elif kind in activation_of and type(module) is getattr(torch.nn, kind):
            if not linears or linears[-1][1] != "linear":
                raise ValueError(f"from_torch: module {position} ({kind}) must follow a Linear layer")
            linears[-1] = (linears[-1][0], activation_of[kind])
        else:
            supported = ", ".join(["Linear", *TORCH_ACTIVATIONS.values()])
            raise ValueError(f"from_torch: module {position} is a {kind}; an MLP is made of {supported} only")
    if not linears:
        raise ValueError("from_torch: the Sequential holds no Linear layer")
    hidden = {activation for _, activation in linears[:-1]}
    if len(hidden) > 1:
        raise ValueError(
            f"from_torch: the hidden layers use different activations {sorted(hidden)}; "
            "an MLP has one activation for all of them"
        )
    for (before, _), (after, _) in itertools.pairwise(linears):
        if after.in_features != before.out_features:
            raise ValueError(
                f"from_torch: a Linear with {after.in_features} inputs follows one with "
                f"{before.out_features} outputs"
            )
    model = MLP(
        linears[0][0].in_features,
        [linear.out_features for linear, _ in linears],
        activation=hidden.pop() if hidden else "relu",
        output_activation=linears[-1][1],
        seed=0,  # the weights are overwritten below; a seed keeps the global random state untouched
    )
    state, names = {}, _parameter_names(model)
    for layer, (linear, _) in zip(model.layers, linears):
        weight = linear.weight.detach().to(torch.float64).cpu().tolist()
        bias = linear.bias.detach().to(torch.float64).cpu().tolist()
        state.update(_named_values(names, layer, weight, bias))
    try:
        model.load_state_dict(state)
    except ValueError as e:
        raise ValueError(f"from_torch: {e}") from None
    return model


def sequential_keys(model: MLP) -> list[str]:
    """The Sequential index of each layer's Linear in `to_torch`'s result, as key prefixes ('0', '2', ...)."""
    keys, position = [], 0
    for layer in model.layers:
        keys.append(str(position))
        position += 1 if layer.activation == "linear" else 2
    return keys


def save_safetensors(model: MLP, path: str | os.PathLike[str], dtype: str = "F64") -> None:
    """Write the model's weights to ``path`` as safetensors (``dtype`` "F64" or "F32") with the
    key names of `to_torch`'s Sequential; atomically, as `MLP.save`."""
    tensors = {}
    for key, layer in zip(sequential_keys(_check_mlp(model, "save_safetensors")), model.layers):
        weight, bias = _weight_and_bias(layer)
        for name, values in (("weight", weight), ("bias", [bias])):
            flat = [x for row in values for x in row]
            bad = [x for x in flat if not math.isfinite(x)]
            if bad:
                raise ValueError(f"save_safetensors: {key}.{name} holds {bad[0]!r}; only finite numbers")
        tensors[f"{key}.weight"] = Tensor(dtype, (len(bias), layer.nin), [x for row in weight for x in row])
        tensors[f"{key}.bias"] = Tensor(dtype, (len(bias),), bias)
    try:
        write_safetensors(path, tensors, {"format": "pt"})
    except ValueError as e:
        raise ValueError(f"save_safetensors: {e}") from None


def load_safetensors(model: MLP, path: str | os.PathLike[str]) -> None:
    """Set the model's weights from a safetensors file with `to_torch`'s key names (F64 or F32).

    A file that is not safetensors, or whose names or shapes do not fit the model, is a
    ValueError saying what is wrong; the model is then left as it was.
    """
    tensors = read_safetensors(path)
    keys = sequential_keys(_check_mlp(model, "load_safetensors"))
    expected: dict[str, tuple[int, ...]] = {}
    for key, layer in zip(keys, model.layers):
        expected[f"{key}.weight"] = (len(layer.neurons), layer.nin)
        expected[f"{key}.bias"] = (len(layer.neurons),)
    missing = [name for name in expected if name not in tensors]
    unexpected = [name for name in tensors if name not in expected]
    if missing or unexpected:
        raise ValueError(
            f"load_safetensors: {str(path)!r} does not fit {model.describe()}: "
            f"missing {missing or 'none'}, unexpected {unexpected or 'none'}"
        )
    for name, shape in expected.items():
        if tensors[name].shape != shape:
            raise ValueError(
                f"load_safetensors: {str(path)!r}: {name} has shape {list(tensors[name].shape)}, "
                f"this model needs {list(shape)}"
            )
    state, names = {}, _parameter_names(model)
    for key, layer in zip(keys, model.layers):
        flat, nin = tensors[f"{key}.weight"].values, layer.nin
        weight = [flat[row * nin : (row + 1) * nin] for row in range(len(layer.neurons))]
        state.update(_named_values(names, layer, weight, tensors[f"{key}.bias"].values))
    try:
        model.load_state_dict(state)
    except ValueError as e:
        raise ValueError(f"load_safetensors: {str(path)!r}: {e}") from None


def _weight_and_bias(layer: Layer) -> tuple[list[list[float]], list[float]]:
    """The layer's weights as a [nout][nin] matrix (one row per neuron) and its biases."""
    return [[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons]


def _named_values(
    names: dict[Value, str], layer: Layer, weight: list[list[float]], bias: list[float]
) -> dict[str, float]:
    """The names (from `_parameter_names`) of this layer's parameters, each with its number."""
    named = {}
    for neuron, row, b in zip(layer.neurons, weight, bias):
        named.update({names[w]: x for w, x in zip(neuron.w, row)})
        named[names[neuron.b]] = b
    return named


def _parameter_names(model: MLP) -> dict[Value, str]:
    return {p: name for name, p in model.named_parameters()}


def _check_mlp(model: object, what: str) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(f"{what}: expected an autograd_tiny.nn.MLP, got {type(model).__name__}")
    return model


def _import_torch(what: str) -> Any:
    """The torch module, or an ImportError saying how to get it."""
    try:
        return importlib.import_module("torch")
    except ModuleNotFoundError as err:
        if err.name != "torch":
            raise
        raise ImportError(f"{what} needs PyTorch, which is not installed: pip install torch") from err
