"""Regenerate the README's pictures in docs/: ``python docs/graph.py``.

graph.svg (draw_dot), backward_step.svg (one step of backward_steps) and network.svg (draw_network).
"""

from __future__ import annotations

from pathlib import Path

from autograd_tiny import Value
from autograd_tiny.nn import MLP
from autograd_tiny.viz.pictures import backward_steps, draw_dot, draw_network, render

HERE = Path(__file__).parent


def readme_example() -> Value:
    """The README's example: out = tanh(x * y + exp(x))."""
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    z = x * y + x.exp()
    z.label = "z"
    out = z.tanh()
    out.label = "out"
    return out


def main(directory: Path = HERE) -> list[Path]:
    """Write the pictures into directory (docs/ by default) and return their paths."""
    out = readme_example()
    step3 = backward_steps(out)[3]  # before backward(): the steps never read .grad
    out.backward()
    network = draw_network(MLP(2, [3, 1], activation="tanh", seed=0), [1.0, -2.0], 0.5)
    return [render(draw_dot(out), directory / "graph.svg"), render(step3, directory / "backward_step.svg"),
            render(network, directory / "network.svg")]  # fmt: skip


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path}")
