"""The notebooks' exercise checks: each accepts a right answer and rejects a wrong one, saying what is wrong.

Every check helper has a test that feeds it a plausible wrong answer (not only the starter's `...`)
and expects an ExerciseError whose message points at the mistake, so no check can pass vacuously.
"""

from __future__ import annotations

import ast
import itertools
import math
import random
from pathlib import Path
from typing import Any

import pytest

import autograd_tiny.exercises
import autograd_tiny.teaching.exercises
from autograd_tiny import Value, backward_order, compile_replay, define_op, grad
from autograd_tiny.data import make_moons, train_test_split
from autograd_tiny.exercises import (
    ExerciseError,
    check_adam_first_step,
    check_all_close,
    check_backprop,
    check_backward,
    check_backward_from_scratch,
    check_break_even,
    check_classifier,
    check_close,
    check_contribution_steps,
    check_depth_first_order_fails,
    check_derivative,
    check_derivatives,
    check_descent_path,
    check_divergence_rule,
    check_epochs_to_reach,
    check_equal,
    check_final_grad_frame,
    check_finds_minimum,
    check_frame_count,
    check_function,
    check_gradcheck_verdict,
    check_grads_apart,
    check_kink_point,
    check_l2_penalty,
    check_manual_grads,
    check_multiplication_counts,
    check_new_operation,
    check_one_sided_difference,
    check_operations,
    check_parameter_count,
    check_raises,
    check_replay_goes_stale,
    check_saturated_neuron,
    check_softmax,
    check_softmax_squared_error,
    check_stationary_point,
    check_topological_sort,
    check_trained_with_loss,
    check_unary_op,
    check_value_basics,
    check_value_function,
    check_wrong_only_away_from,
    layer_gradients,
    nth_derivative,
)
from autograd_tiny.nn import MLP
from autograd_tiny.optim import SGD
from autograd_tiny.train import fit

pytestmark = pytest.mark.usefixtures("own_rules")  # operations a test defines are taken out again


def rejects(check: Any, *args: Any, match: str | None = None, **kwargs: Any) -> str:
    """Run a check that must fail; returns its message (which must contain `match`)."""
    with pytest.raises(ExerciseError, match=match) as info:
        check(*args, **kwargs)
    return str(info.value)


# ---- the import path -----------------------------------------------------------------------------


def test_the_notebooks_import_path_exports_every_check_they_use() -> None:
    """`from autograd_tiny.exercises import ...` in a notebook finds every name, and only the index's."""
    imported = set()
    for source in (Path(__file__).parent.parent / "notebooks").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "autograd_tiny.exercises":
                imported |= {alias.name for alias in node.names}
    assert imported
    exported = set(autograd_tiny.exercises.__all__)
    assert imported <= exported, f"not exported: {sorted(imported - exported)}"
    assert exported == set(autograd_tiny.teaching.exercises.__all__)
    assert all(hasattr(autograd_tiny.exercises, name) for name in exported)


def test_no_teaching_module_imports_another_ones_private_names() -> None:
    teaching = Path(autograd_tiny.teaching.exercises.__file__).parent
    for source in teaching.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograd_tiny"):
                private = [alias.name for alias in node.names if alias.name.startswith("_")]
                assert not private, f"{source.name} imports {private} from {node.module}"


# ---- the generic checks -------------------------------------------------------------------------


def test_unanswered_starter_is_rejected_by_every_kind_of_check() -> None:
    assert "not answered yet" in rejects(check_close, "x", ..., 1.0)
    assert "not answered yet" in rejects(check_function, "f", ..., math.sin, [[0.5]])
    assert "not answered yet" in rejects(check_equal, "steps", None, [1])
    assert "returns None" in rejects(check_function, "f", lambda x: None, math.sin, [[0.5]])


def test_check_close_says_got_and_which_way_it_misses_never_the_expected_value() -> None:
    check_close("slope", 14.0 + 1e-9, 14.0)
    assert rejects(check_close, "slope", 14.3, 14.0) == "slope: got 14.3, too large"
    assert rejects(check_close, "slope", 13.0, 14.0) == "slope: got 13, too small"
    assert "within 1%" in rejects(check_close, "slope", 14.01, 14.0)
    assert rejects(check_close, "slope", 13.0, 14.0, hint="a hint").endswith("too small; a hint")
    assert "plain number" in rejects(check_close, "slope", Value(14.0), 14.0)


