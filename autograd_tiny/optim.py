"""Optimizers that update Values from their gradients: `SGD` and `Adam`, with torch.optim's rules.

``optimizer.step()`` changes each parameter's ``.data`` in place (under `no_grad`, so nothing
is recorded); ``optimizer.zero_grad()`` clears the ``.grad`` the next backward() adds to.
One step matches ``torch.optim`` on the same parameters and gradients.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable
from typing import Any

from autograd_tiny.checks import brief, real
from autograd_tiny.engine import Value
from autograd_tiny.modes import no_grad


def numpy_or_none() -> Any:
    """NumPy if it is installed (Adam then updates all parameters as arrays), else None."""
    try:
        return importlib.import_module("numpy")
    except ModuleNotFoundError:
        return None


def _check_rate(name: str, value: float, where: str, upper: float = math.inf) -> float:
    """``value`` as a float: TypeError unless a real number, ValueError unless in [0, upper)."""
    rate = real(value, f"{where}: {name}")
    if not 0 <= rate < upper:
        bound = f"in [0, {upper:g})" if upper < math.inf else ">= 0 and finite"
        raise ValueError(f"{where}: {name} must be {bound}, got {brief(value)}")
    return rate


class Optimizer:
    """Holds the parameters to update; subclasses say how in `_update`."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        where = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{where}: got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"{where}: parameters must be Values, got {type(p).__name__}: {p!r}")
        self.lr = _check_rate("lr", lr, where)
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        self.steps += 1
        with no_grad():
            self._update()

    def _update(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if isinstance(v, (int, float)))
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, Nesterov momentum and weight decay.

    As in torch.optim.SGD: g = grad + weight_decay * p; with momentum the buffer is
    b = momentum * b + (1 - dampening) * g (b = g on the first step) and g becomes b,
    or g + momentum * b for Nesterov; then p -= lr * g.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_rate("momentum", momentum, "SGD")
        self.dampening = _check_rate("dampening", dampening, "SGD")
        if self.dampening > 1:
            raise ValueError(f"SGD: dampening must be in [0, 1], got {dampening!r}")
        self.weight_decay = _check_rate("weight_decay", weight_decay, "SGD")
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")
        self.nesterov = nesterov
        self._buffers: list[float] | None = None

    def _update(self) -> None:
        grads = [p.grad + self.weight_decay * p.data for p in self.params]
        if self.momentum:
            if self._buffers is None:
                self._buffers = grads
            else:
                keep, mom = 1.0 - self.dampening, self.momentum
                self._buffers = [mom * b + keep * g for b, g in zip(self._buffers, grads)]
            if self.nesterov:
                grads = [g + self.momentum * b for g, b in zip(grads, self._buffers)]
            else:
                grads = self._buffers
        for p, g in zip(self.params, grads):
            p.data -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction, as torch.optim.Adam (weight decay added to g).

    m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    With NumPy installed, m, v and the update are float64 arrays: one pass of array operations
    instead of a Python loop per parameter (the same operations in the same order, so the
    same bits as the loop).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.beta1 = _check_rate("betas[0]", betas[0], "Adam", upper=1.0)
        self.beta2 = _check_rate("betas[1]", betas[1], "Adam", upper=1.0)
        self.eps = _check_rate("eps", eps, "Adam")
        self.weight_decay = _check_rate("weight_decay", weight_decay, "Adam")
        self._numpy = numpy_or_none()
        zeros = [0.0] * len(self.params)
        self._m: Any = zeros if self._numpy is None else self._numpy.array(zeros)
        self._v: Any = list(zeros) if self._numpy is None else self._numpy.array(zeros)

    def _update(self) -> None:
        b1, b2, t = self.beta1, self.beta2, self.steps
        step_size = self.lr / (1 - b1**t)
        root_correction = math.sqrt(1 - b2**t)
        if self._numpy is not None:
            self._update_arrays(step_size, root_correction)
            return
        for i, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data
            m = self._m[i] = b1 * self._m[i] + (1 - b1) * g
            v = self._v[i] = b2 * self._v[i] + (1 - b2) * g * g
            p.data -= step_size * m / (math.sqrt(v) / root_correction + self.eps)

    def _update_arrays(self, step_size: float, root_correction: float) -> None:
        """The loop's update on float64 arrays (IEEE inf and nan as the floats give them, no warnings)."""
        np, b1, b2 = self._numpy, self.beta1, self.beta2
        data = np.array([p.data for p in self.params], dtype=np.float64)
        grads = np.array([p.grad for p in self.params], dtype=np.float64)
        with np.errstate(all="ignore"):
            g = grads + self.weight_decay * data
            m = self._m = b1 * self._m + (1 - b1) * g
            v = self._v = b2 * self._v + (1 - b2) * g * g
            updated = data - step_size * m / (np.sqrt(v) / root_correction + self.eps)
        for p, x in zip(self.params, updated.tolist()):
            p.data = x
