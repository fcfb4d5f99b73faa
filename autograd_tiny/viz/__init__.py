"""Pictures: computation graphs (`draw_dot`), the passes step by step, and an MLP's delta rules.

Layer 4: built on the engine, nn and scopes; nothing below imports it. Needs the ``graphviz`` package.
The public names are those of `autograd_tiny.viz.pictures` (its ``__all__``, listed once there).
"""

from autograd_tiny.viz import pictures
from autograd_tiny.viz.pictures import *  # noqa: F403

__all__ = pictures.__all__