def test_check_all_close_names_the_first_wrong_index() -> None:
    check_all_close("g", [[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.0]])
    assert rejects(check_all_close, "g", [[1.0, 2.5], [3.0]], [[1.0, 2.0], [3.0]]).startswith("g[0][1]:")
    assert "expected 2 entries" in rejects(check_all_close, "g", [1.0], [1.0, 2.0])


def test_check_equal_and_check_raises() -> None:
    check_equal("n", 3, 3)
    assert rejects(check_equal, "n", 4, 3) == "n: got 4, too large"
    assert rejects(check_equal, "mode", "fwd", "rev") == "mode: got 'fwd', not the right answer"
    assert rejects(check_equal, "flag", True, False) == "flag: got True, not the right answer"
    assert rejects(check_equal, "steps", [2, 5], [2, 2, 7]) == "steps: got 2 entries, too few"
    assert rejects(check_equal, "steps", (2, 2, 7), [2, 2, 7]).endswith("answer with a list")
    message = rejects(check_equal, "steps", [2, 2, 5], [2, 2, 7])
    assert message == "steps: entry 2 of [2, 2, 5]: got 5, too small"
    check_raises("e", ValueError("x is not in the graph"), ValueError, "not in the graph")
    rejects(check_raises, "e", TypeError("x"), ValueError, "x", match="expected a ValueError")
    rejects(check_raises, "e", ValueError("other"), ValueError, "not in the graph", match="should mention")


def test_check_function_reports_the_point_and_exceptions_from_the_answer() -> None:
    check_function("f", lambda x: 2 * x, lambda x: x + x, [[1.0], [2.5]])
    assert "f(2.5)" in rejects(
        check_function, "f", lambda x: 2 * x if x < 2 else 0.0, lambda x: x + x, [[1.0], [2.5]]
    )
    assert "raised ZeroDivisionError" in rejects(check_function, "f", lambda x: 1 / 0, lambda x: x, [[1.0]])


def test_check_derivative_compares_with_the_engine() -> None:
    fn = lambda x: x**3 / (1 + x**2)
    check_derivative("fp", lambda x: (x**4 + 3 * x**2) / (1 + x**2) ** 2, fn, [2.0, -1.0])
    rejects(check_derivative, "fp", lambda x: 3 * x**2 / (2 * x), fn, [2.0], match=r"fp\(2\)")


def test_check_value_function_compares_values_gradients_and_forbidden_ops() -> None:
    neuron = lambda a, b: (a * b + 1).tanh()

    def via_exp(a: Value, b: Value) -> Value:
        e = (2 * (a * b + 1)).exp()
        return (e - 1) / (e + 1)

    check_value_function("n", via_exp, neuron, [[0.5, -1.0]], forbidden_ops=["tanh"])
    rejects(
        check_value_function, "n", neuron, neuron, [[0.5, -1.0]], forbidden_ops=["tanh"], match="uses tanh"
    )
    wrong = lambda a, b: (a * b + 1).tanh() * 1.01
    rejects(check_value_function, "n", wrong, neuron, [[0.5, -1.0]], match=r"n\(0.5, -1\)")
    same_value_wrong_grad = lambda a, b: (a.data * b + 1).tanh()
    rejects(check_value_function, "n", same_value_wrong_grad, neuron, [[0.5, -1.0]], match="d n / d input 0")


def test_check_derivatives_catches_a_rule_that_loses_the_graph() -> None:
    good = define_op("test_ex_sin", lambda m, x, _: m.sin(x), lambda m, x, _, out: (m.cos(x),))
    flat = define_op("test_ex_sin_math", lambda m, x, _: m.sin(x), lambda m, x, _, out: (math.cos(x),))
    sin_derivatives = [math.cos, lambda x: -math.sin(x)]
    check_derivatives("s", good, sin_derivatives, [0.5, -2.0])
    rejects(check_derivatives, "s", flat, sin_derivatives, [0.5], match="RuleEscapesGraphError")


