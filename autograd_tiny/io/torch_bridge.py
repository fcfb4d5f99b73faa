"""A bridge to PyTorch for models that outgrow the scalar engine.

`to_torch(model)` builds the equivalent ``torch.nn.Sequential`` (a ``Linear`` per layer, each
followed by its activation module unless linear; float64, the same weights) and
`read_sequential(seq)` reads such a Sequential back as plain data, one `LayerWeights` per
``Linear`` (``nn.MLP.from_torch`` builds the MLP from it). `save_safetensors` /
`load_safetensors` exchange the weights as a safetensors file with that Sequential's key names
(``0.weight`` of shape [nout, nin], ``0.bias``, ``2.weight``, ...), so
``seq.load_state_dict(safetensors.torch.load_file(path))`` works; they need neither torch nor
the safetensors package. PyTorch is imported only when a function needs it.

This module sits below nn and never imports it: a model is anything of the shape `Model`
describes (``nn.MLP`` is one).
"""

from __future__ import annotations

import importlib
import itertools
import math
import os
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol, runtime_checkable

from autograd_tiny.engine import Value
from autograd_tiny.io.modelfile import name_differences
from autograd_tiny.io.safetensors_file import Tensor, read_safetensors, write_safetensors

# activation name -> torch.nn module class name; "linear" has no module
TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


class NeuronShape(Protocol):
    """One unit of a `Model`: its weights and its bias, as Values."""

    @property
    def w(self) -> Sequence[Value]: ...

    @property
    def b(self) -> Value: ...


class LayerShape(Protocol):
    """One layer of a `Model`: its input count, its activation's name and its neurons."""

    @property
    def nin(self) -> int: ...

    @property
    def activation(self) -> str: ...

    @property
    def neurons(self) -> Sequence[NeuronShape]: ...


@runtime_checkable
class Model(Protocol):
    """What the bridge reads and writes: layers of neurons, with named parameters (``nn.MLP``'s shape)."""

    @property
    def layers(self) -> Sequence[LayerShape]: ...

    def named_parameters(self) -> list[tuple[str, Value]]: ...

    def load_state_dict(self, state: dict[str, float]) -> None: ...

    def describe(self) -> str: ...


class LayerWeights(NamedTuple):
    """One layer as plain data: a ``Linear`` of ``nin`` inputs followed by ``activation``."""

    nin: int
    weight: list[list[float]]  # [nout][nin]: one row per neuron, as torch's Linear.weight
    bias: list[float]  # one per neuron
    activation: str  # "relu", "tanh", "sigmoid" or "linear"


def layer_weights(model: Model) -> list[LayerWeights]:
    """Each layer of ``model`` as plain data (copies of its numbers)."""
    return [
        LayerWeights(
            layer.nin,
            [[w.data for w in n.w] for n in layer.neurons],
            [n.b.data for n in layer.neurons],
            layer.activation,
        )
        for layer in model.layers
    ]


def set_weights(model: Model, layers: Sequence[LayerWeights], where: str) -> None:
    """Set every weight and bias of ``model`` from ``layers`` at once, through its ``load_state_dict``.

    A value it refuses (nan, inf) is a ValueError starting with ``where``; the model is then
    left as it was.
    """
    names = {p: name for name, p in model.named_parameters()}
    state = {}
    for layer, weights in zip(model.layers, layers):
        for neuron, row, b in zip(layer.neurons, weights.weight, weights.bias):
            state.update({names[w]: x for w, x in zip(neuron.w, row)})
            state[names[neuron.b]] = b
    try:
        model.load_state_dict(state)
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None


def to_torch(model: Model) -> Any:
    """An equivalent ``torch.nn.Sequential`` in float64 holding copies of the model's weights."""
    torch = _import_torch("to_torch")
    modules = []
    for layer in layer_weights(_check_model(model, "to_torch")):
        linear = torch.nn.utils.skip_init(torch.nn.Linear, layer.nin, len(layer.bias), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(layer.weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(layer.bias, dtype=torch.float64))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[layer.activation])())
    return torch.nn.Sequential(*modules)


