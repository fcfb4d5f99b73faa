"""Moved to `autograd_tiny.io.safetensors_file`; this name keeps older imports working."""

from autograd_tiny.io.safetensors_file import *  # noqa: F403
