"""The notebooks' import path for their checks (`from autograd_tiny.exercises import ...`), kept working."""

# Exactly the names in autograd_tiny.teaching.exercises.__all__, the one list of the checks.
from autograd_tiny.teaching.exercises import *  # noqa: F403
from autograd_tiny.teaching.exercises import __all__ as __all__
