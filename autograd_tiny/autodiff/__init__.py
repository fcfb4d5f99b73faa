"""Derivatives beyond `backward()`: `grad` and `hessian` (reverse mode, any order), `jvp` and `jacobian`
(forward mode), and `gradcheck` / `gradgradcheck` against finite differences.

Layer 2: built on the engine alone.
"""

from autograd_tiny.autodiff.forward import jacobian, jvp
from autograd_tiny.autodiff.grad import grad, hessian
from autograd_tiny.autodiff.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad

__all__ = [
    "GradcheckError", "grad", "gradcheck", "gradgradcheck", "hessian", "jacobian", "jvp", "numerical_grad",
]  # fmt: skip
