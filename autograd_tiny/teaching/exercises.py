"""Every check the notebooks use, by one name: the index of teaching's modules (one module a theme).

Imported in a notebook's kernel, it also makes check cells answer briefly (see cell_feedback).
"""

from __future__ import annotations

from autograd_tiny.teaching.build_value import (
    check_backward,
    check_new_operation,
    check_operations,
    check_topological_sort,
    check_value_basics,
)
from autograd_tiny.teaching.cell_feedback import install_in_running_ipython
from autograd_tiny.teaching.chain_rule import (
    chain_rule_grads,
    check_backward_from_scratch,
    check_manual_grads,
    check_saturated_neuron,
)
from autograd_tiny.teaching.compiled_replay import (
    check_break_even,
    check_grads_apart,
    check_replay_goes_stale,
)
from autograd_tiny.teaching.delta_rules import (
    check_backprop,
    check_multiplication_counts,
    layer_gradients,
)
from autograd_tiny.teaching.derivatives import (
    check_derivative,
    check_derivatives,
    check_value_function,
    nth_derivative,
)
from autograd_tiny.teaching.descent import check_descent_step, check_largest_stable_rate
from autograd_tiny.teaching.feedback import (
    ExerciseError,
    Point,
    check_all_close,
    check_close,
    check_equal,
    check_function,
    check_raises,
)
from autograd_tiny.teaching.hand_worked import check_all_new_weights, check_mazur_numbers, mazur_network
from autograd_tiny.teaching.newton import (
    check_descent_path,
    check_finds_minimum,
    check_stationary_point,
)
from autograd_tiny.teaching.own_ops import (
    check_gradcheck_verdict,
    check_kink_point,
    check_one_sided_difference,
    check_unary_op,
    check_wrong_only_away_from,
)
from autograd_tiny.teaching.playground import (
    RATE_CHOICES,
    check_dead_unit,
    check_large_rate,
    check_needs_hidden_layer,
    check_share_of_class_1,
    dead_unit_run,
)
from autograd_tiny.teaching.training import (
    check_adam_first_step,
    check_classifier,
    check_divergence_rule,
    check_epochs_to_reach,
    check_l2_penalty,
    check_parameter_count,
    check_softmax,
    check_softmax_squared_error,
    check_trained_with_loss,
)
from autograd_tiny.teaching.walk_order import (
    check_contribution_steps,
    check_depth_first_order_fails,
    check_final_grad_frame,
    check_frame_count,
    depth_first_order,
)
from autograd_tiny.teaching.watching import check_changed_fraction, check_class_grid

__all__ = [
    "RATE_CHOICES",
    "ExerciseError",
    "Point",
    "chain_rule_grads",
    "check_adam_first_step",
    "check_all_close",
    "check_all_new_weights",
    "check_backprop",
    "check_backward",
    "check_backward_from_scratch",
    "check_break_even",
    "check_changed_fraction",
    "check_class_grid",
    "check_classifier",
    "check_close",
    "check_contribution_steps",
    "check_dead_unit",
    "check_depth_first_order_fails",
    "check_derivative",
    "check_derivatives",
    "check_descent_path",
    "check_descent_step",
    "check_divergence_rule",
    "check_epochs_to_reach",
    "check_equal",
    "check_final_grad_frame",
    "check_finds_minimum",
    "check_frame_count",
    "check_function",
    "check_gradcheck_verdict",
    "check_grads_apart",
    "check_kink_point",
    "check_l2_penalty",
    "check_large_rate",
    "check_largest_stable_rate",
    "check_manual_grads",
    "check_mazur_numbers",
    "check_multiplication_counts",
    "check_needs_hidden_layer",
    "check_new_operation",
    "check_one_sided_difference",
    "check_operations",
    "check_parameter_count",
    "check_raises",
    "check_replay_goes_stale",
    "check_saturated_neuron",
    "check_share_of_class_1",
    "check_softmax",
    "check_softmax_squared_error",
    "check_stationary_point",
    "check_topological_sort",
    "check_trained_with_loss",
    "check_unary_op",
    "check_value_basics",
    "check_value_function",
    "check_wrong_only_away_from",
    "dead_unit_run",
    "depth_first_order",
    "layer_gradients",
    "mazur_network",
    "nth_derivative",
]

install_in_running_ipython()
