"""Regenerate the README's pictures, docs/graph.svg and docs/backward_step.svg: ``python docs/graph.py``."""

from __future__ import annotations

from pathlib import Path

from autograd_tiny import Value
from autograd_tiny.viz import backward_steps, draw_dot, render

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
    """Write both pictures into directory (docs/ by default) and return their paths."""
    out = readme_example()
    step3 = list(backward_steps(out))[3]  # before backward(): the frames never read .grad
    out.backward()
    return [render(draw_dot(out), directory / "graph.svg"), render(step3, directory / "backward_step.svg")]


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path}")
