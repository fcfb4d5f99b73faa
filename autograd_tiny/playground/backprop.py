"""The backprop view of one SGD step: each unit's delta, each weight's dc/dw, a weight's update in numbers.

For the step's batch, with the weights it started from, the loss is built eagerly from Values
(unit by unit, `forward_units`) and ``backward()`` fills in every ``.grad``. A unit's delta is
the gradient of the batch's loss with respect to its pre-activation ``w . x + b``, added over
the batch's samples (each sample has its own node): the delta rules of the derivation, read
off the engine. A weight's dc/dw is its ``.grad``, the number SGD used.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd_tiny.losses import l2_penalty, mse_loss
from autograd_tiny.nn import MLP
from autograd_tiny.playground.units import forward_units


@dataclass(frozen=True)
class Backprop:
    """``delta[n][j]``: d loss / d (pre-activation of unit j of layer n), summed over the batch (n >= 1).

    ``grads`` maps each parameter's name (``layers.0.neurons.3.w.1``) to d loss / d parameter.
    Per sample s of the batch: ``outputs[s][n][j]``, unit j of layer n's output (layer 0: the
    inputs), and ``upstream[s][n][j]``, d loss / d that output.
    """

    delta: list[list[float]]
    grads: dict[str, float]
    loss: float
    outputs: list[list[list[float]]]
    upstream: list[list[list[float]]]


@dataclass(frozen=True)
class WeightUpdate:
    """One parameter's SGD update, ``after = before - rate * grad``, and how to read it."""

    name: str
    before: float
    rate: float
    grad: float
    after: float

    @property
    def symbol(self) -> str:
        """``w`` for a weight, ``b`` for a bias."""
        return "b" if self.name.endswith(".b") else "w"

    @property
    def text(self) -> str:
        """The update written out: ``w <- w - alpha dc/dw = 0.4 - 0.5 x 0.0822 = 0.3589``."""
        s = self.symbol
        grad = f"({self.grad:.4g})" if self.grad < 0 else f"{self.grad:.4g}"
        return (f"{s} \u2190 {s} \u2212 \u03b1 \u2202c/\u2202{s} = {self.before:.4g} \u2212 {self.rate:.4g} "
                f"\u00d7 {grad} = {self.after:.4g}")  # fmt: skip


def backprop_of(model: MLP, weights: dict[str, float], batch: list[list[float]], targets: list[float],
                l2: float) -> Backprop:  # fmt: skip
    """Deltas and gradients of the mean squared error over ``batch`` (+ L2) at ``weights``, eagerly.

    The model's own weights and gradients are put back afterwards.
    """
    params = dict(model.named_parameters())
    kept = {name: (p.data, p.grad) for name, p in params.items()}
    model.load_state_dict(weights)
    model.zero_grad()
    try:
        passes = [forward_units(model, point) for point in batch]
        loss = mse_loss([units.output for units in passes], targets)
        if l2:
            loss = loss + l2_penalty(model.parameters(), l2)
        loss.backward()
        layers = range(1, len(passes[0].pre_activations))
        delta: list[list[float]] = [[]] + [[sum(units.pre_activations[n][j].grad for units in passes)
                         for j in range(len(passes[0].pre_activations[n]))] for n in layers]  # fmt: skip
        outputs = [[[v.data for v in layer] for layer in units.outputs] for units in passes]
        upstream = [[[v.grad for v in layer] for layer in units.outputs] for units in passes]
        return Backprop(delta, {name: p.grad for name, p in params.items()}, loss.data, outputs, upstream)
    finally:
        for name, p in params.items():
            p.data, p.grad = kept[name]
