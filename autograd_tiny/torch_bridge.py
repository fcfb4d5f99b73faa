"""Moved to `autograd_tiny.io.torch_bridge`; this name keeps the README's imports working.

`from_torch` builds an MLP, which `io` (below nn) cannot; this path, above both, offers it.
"""

from typing import Any

from autograd_tiny.io.torch_bridge import *  # noqa: F403
from autograd_tiny.nn import MLP, Layer  # noqa: F401  (names this path offered before the move)


def from_torch(seq: Any) -> MLP:
    """The MLP equal to ``seq`` (a ``torch.nn.Sequential``): `MLP.from_torch`."""
    return MLP.from_torch(seq)
