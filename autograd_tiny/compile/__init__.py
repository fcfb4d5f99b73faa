"""A recorded graph written out as plain Python: `compile_graph` (one graph, new inputs) and
`compile_replay` (one sample's graph over every row, with NumPy batches), generated from `RULES`
through symbols (`symbolic`).

Layer 2: built on the engine alone.
"""

from autograd_tiny.compile.graph import compile_graph
from autograd_tiny.compile.replay import Replayed, SampleReplay, compile_replay

__all__ = ["Replayed", "SampleReplay", "compile_graph", "compile_replay"]
