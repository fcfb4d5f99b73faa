"""Small graphs several test modules draw and step through."""

from __future__ import annotations

from autograd_tiny import Value


def notebook3_graph() -> Value:
    """Notebook 3's expression L = tanh(x w + b)^2 + x: x reaches L along two paths."""
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    xw = x * w
    xw.label = "x*w"
    z = xw + b
    z.label = "z"
    y = z.tanh()
    y.label = "y"
    y2 = y**2
    y2.label = "y^2"
    loss = y2 + x
    loss.label = "L"
    return loss


def forty_node_graph() -> Value:
    """The half squared error of MLP(2, [2, 2, 1]) on one sample: 40 Values, too many to see at once."""
    from autograd_tiny.losses import half_squared_error
    from autograd_tiny.nn import MLP

    model = MLP(2, [2, 2, 1], seed=0)
    return half_squared_error(model([Value(0.5, label="x0"), Value(-1.0, label="x1")]), 1.0)
