"""Pictures: computation graphs (`draw_dot`), the passes step by step, and an MLP's delta rules.

Layer 4: built on the engine, nn and scopes; nothing below imports it. Needs the ``graphviz`` package.
"""

from autograd_tiny.viz.pictures import (
    Graph,
    GraphTooLargeError,
    GraphvizNotFoundError,
    PinnedGraph,
    backward_steps,
    draw_dot,
    draw_network,
    labelled_forward,
    network_deltas,
    render,
    steps_widget,
    to_svg,
    write_network_steps,
    write_steps,
)

__all__ = [
    "Graph",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "PinnedGraph",
    "backward_steps",
    "draw_dot",
    "draw_network",
    "labelled_forward",
    "network_deltas",
    "render",
    "steps_widget",
    "to_svg",
    "write_network_steps",
    "write_steps",
]