def test_check_derivatives_catches_a_first_derivative_right_only_up_to_its_sign() -> None:
    """Notebook 6 ex4: sqrt(1 - out^2) is |cos|, wrong at x = -2, though its second derivative is right."""
    from_output = define_op(
        "test_ex_sin_from_out", lambda m, x, _: m.sin(x), lambda m, x, _, out: (m.sqrt(1 - out * out),)
    )
    sin_derivatives = [math.cos, lambda x: -math.sin(x)]
    assert nth_derivative(from_output, -2.0, 2) == pytest.approx(math.sin(2.0))  # order 2 alone: fooled
    points = [0.5, 1.0, -2.0]
    rejects(check_derivatives, "s", from_output, sin_derivatives, points, match="order 1 of s at -2")


NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_notebook_until(name: str, answer_marker: str) -> tuple[dict[str, Any], str]:
    """Run notebook `name`'s code cells, solutions in place, up to the answer cell holding
    answer_marker; returns the namespace and that cell's solved code, for a test to vary it."""
    jupytext = pytest.importorskip("jupytext")
    namespace: dict[str, Any] = {}
    for cell in jupytext.read(NOTEBOOKS / name).cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(line for line in cell.source.splitlines() if "SOLUTION" not in line)
        if answer_marker in code:
            return namespace, code
        exec(compile(code, name, "exec"), namespace)
    raise AssertionError(f"{name} has no answer cell holding {answer_marker!r}")


# ---- notebook 0: the learner's Value ------------------------------------------------------------


class Mine:
    """A right answer to notebook 0's four steps."""

    def __init__(
        self, data: float, parents: tuple[Any, ...] = (), local_grads: tuple[float, ...] = ()
    ) -> None:
        self.data, self.grad, self.parents, self.local_grads = float(data), 0.0, parents, local_grads

    def _wrap(self, other: Any) -> Mine:
        return other if isinstance(other, Mine) else type(self)(other)

    def __add__(self, other: Any) -> Mine:
        other = self._wrap(other)
        return type(self)(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other: Any) -> Mine:
        other = self._wrap(other)
        return type(self)(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k: float) -> Mine:
        return type(self)(self.data**k, (self,), (k * self.data ** (k - 1),))

    def tanh(self) -> Mine:
        t = math.tanh(self.data)
        return type(self)(t, (self,), (1 - t * t,))

    def exp(self) -> Mine:
        e = math.exp(self.data)
        return type(self)(e, (self,), (e,))

    def sigmoid(self) -> Mine:
        s = 1 / (1 + math.exp(-self.data))
        return type(self)(s, (self,), (s * (1 - s),))

    def __neg__(self) -> Mine:
        return self * -1.0

    def __sub__(self, other: Any) -> Mine:
        return self + (-self._wrap(other))

    def __truediv__(self, other: Any) -> Mine:
        return self * self._wrap(other) ** -1

    def __radd__(self, other: Any) -> Mine:
        return self + other

    def __rmul__(self, other: Any) -> Mine:
        return self * other

    def __rsub__(self, other: Any) -> Mine:
        return (-self) + other

    def __rtruediv__(self, other: Any) -> Mine:
        return type(self)(other) / self

    def backward(self) -> None:
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad


def topological_order(root: Any) -> list[Any]:
    order: list[Any] = []
    visited: set[int] = set()

    def visit(node: Any) -> None:
        if id(node) not in visited:
            visited.add(id(node))
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


class SwappedMul(Mine):
    """A classic slip: each factor given its own value as local derivative instead of the other's."""

    def __mul__(self, other: Any) -> Mine:
        other = self._wrap(other)
        return type(self)(self.data * other.data, (self, other), (self.data, other.data))


class WrongTanh(Mine):
    def tanh(self) -> Mine:
        t = math.tanh(self.data)
        return type(self)(t, (self,), (1 - self.data**2,))


class Overwrites(Mine):
    """backward() that sets a parent's grad instead of adding to it."""

    def backward(self) -> None:
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad = local * node.grad


class NoGrad:
    def __init__(
        self, data: float, parents: tuple[Any, ...] = (), local_grads: tuple[float, ...] = ()
    ) -> None:
        self.data = float(data)


def test_a_right_value_passes_every_step() -> None:
    check_value_basics(Mine)
    check_operations(Mine)
    check_topological_sort(topological_order, Mine)
    check_backward(Mine)
    check_new_operation(Mine, "sigmoid", [-2.0, 0.0, 3.0])


def test_step_1_names_the_missing_attribute_and_the_wrong_local_derivative() -> None:
    rejects(check_value_basics, NoGrad, match="no attribute 'grad'")
    message = rejects(check_value_basics, SwappedMul)
    assert "a * b: local derivative with respect to leaf a" in message and "-3" not in message


