"""Neural networks built from scalar Values: `Neuron`, `Layer`, `MLP`, with saving and loading.

The API is micrograd's (``MLP(2, [16, 16, 1])``, ``model(x)``, ``parameters()``, ``zero_grad()``),
and so is the initialisation: with the same ``random.seed`` the weights are the same numbers.
Backpropagation needs nothing here: a forward pass builds a graph of Values and
``loss.backward()`` fills every parameter's ``.grad``.
"""

from __future__ import annotations

import json
import math
import operator
import os
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

from autograd_tiny.checks import brief, is_list, is_real, real, whole
from autograd_tiny.data import Seed, as_random, make_rng
from autograd_tiny.engine import Value
from autograd_tiny.io import torch_bridge
from autograd_tiny.io.modelfile import (
    FORMAT,
    FORMAT_VERSION,
    describe,
    first_difference,
    name_differences,
    read_model_file,
    size_limit,
    write_model_file,
)
from autograd_tiny.ops import value_sum
from autograd_tiny.scopes import scope

Input: TypeAlias = "Sequence[Value | float]"
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


class Module:
    """A piece of a network: it owns parameters and sub-modules, each reachable by a dotted name."""

    _path = ""  # this module's dotted name inside the model that owns it; "" for a model's root

    def _own_parameters(self) -> Iterable[tuple[str, Value]]:
        """The parameters this module holds itself (not through a sub-module), with their names."""
        return ()

    def _children(self) -> Iterable[tuple[str, Module]]:
        """The sub-modules, with their names."""
        return ()

    def _name_children(self) -> None:
        """Give every sub-module its dotted path, used as its scope in graph pictures."""
        for name, child in self._children():
            child._path = f"{self._path}.{name}" if self._path else name
            child._name_children()

    @property
    def scope_name(self) -> str:
        """The name this module's forward pass is recorded under: its path, or its class for the root."""
        return self._path or type(self).__name__

    def __call__(self, x: Input) -> Value | list[Value]:
        """The module's output for one input vector."""
        raise NotImplementedError(f"{type(self).__name__} does not define a forward pass")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with a stable, readable name such as ``layers.0.neurons.3.w.1``."""
        named = list(self._own_parameters())
        for prefix, child in self._children():
            named += [(f"{prefix}.{name}", p) for name, p in child.named_parameters()]
        return named

    def parameters(self) -> list[Value]:
        """Every parameter, in the same order as micrograd's (weights, then bias, neuron by neuron)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (gradients accumulate across backward() calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def architecture(self) -> dict[str, Any]:
        """What it takes to rebuild this module's shape (not its values), as JSON-ready data."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its architecture")

    # ---- state: values by name -----------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name (a copy: changing it does not change the model)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Set every parameter from ``state``; on any problem raise and change nothing.

        ``state`` must name exactly this model's parameters, each with a finite real number:
        ValueError for missing, unexpected or non-finite entries, TypeError for a value that is
        not a real number (a bool, a string, an array).
        """
        values = self._checked_values(state, "load_state_dict")
        for name, p in self.named_parameters():
            p.data = values[name]

    def _checked_values(self, state: object, where: str) -> dict[str, float]:
        """``state``'s values as floats by parameter name, after checking all of them."""
        if not isinstance(state, dict):
            raise TypeError(f"{where}: expected a dict of name -> number, got {type(state).__name__}")
        named = self.named_parameters()
        missing, unexpected = name_differences((name for name, _ in named), state)
        if missing or unexpected:
            raise ValueError(
                f"{where}: parameters do not match {self.describe()}: "
                f"missing {_preview(missing)}, unexpected {_preview(unexpected)}"
            )
        return {name: _finite_float(state[name], f"{where}: parameter {name!r}") for name, _ in named}

    def describe(self) -> str:
        """A one-line summary of the architecture, for messages."""
        return describe(self.architecture())

    # ---- files ---------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and parameters to ``path`` as readable JSON, atomically.

        The JSON goes to a temporary file in the target's directory, which then replaces the
        target in one step: an interrupted save leaves the old file (or none), never half a
        model. A symbolic link is followed (the file it points to is replaced, keeping its
        permissions). Parameters that `load` would refuse (nan, inf) are refused here first.
        """
        named = self.named_parameters()
        parameters = {name: _finite_float(p.data, f"save: parameter {name!r}") for name, p in named}
        write_model_file(path, {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "architecture": self.architecture(),
            "parameters": parameters,
        })  # fmt: skip

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters saved by `save` into this model; on any problem raise and change nothing.

        FileNotFoundError if ``path`` does not exist; ValueError naming what is wrong if it is
        not a model file this model can take: corrupt or truncated, not JSON, larger than this
        model can need, of another format version, another architecture, missing or extra
        parameters, a value that is not a finite number.
        """
        architecture = json.loads(json.dumps(self.architecture()))  # as JSON gives it back: lists, not tuples
        names = [name for name, _ in self.named_parameters()]
        document = read_model_file(path, size_limit(architecture, names))
        difference = first_difference(document["architecture"], architecture, "architecture")
        if difference:
            raise ValueError(
                f"load: {str(path)!r} holds a {describe(document['architecture'])}, "
                f"which does not fit this {self.describe()} ({difference})"
            )
        try:
            values = self._checked_values(document["parameters"], f"load: {str(path)!r}")
        except TypeError as e:  # a value of the wrong type is a bad file, like any other
            raise ValueError(str(e)) from None
        for name, p in self.named_parameters():
            p.data = values[name]


