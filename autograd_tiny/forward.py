"""Moved to `autograd_tiny.autodiff.forward`; this name keeps older imports working."""

from autograd_tiny.autodiff.forward import *  # noqa: F403