def test_step_2_names_the_wrong_operation() -> None:
    assert "a.tanh(): local derivative" in rejects(check_operations, WrongTanh)


def test_step_3_rejects_duplicates_missing_nodes_and_bad_order() -> None:
    def no_visited_set(root: Any) -> list[Any]:
        order: list[Any] = []

        def visit(node: Any) -> None:
            for parent in node.parents:
                visit(parent)
            order.append(node)

        visit(root)
        return order

    def parents_after(root: Any) -> list[Any]:
        return list(reversed(topological_order(root)))

    rejects(check_topological_sort, no_visited_set, Mine, match="listed twice")
    rejects(check_topological_sort, lambda root: topological_order(root)[1:], Mine, match="missing")
    rejects(check_topological_sort, parents_after, Mine, match="before its parent")


def test_step_4_names_the_node_whose_gradient_is_wrong() -> None:
    message = rejects(check_backward, Overwrites)
    assert "grad after backward()" in message and "got" in message and "too" in message
    rejects(check_backward, SwappedMul, match="data|local|grad")


def test_new_operation_needs_the_method_and_its_derivative() -> None:
    rejects(check_new_operation, Mine, "relu", [1.0], match="no method 'relu'")

    class WrongSigmoid(Mine):
        def sigmoid(self) -> Mine:
            s = 1 / (1 + math.exp(-self.data))
            return type(self)(s, (self,), (s,))

    rejects(check_new_operation, WrongSigmoid, "sigmoid", [0.5], match="local derivative")


# ---- notebook 1 ---------------------------------------------------------------------------------


def labelled_neuron() -> tuple[Value, dict[str, Value]]:
    x1, w1, b = Value(2.0, label="x1"), Value(-3.0, label="w1"), Value(6.5, label="b")
    xw = x1 * w1
    xw.label = "x1*w1"
    n = xw + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, {"x1": x1, "w1": w1, "b": b, "xw": xw, "n": n, "o": o}


def test_check_manual_grads_names_the_first_wrong_node_from_the_output() -> None:
    o, v = labelled_neuron()
    v["o"].grad = 1.0
    v["n"].grad = 1 - o.data**2
    v["xw"].grad = v["b"].grad = v["n"].grad
    v["w1"].grad = v["x1"].data * v["xw"].grad
    v["x1"].grad = v["x1"].data * v["xw"].grad  # wrong: should be w1 times the gradient
    message = rejects(check_manual_grads, o)
    assert message.startswith("'x1': .grad is 1.5729") and "too large" in message and "-2.359" not in message
    assert "*the other* input" in message
    v["x1"].grad = v["w1"].data * v["xw"].grad
    check_manual_grads(o)
    v["n"].grad = 0.0
    assert "'n'" in rejects(check_manual_grads, o) and "still 0" in rejects(check_manual_grads, o)


def test_check_backward_from_scratch_catches_accumulation() -> None:
    def reset_then_backward(root: Value) -> None:
        for node in backward_order(root):
            node.grad = 0.0
        root.backward()

    check_backward_from_scratch(reset_then_backward)
    assert "after the second call" in rejects(check_backward_from_scratch, lambda root: root.backward())


@pytest.mark.parametrize(
    ("right", "wrong"),
    [
        ("x2.grad = w2.data * x2w2.grad", "x2.grad = x2w2.grad"),
        ("w2.grad = x2.data * x2w2.grad", "w2.grad = x2.data"),
        ("w2.grad = x2.data * x2w2.grad", "w2.grad = x2w2.grad"),
        ("x1.grad = w1.data * x1w1.grad", "x1.grad = x1.data * x1w1.grad"),
    ],
    ids=["x2 as if by a +", "w2 without the gradient", "w2 as if by a +", "x1 times itself"],
)
def test_notebook_1_numbers_tell_the_rules_apart(right: str, wrong: str, monkeypatch: Any) -> None:
    """Notebook 1's neuron has no input 0 or 1 where a wrong rule would give the right gradient."""
    monkeypatch.setenv("AUTOGRAD_TINY_HEADLESS", "1")
    namespace, answer = run_notebook_until("01_derivatives_and_chain_rule.py", "o.grad = 1.0")
    assert right in answer
    exec(answer.replace(right, wrong), namespace)
    rejects(check_manual_grads, namespace["o"], match="too (large|small)")
    exec(answer, namespace)
    check_manual_grads(namespace["o"])


