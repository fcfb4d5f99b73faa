"""autograd_tiny: a scalar reverse-mode automatic differentiation engine you can read."""

from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from autograd_tiny import fast_ops, graph_copy  # noqa: F401  (install fast arithmetic, copies and pickles on Value)
from autograd_tiny.autodiff import (
    GradcheckError,
    grad,
    gradcheck,
    gradgradcheck,
    hessian,
    jacobian,
    jvp,
    numerical_grad,
)
from autograd_tiny.collector import large_graph
from autograd_tiny.compile import Replayed, SampleReplay, compile_graph, compile_replay
from autograd_tiny.engine import RULES, Value, backward_order
from autograd_tiny.modes import (
    RuleEscapesGraphError,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from autograd_tiny.ops import define_op
from autograd_tiny.ops import value_sum as sum  # noqa: F401  (deliberately not in __all__)

if TYPE_CHECKING:
    from autograd_tiny.viz import draw_dot  # noqa: F401 (for type checkers; imported lazily below)


def _has_graphviz() -> bool:
    try:
        return find_spec("graphviz") is not None
    except (ImportError, ValueError):
        return False


# `sum` (one n-ary node) is left out of the star import on purpose: it would hide the builtin.
# `draw_dot` is in it only where graphviz is installed, so the star import never needs graphviz.
__all__ = [
    "RULES",
    "GradcheckError",
    "Replayed",
    "RuleEscapesGraphError",
    "SampleReplay",
    "Value",
    "backward_order",
    "compile_graph",
    "compile_replay",
    "define_op",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "large_graph",
    "no_grad",
    "numerical_grad",
    *(["draw_dot"] if _has_graphviz() else []),
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``draw_dot`` is imported on first use: it needs graphviz, which the engine itself does not."""
    if name == "draw_dot":
        try:
            from autograd_tiny.viz import draw_dot
        except ModuleNotFoundError as err:
            if err.name != "graphviz":
                raise
            hint = "pip install 'autograd_tiny[viz]'"
            raise ImportError(f"autograd_tiny.draw_dot needs the graphviz package: {hint}") from err
        return draw_dot
    raise AttributeError(f"module 'autograd_tiny' has no attribute {name!r}")
