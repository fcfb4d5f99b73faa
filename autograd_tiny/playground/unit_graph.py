"""One unit's computation for one sample of the last step, as Values: what ``draw_dot`` pictures.

For the chosen parameter's unit and a sample of the last batch (with the weights the step started
from), a `Neuron` with the unit's weights reads the layer below's outputs, as leaves; its output
times this sample's d loss / d output (a constant from the step's backward pass) is this sample's
share of the loss's gradient. After ``backward()`` each weight's ``.grad`` is the sample's share
of dc/dw: the shares of the batch, plus the L2 term, add up to the gradient SGD used.
"""

from __future__ import annotations

from autograd_tiny.engine import Value
from autograd_tiny.nn import Neuron
from autograd_tiny.playground.session import Playground


def unit_of(name: str) -> tuple[int, int]:
    """(layer, unit) of a parameter name ``layers.<layer>.neurons.<unit>.<w.i or b>``."""
    parts = name.split(".")
    if len(parts) < 5 or parts[0] != "layers" or parts[2] != "neurons":
        raise ValueError(f"unit_of: {name!r} is not a parameter name such as 'layers.0.neurons.3.w.1'")
    return int(parts[1]), int(parts[3])


def unit_graph(pg: Playground, name: str, sample: int = 0) -> Value | None:
    """Batch sample ``sample``'s share of the last step's loss, through ``name``'s unit; None if no step."""
    steps, last = pg.backprop(), pg.last
    if steps is None or last is None:
        return None
    layer, unit = unit_of(name)
    before = dict(zip(pg.names, last.before))
    inputs = [Value(v, label=f"y{layer}[{i}]") for i, v in enumerate(steps.outputs[sample][layer])]
    neuron = Neuron(len(inputs), activation=pg.model.layers[layer].activation, seed=0)
    prefix = f"layers.{layer}.neurons.{unit}"
    for i, w in enumerate(neuron.w):
        w.data, w.label = before[f"{prefix}.w.{i}"], f"w.{i}"
    neuron.b.data = before[f"{prefix}.b"]
    upstream = Value(steps.upstream[sample][layer + 1][unit], label="dc/d out (this sample)")
    share = neuron(inputs) * upstream
    share.label = "this sample's share"
    share.backward()
    return share