def _finite_float(value: object, what: str) -> float:
    """``value`` as a float; TypeError unless a real number, ValueError unless finite."""
    number = real(value, what)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {brief(value)}")
    return number


def _preview(names: Sequence[object], limit: int = 3) -> str:
    if not names:
        return "none"
    shown = ", ".join(n if isinstance(n, str) and len(n) <= 80 else brief(n) for n in names[:limit])
    return f"[{shown}{', ...' if len(names) > limit else ''}] ({len(names)})"


def _check_activation(activation: str, where: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"{where}: activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    return activation


def _check_count(n: int, what: str, where: str) -> int:
    if whole(n, f"{where}: {what}") < 1:
        raise ValueError(f"{where}: {what} must be a positive int, got {n!r}")
    return int(n)


def _check_input(x: Input, nin: int, where: str) -> None:
    if not is_list(x):
        kind = type(x).__name__
        raise TypeError(f"{where}: expects a list of {nin} numbers or Values, got {kind}: {brief(x)}")
    if len(x) != nin:
        raise ValueError(f"{where}: expects {nin} inputs, got {len(x)}")
    for v in x:
        if not isinstance(v, Value) and not is_real(v):
            raise TypeError(f"{where}: inputs must be numbers or Values, got {type(v).__name__}: {brief(v)}")


class Neuron(Module):
    """One unit: ``activation(w . x + b)``. ``nonlin=False`` (micrograd's flag) makes it linear."""

    def __init__(self, nin: int, nonlin: bool = True, *, activation: str = "relu", seed: Seed = None) -> None:
        nin = _check_count(nin, "nin", "Neuron")
        self.activation = _check_activation(activation, "Neuron") if nonlin else "linear"
        rng = make_rng(seed, "Neuron")
        self.w = [Value(rng.uniform(-1, 1), label=f"w.{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")

    def _own_parameters(self) -> Iterable[tuple[str, Value]]:
        return [*((f"w.{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def _forward(self, x: Input) -> Value:
        with scope(self.scope_name):
            # b + w0 x0 + w1 x1 + ...: micrograd's sum, to the bit, as one n-ary node instead of a chain
            act = value_sum([self.b, *map(operator.mul, self.w, x)])
            act.label = "w.x+b"  # labels make a network's graph picture readable
            if self.activation == "linear":
                return act
            out: Value = getattr(act, self.activation)()
            out.label = self.activation
            return out

    def __call__(self, x: Input) -> Value:
        _check_input(x, len(self.w), "Neuron")
        return self._forward(x)

    def architecture(self) -> dict[str, Any]:
        return {"type": "Neuron", "nin": len(self.w), "activation": self.activation}

    def __repr__(self) -> str:
        return f"Neuron(nin={len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; returns one Value when nout is 1, a list otherwise."""

    def __init__(
        self, nin: int, nout: int, nonlin: bool = True, *, activation: str = "relu", seed: Seed = None
    ) -> None:
        nout = _check_count(nout, "nout", "Layer")
        rng = as_random(seed, "Layer")
        self.neurons = [Neuron(nin, nonlin, activation=activation, seed=rng) for _ in range(nout)]
        self.nin, self.activation = len(self.neurons[0].w), self.neurons[0].activation
        self._name_children()

    def _children(self) -> Iterable[tuple[str, Module]]:
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def _forward(self, x: Input) -> list[Value]:
        with scope(self.scope_name):
            return [n._forward(x) for n in self.neurons]

    def __call__(self, x: Input) -> Value | list[Value]:
        _check_input(x, self.nin, "Layer")
        out = self._forward(x)
        return out[0] if len(out) == 1 else out

    def architecture(self) -> dict[str, Any]:
        return {"type": "Layer", "nin": self.nin, "nout": len(self.neurons), "activation": self.activation}

    def __repr__(self) -> str:
        return f"Layer(nin={self.nin}, nout={len(self.neurons)}, activation={self.activation!r})"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])`` maps 2 inputs through two hidden layers of 16.

    Hidden layers use ``activation`` ("relu", "tanh", "sigmoid" or "linear"); the last layer
    uses ``output_activation`` (linear unless asked). Weights are drawn uniformly from [-1, 1]
    as in micrograd, from ``seed`` (an int or a ``random.Random``) or else the global ``random``.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str = "relu",
        output_activation: str = "linear",
        seed: Seed = None,
    ) -> None:
        nin = _check_count(nin, "nin", "MLP")
        if not is_list(nouts) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {brief(nouts)}")
        nouts = [_check_count(n, "every layer size in nouts", "MLP") for n in nouts]
        _check_activation(activation, "MLP")
        _check_activation(output_activation, "MLP (output_activation)")
        rng = as_random(seed, "MLP")
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=activation if i < len(nouts) - 1 else output_activation,
                  seed=rng)
            for i in range(len(nouts))
        ]  # fmt: skip
        self.nin, self.nouts = nin, nouts  # plain ints (numpy's would not go into a JSON file)
        self.activation, self.output_activation = activation, output_activation
        self._name_children()

    def _children(self) -> Iterable[tuple[str, Module]]:
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def __call__(self, x: Input) -> Value | list[Value]:
        """The network's output for one input vector: a Value if the last layer has one neuron."""
        _check_input(x, self.nin, "MLP")
        with scope(self.scope_name):
            for layer in self.layers:
                x = layer._forward(x)
        out: list[Value] = x  # type: ignore[assignment]  # every layer returns Values
        return out[0] if len(out) == 1 else out

    def architecture(self) -> dict[str, Any]:
        return {
            "type": "MLP",
            "nin": self.nin,
            "nouts": self.nouts,
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    def to_torch(self) -> Any:
        """The equivalent ``torch.nn.Sequential`` (float64, same weights): `torch_bridge.to_torch`."""
        return torch_bridge.to_torch(self)

    @classmethod
    def from_torch(cls, seq: Any) -> MLP:
        """The MLP equal to a ``torch.nn.Sequential`` of Linear and activation modules (see to_torch).

        ``seq`` holds ``Linear`` layers (with bias), each optionally followed by ``ReLU``, ``Tanh``
        or ``Sigmoid``, the same one after every hidden layer; anything else is a ValueError naming
        the module and its position (`torch_bridge.read_sequential`).
        """
        layers = torch_bridge.read_sequential(seq)
        model = MLP(
            layers[0].nin,
            [len(layer.bias) for layer in layers],
            activation=layers[0].activation if len(layers) > 1 else "relu",
            output_activation=layers[-1].activation,
            seed=0,  # the weights are overwritten below; a seed keeps the global random state untouched
        )
        torch_bridge.set_weights(model, layers, "from_torch")
        return model

    def __repr__(self) -> str:
        lines = [f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, "
                 f"output_activation={self.output_activation!r})  # {len(self.parameters())} parameters"]
        lines += [f"  (layers.{i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "\n".join(lines)  # fmt: skip
