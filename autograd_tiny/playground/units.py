"""An MLP's forward pass unit by unit, keeping every unit's pre-activation and output as Values.

`MLP.__call__` returns only the last layer; the playground shows every unit. Calling each
`Neuron` in turn does the same operations on the same numbers, so the values are the model's
own, and each unit's pre-activation node (``w . x + b``) is there for its delta, ``dc/dx``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autograd_tiny.engine import Value
from autograd_tiny.nn import MLP


@dataclass(frozen=True)
class Units:
    """One input's forward pass: ``outputs[0]`` the inputs, ``outputs[n]`` layer n's units (n >= 1)."""

    outputs: list[list[Value]]
    pre_activations: list[list[Value]]  # pre_activations[n] for n >= 1 (index 0 is empty: inputs)

    @property
    def output(self) -> Value:
        """The network's single output."""
        return self.outputs[-1][0]


def forward_units(model: MLP, point: Sequence[Value | float]) -> Units:
    """Every unit's output for ``point`` (and its pre-activation), in the model's layer order."""
    inputs = [p if isinstance(p, Value) else Value(float(p)) for p in point]
    outputs: list[list[Value]] = [inputs]
    pre: list[list[Value]] = [[]]
    for layer in model.layers:
        outs = [neuron(outputs[-1]) for neuron in layer.neurons]
        outputs.append(outs)
        pre.append([out if neuron.activation == "linear" else out.parents[0]
                    for neuron, out in zip(layer.neurons, outs)])  # fmt: skip
    return Units(outputs, pre)
