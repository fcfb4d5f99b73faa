"""Moved to `autograd_tiny.teaching.exercises`; this name keeps the notebooks' imports working."""

from autograd_tiny.teaching.exercises import *  # noqa: F403