def read_sequential(seq: Any) -> list[LayerWeights]:
    """The layers of ``seq`` as plain data: a ``torch.nn.Sequential`` of ``Linear`` layers (with bias),
    each optionally followed by ``ReLU``, ``Tanh`` or ``Sigmoid``, the same one after every hidden layer.

    Anything else is a ValueError naming the module and its position (TypeError if ``seq`` is
    not a Sequential); the messages start with "from_torch", the one caller.
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
    return [
        LayerWeights(
            linear.in_features,
            linear.weight.detach().to(torch.float64).cpu().tolist(),
            linear.bias.detach().to(torch.float64).cpu().tolist(),
            activation,
        )
        for linear, activation in linears
    ]


def sequential_keys(model: Model) -> list[str]:
    """The Sequential index of each layer's Linear in `to_torch`'s result, as key prefixes ('0', '2', ...)."""
    keys, position = [], 0
    for layer in model.layers:
        keys.append(str(position))
        position += 1 if layer.activation == "linear" else 2
    return keys


def save_safetensors(model: Model, path: str | os.PathLike[str], dtype: str = "F64") -> None:
    """Write the model's weights to ``path`` as safetensors (``dtype`` "F64" or "F32") with the
    key names of `to_torch`'s Sequential; atomically, as `MLP.save`."""
    layers = layer_weights(_check_model(model, "save_safetensors"))
    tensors = {}
    for key, layer in zip(sequential_keys(model), layers):
        flat = [x for row in layer.weight for x in row]
        for name, values in (("weight", flat), ("bias", layer.bias)):
            bad = [x for x in values if not math.isfinite(x)]
            if bad:
                raise ValueError(f"save_safetensors: {key}.{name} holds {bad[0]!r}; only finite numbers")
        tensors[f"{key}.weight"] = Tensor(dtype, (len(layer.bias), layer.nin), flat)
        tensors[f"{key}.bias"] = Tensor(dtype, (len(layer.bias),), layer.bias)
    try:
        write_safetensors(path, tensors, {"format": "pt"})
    except ValueError as e:
        raise ValueError(f"save_safetensors: {e}") from None


def load_safetensors(model: Model, path: str | os.PathLike[str]) -> None:
    """Set the model's weights from a safetensors file with `to_torch`'s key names (F64 or F32).

    A file that is not safetensors, or whose names or shapes do not fit the model, is a
    ValueError saying what is wrong; the model is then left as it was.
    """
    tensors = read_safetensors(path)
    keys = sequential_keys(_check_model(model, "load_safetensors"))
    expected: dict[str, tuple[int, ...]] = {}
    for key, layer in zip(keys, model.layers):
        expected[f"{key}.weight"] = (len(layer.neurons), layer.nin)
        expected[f"{key}.bias"] = (len(layer.neurons),)
    missing, unexpected = name_differences(expected, tensors)
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
    layers = []
    for key, layer in zip(keys, model.layers):
        flat, nin = tensors[f"{key}.weight"].values, layer.nin
        weight = [flat[row * nin : (row + 1) * nin] for row in range(len(layer.neurons))]
        layers.append(LayerWeights(nin, weight, tensors[f"{key}.bias"].values, layer.activation))
    set_weights(model, layers, f"load_safetensors: {str(path)!r}")


def _check_model(model: object, what: str) -> Model:
    if not isinstance(model, Model):
        raise TypeError(f"{what}: expected an MLP (or a model of its shape), got {type(model).__name__}")
    return model


def _import_torch(what: str) -> Any:
    """The torch module, or an ImportError saying how to get it."""
    try:
        return importlib.import_module("torch")
    except ModuleNotFoundError as err:
        if err.name != "torch":
            raise
        raise ImportError(f"{what} needs PyTorch, which is not installed: pip install torch") from err
