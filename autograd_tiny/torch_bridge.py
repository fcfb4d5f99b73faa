"""Moved to `autograd_tiny.io.torch_bridge`; this name keeps the README's imports working."""

from autograd_tiny.io.torch_bridge import *  # noqa: F403
