"""autograd_tiny: a scalar reverse-mode automatic differentiation engine you can read."""

from typing import TYPE_CHECKING, Any

from autograd_tiny.compile import compile_graph
from autograd_tiny.derivatives import grad, hessian
from autograd_tiny.engine import (
    RULES,
    Value,
    backward_order,
    define_op,
    enable_grad,
    is_grad_enabled,
    no_grad,
)
from autograd_tiny.gradcheck import GradcheckError, gradcheck, numerical_grad
from autograd_tiny.replay import Replayed, SampleReplay, compile_replay

if TYPE_CHECKING:
    from autograd_tiny.viz import draw_dot

__all__ = [
    "RULES",
    "GradcheckError",
    "Replayed",
    "SampleReplay",
    "Value",
    "backward_order",
    "compile_graph",
    "compile_replay",
    "define_op",
    "draw_dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "no_grad",
    "numerical_grad",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``draw_dot`` is imported on first use: it needs graphviz, which the engine itself does not."""
    if name == "draw_dot":
        try:
            from autograd_tiny.viz import draw_dot
        except ModuleNotFoundError as err:
            if err.name != "graphviz":
                raise
            hint = "pip install 'autograd_tiny[viz]'"
            raise ImportError(f"autograd_tiny.draw_dot needs the graphviz package: {hint}") from err
        return draw_dot
    raise AttributeError(f"module 'autograd_tiny' has no attribute {name!r}")