def test_check_saturated_neuron() -> None:
    check_saturated_neuron({"x1": 1.0, "x2": 0.0, "w1": 10.0, "w2": 0.0, "b": 0.0})
    rejects(check_saturated_neuron, {"x1": 1.0, "x2": 0.0, "w1": 0.5, "w2": 0.0, "b": 0.0}, match="push |n|")
    rejects(check_saturated_neuron, {"x1": 0.0, "x2": 0.0, "w1": 0.5, "w2": 0.0, "b": 0.0}, match="trivially")
    rejects(check_saturated_neuron, {"x1": 1.0}, match="keys")


# ---- notebook 2 ---------------------------------------------------------------------------------

SIZES = [3, 4, 2]


def network(seed: int = 0) -> tuple[list[list[list[float]]], list[float], list[float]]:
    rng = random.Random(seed)
    W = [[[rng.uniform(-1, 1) for _ in range(a)] for _ in range(b)] for a, b in itertools.pairwise(SIZES)]
    return W, [0.5, -1.2, 2.0], [1.0, 0.0]


CASES = [("sigmoid", "squared"), ("tanh", "squared"), ("relu", "squared"), ("sigmoid", "cross_entropy")]


@pytest.mark.parametrize(("activation", "cost"), CASES)
def test_layer_gradients_match_pytorch(activation: str, cost: str) -> None:
    torch = pytest.importorskip("torch")
    W, x, t = network()
    biases = [[0.1, -0.2, 0.3, 0.0], [0.05, -0.05]]
    deltas, weights, bias_grads = layer_gradients(W, x, t, biases=biases, activation=activation, cost=cost)
    Wt = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in W]
    bt = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    y = torch.tensor(x, dtype=torch.float64)
    pre = []
    for w, b in zip(Wt, bt):
        pre.append(w @ y + b)
        pre[-1].retain_grad()
        y = getattr(torch, activation)(pre[-1])
    target = torch.tensor(t, dtype=torch.float64)
    if cost == "squared":
        c = 0.5 * ((y - target) ** 2).sum()
    else:
        c = -(target * y.log() + (1 - target) * (1 - y).log()).sum()
    c.backward()
    for ours, theirs in zip(deltas, pre):
        assert ours == pytest.approx(theirs.grad.tolist(), rel=1e-12, abs=1e-15)
    for ours_w, w in zip(weights, Wt):
        assert [v for row in ours_w for v in row] == pytest.approx(
            w.grad.flatten().tolist(), rel=1e-12, abs=1e-15
        )
    for ours_b, b in zip(bias_grads, bt):
        assert ours_b == pytest.approx(b.grad.tolist(), rel=1e-12, abs=1e-15)


def test_check_backprop_names_the_wrong_part_and_index() -> None:
    W, x, t = network()
    deltas, weights, _ = layer_gradients(W, x, t)
    check_backprop("mine", (deltas, weights), W, x, t)
    forgot_f_prime = layer_gradients(W, x, t, cost="cross_entropy")
    assert rejects(check_backprop, "mine", forgot_f_prime[:2], W, x, t).startswith("mine: deltas")
    biases = [[0.1] * 4, [0.2] * 2]
    right = layer_gradients(W, x, t, biases=biases)
    check_backprop("b", right, W, x, t, biases=biases)
    wrong_bias = (right[0], right[1], [[0.0] * 4, right[2][1]])
    assert rejects(check_backprop, "b", wrong_bias, W, x, t, biases=biases).startswith("b: dc/db[0][0]")
    rejects(check_backprop, "b", (deltas,), W, x, t, match="expected \\(deltas, weight_grads\\)")
    check_backprop("lazy", lambda: (deltas, weights), W, x, t)
    unfinished = lambda: [d * None for d in deltas[0]]  # an answer that returned None
    rejects(check_backprop, "lazy", unfinished, W, x, t, match="still returning None")


def test_check_multiplication_counts() -> None:
    def counts(sizes: list[int]) -> tuple[int, int]:
        per = [a * b for a, b in itertools.pairwise(sizes)]
        return sum(per), sum(per) + sum(per[1:])

    check_multiplication_counts(counts)
    rejects(
        check_multiplication_counts, lambda sizes: (counts(sizes)[0], 2 * counts(sizes)[0]), match="backward"
    )


