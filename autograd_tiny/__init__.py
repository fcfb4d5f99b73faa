"""autograd_tiny: a scalar reverse-mode automatic differentiation engine you can read."""

from autograd_tiny.engine import RULES, Value, backward_order, is_grad_enabled, no_grad
from autograd_tiny.gradcheck import GradcheckError, gradcheck, numerical_grad

__all__ = [
    "RULES",
    "GradcheckError",
    "Value",
    "backward_order",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "numerical_grad",
]
__version__ = "0.1.0"