# ---- notebook 3 ---------------------------------------------------------------------------------


def notebook_3_graph() -> tuple[Value, Value, Value]:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    z = x * w + b
    return z.tanh() ** 2 + x, x, b


def test_frame_and_contribution_checks() -> None:
    L, _, b = notebook_3_graph()
    check_final_grad_frame(4, L, b)  # steps: L, **2, tanh, then z = x*w + b sends b its gradient
    assert rejects(check_final_grad_frame, 3, L, b).endswith("got 3, too small")
    assert rejects(check_final_grad_frame, 5, L, b).endswith("got 5, too large")
    x_twice = Value(0.5, label="x")
    L2 = (x_twice * 2).tanh() ** 2 + x_twice * x_twice
    check_contribution_steps([2, 2, 5], L2, x_twice)
    rejects(check_contribution_steps, [2, 5], L2, x_twice, match="once per contribution")
    rejects(check_contribution_steps, [1, 5], L2, x_twice, match="got 2 entries, too few")
    rejects(check_contribution_steps, [1, 2, 5], L2, x_twice, match="entry 0 of")


def test_check_depth_first_order_fails() -> None:
    a = Value(1.0)
    b = a * 2
    check_depth_first_order_fails(b * (b + 1))
    rejects(check_depth_first_order_fails, (Value(1.0) * 2).tanh(), match="still gives every gradient right")


def test_check_depth_first_order_fails_wants_a_wrong_gradient_not_only_an_early_visit() -> None:
    """Notebook 3 ex3: in (a*2)*(a*2) depth-first order reaches the leaf a early, yet a leaf passes
    nothing on, so every gradient comes out right: the check must not accept it."""
    a = Value(1.0)
    rejects(check_depth_first_order_fails, (a * 2) * (a * 2), match="cannot be a leaf")


def test_check_frame_count() -> None:
    check_frame_count(lambda width: 7 * width + 4)  # 5 nodes per hidden unit, 2 per input of the output
    rejects(check_frame_count, lambda width: 5 * width + 3, match=r"predicted_frames\(1\)")


# ---- notebooks 4 and 5 --------------------------------------------------------------------------


def test_check_classifier() -> None:
    X = [[-1.0], [-0.5], [0.5], [1.0]]
    y = [0, 0, 1, 1]
    check_classifier(lambda x: Value(x[0]), X, y, min_accuracy=1.0)
    rejects(check_classifier, lambda x: Value(-x[0]), X, y, min_accuracy=0.9, match="accuracy 0%")


def moons_model(loss: str) -> tuple[Any, Any, list[list[float]], list[int]]:
    """Notebook 4's network, data and training, with the given loss: the model, its history, X, y."""
    X, y = make_moons(n=100, noise=0.1, seed=0)
    X_train, _, y_train, _ = train_test_split(X, y, test_fraction=0.25, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = fit(
        model, X_train, y_train, optimizer, loss=loss, epochs=40, batch_size=25, seed=0, verbose=False
    )
    return model, history, X_train, y_train


def test_check_trained_with_loss_tells_the_hinge_model_from_the_bce_one() -> None:
    """Notebook 4 ex1: the hinge-trained model reads just as well by the bce rule; its history betrays it."""
    bce_model, bce_history, X, y = moons_model("bce")
    check_trained_with_loss(bce_model, bce_history, X, y, loss="bce")
    hinge_model, hinge_history, _, _ = moons_model("hinge")
    check_classifier(hinge_model, X, y, min_accuracy=0.9, loss="bce")  # accuracy alone is fooled
    rejects(check_trained_with_loss, hinge_model, hinge_history, X, y, loss="bce", match="trained with")
    rejects(check_trained_with_loss, bce_model, None, X, y, loss="bce", match="not answered yet")


def test_training_helper_checks() -> None:
    check_parameter_count(lambda nin, sizes: sum((a + 1) * b for a, b in zip([nin, *sizes], sizes)))
    rejects(check_parameter_count, lambda nin, sizes: sum(a * b for a, b in zip([nin, *sizes], sizes)))

    def first(acc: list[float], level: float) -> int | None:
        return next((k for k, a in enumerate(acc, 1) if a >= level), None)

    check_epochs_to_reach(first)
    rejects(
        check_epochs_to_reach, lambda acc, level: next((k for k, a in enumerate(acc) if a >= level), None)
    )
    check_l2_penalty(lambda params, alpha: alpha * sum(p * p for p in params))
    rejects(check_l2_penalty, lambda params, alpha: alpha * sum(abs(p) for p in params))


def test_check_softmax_needs_the_shift() -> None:
    def safe(zs: list[float]) -> list[float]:
        top = max(zs)
        e = [math.exp(z - top) for z in zs]
        return [v / sum(e) for v in e]

    def naive(zs: list[float]) -> list[float]:
        e = [math.exp(z) for z in zs]
        return [v / sum(e) for v in e]

    check_softmax(safe)
    rejects(check_softmax, naive, match="OverflowError")


def test_check_adam_first_step() -> None:
    check_adam_first_step(lambda g, lr: -lr * g / (abs(g) + 1e-8))
    rejects(check_adam_first_step, lambda g, lr: -lr * g, match="adam_first_step")


def test_check_softmax_squared_error() -> None:
    def right(zs: list[Value], t: int) -> Value:
        e = [z.exp() for z in zs]
        total = e[0] + e[1] + e[2]
        return sum(((v / total - (1.0 if j == t else 0.0)) ** 2 for j, v in enumerate(e)), Value(0.0))

    check_softmax_squared_error(right)

    def on_the_logits(zs: list[Value], t: int) -> Value:  # forgot the softmax
        return sum(((z - (1.0 if j == t else 0.0)) ** 2 for j, z in enumerate(zs)), Value(0.0))

    rejects(check_softmax_squared_error, on_the_logits)


def test_check_divergence_rule() -> None:
    check_divergence_rule(lambda lr, curvature: abs(1 - lr * curvature) > 1)
    rejects(check_divergence_rule, lambda lr, curvature: lr * curvature > 1, match="diverges")


@pytest.mark.parametrize(
    "wrong",
    [lambda lr, c: abs(1 - lr * c) >= 1, lambda lr, c: lr * c > 2],
    ids=["a factor of -1 counted as diverging", "right for positive curvature only"],
)
def test_check_divergence_rule_rejects_the_near_misses_of_notebook_5(wrong: Any) -> None:
    rejects(check_divergence_rule, wrong, match="not the right answer")


# ---- notebook 6 ---------------------------------------------------------------------------------

swish_reference = lambda x: x / (1 + math.exp(-x))


def test_check_unary_op_and_a_bug_hidden_at_one_point() -> None:
    def swish_local(m: Any, x: Any, _: Any, out: Any) -> tuple[Any]:
        s = m.sigmoid(x)
        return (s + x * s * (1 - s),)

    swish = define_op("test_ex_swish", lambda m, x, _: x * m.sigmoid(x), swish_local)
    swish_half = define_op(
        "test_ex_swish_half", lambda m, x, _: x * m.sigmoid(x), lambda m, x, _, out: (m.sigmoid(x),)
    )
    check_unary_op("swish", swish, swish_reference, [-3.0, 0.0, 2.0])
    rejects(check_unary_op, "swish", swish_half, swish_reference, [-3.0], match="d swish / dx at -3")
    check_wrong_only_away_from("half", swish_half, swish_reference, at=0.0)
    rejects(check_wrong_only_away_from, "swish", swish, swish_reference, at=0.0, match="right everywhere")
    scaled = define_op(
        "test_ex_swish_scaled", lambda m, x, _: x * m.sigmoid(x), lambda m, x, _, out: (2 * out,)
    )
    rejects(check_wrong_only_away_from, "scaled", scaled, swish_reference, at=0.0, match="should look right")


def test_check_kink_point() -> None:
    check_kink_point((2.0, -0.5))
    rejects(check_kink_point, (1.369, -1 / 1.369), match="not exactly 0")  # rounding leaves 1.1e-16
    rejects(check_kink_point, 3.0, match="pair")


def test_check_gradcheck_verdict() -> None:
    bad = define_op("test_ex_hypot_bad", lambda m, x, y: x + y, lambda m, x, y, out: (x / out, y / out))
    check_gradcheck_verdict(bad, True)
    rejects(check_gradcheck_verdict, bad, False, match="got False, not the right answer")
    rejects(check_gradcheck_verdict, bad, "yes", match="True or False")


def test_check_one_sided_difference() -> None:
    check_one_sided_difference(lambda f, x, eps: (f(x + eps) - f(x)) / eps)
    rejects(check_one_sided_difference, lambda f, x, eps: (f(x + eps) - f(x - eps)) / (2 * eps))


# ---- notebook 7 ---------------------------------------------------------------------------------


def quartic(x: Value) -> Value:
    return x**4 - 3 * x**2 + x


def newton(fn: Any, x0: float, steps: int) -> list[float]:
    path = [x0]
    for _ in range(steps):
        v = Value(path[-1])
        (slope,) = grad(fn(v), [v], create_graph=True)
        (curvature,) = grad(slope, [v])
        path.append(path[-1] - slope.data / curvature)
    return path


def test_check_stationary_point() -> None:
    end = newton(quartic, 0.4, 50)[-1]
    check_stationary_point(quartic, 0.4, end, "maximum")
    rejects(check_stationary_point, quartic, 0.4, end, "minimum", match="got 'minimum', not the right")
    rejects(check_stationary_point, quartic, 0.4, 1.13, "maximum", match="where Newton's method")


def test_check_finds_minimum() -> None:
    def safe(fn: Any, x0: float, steps: int) -> list[float]:
        path = [x0]
        for _ in range(steps):
            v = Value(path[-1])
            (slope,) = grad(fn(v), [v], create_graph=True)
            (curvature,) = grad(slope, [v])
            path.append(path[-1] - (slope.data / curvature if curvature > 0 else 0.02 * slope.data))
        return path

    check_finds_minimum(safe, quartic, [0.4, -2.0])
    rejects(check_finds_minimum, newton, quartic, [0.4], match="not a minimum")


def test_check_descent_path() -> None:
    bowl = lambda p: (p[0] - 1) ** 2 + (p[1] - 1) ** 2
    check_descent_path([[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]], bowl, [1.0, 1.0])
    rejects(check_descent_path, [[0.0, 0.0], [2.5, 2.5], [1.0, 1.0]], bowl, [1.0, 1.0], match="step 1")
    rejects(check_descent_path, [[0.0, 0.0], [0.5, 0.5]], bowl, [1.0, 1.0], match="more steps")


# ---- notebook 8 ---------------------------------------------------------------------------------


def test_check_replay_goes_stale() -> None:
    def with_if(score: Value, y: float) -> Value:
        margin = 1 - y * score
        return margin if margin.data > 0 else margin * 0.0

    check_replay_goes_stale(with_if)
    rejects(check_replay_goes_stale, lambda score, y: (1 - y * score).relu(), match="not a Python `if`")
    rejects(check_replay_goes_stale, lambda score, y: 1 - y * score, match="hinge_with_if")


def test_check_break_even() -> None:
    check_break_even(lambda c, e, r: math.ceil(c / (e - r)) if e > r else math.inf)
    rejects(check_break_even, lambda c, e, r: c / e, match="steps_to_pay_off")


def small_replay() -> tuple[Any, list[float], list[list[float]]]:
    """A replay of a small network's loss over 40 rows, as notebook 10 replays the digits."""
    model = MLP(3, [4, 1], seed=0)
    leaves = [Value(0.0) for _ in range(4)]
    loss = (model(leaves[:3]) - leaves[3]) ** 2
    params = model.parameters()
    rng = random.Random(0)
    rows = [[rng.uniform(-1, 1) for _ in range(4)] for _ in range(40)]
    return compile_replay(loss, params, leaves), [p.data for p in params], rows


def test_check_grads_apart_refuses_zero_and_a_run_against_itself() -> None:
    """Notebook 10 ex1: the outputs of the two runs agree exactly, so the exercise asks about gradients."""
    pytest.importorskip("numpy")
    replay, weights, rows = small_replay()
    by_rows, by_arrays = replay(weights, rows).grads, replay.batched(weights, rows).grads
    apart = max(abs(a - b) for a, b in zip(by_rows, by_arrays))
    assert apart > 0.0
    check_grads_apart(apart, replay, weights, rows)
    same_run = max(abs(a - b) for a, b in zip(by_rows, replay(weights, rows).grads))
    rejects(check_grads_apart, same_run, replay, weights, rows, match="not a run with itself")
    rejects(check_grads_apart, 0, replay, weights, rows, match="got 0")
    rejects(check_grads_apart, 2 * apart, replay, weights, rows, match="too large")
