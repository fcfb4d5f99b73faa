"""Trust, round three (issue 20): the engine's silent wrong answers that were left, each pinned here.

Every test failed on the engine before its fix. PyTorch (float64) is the oracle where it has the case.
"""

from __future__ import annotations

import copy
import math
import pickle
import sys
import threading
from collections.abc import Callable
from contextlib import nullcontext

import pytest

import autograd_tiny
from autograd_tiny import (
    Value,
    compile_graph,
    define_op,
    detect_anomaly,
    enable_grad,
    grad,
    gradcheck,
    hessian,
    is_grad_enabled,
    jacobian,
    jvp,
    no_grad,
)
from autograd_tiny.floatmath import FloatMath

# ---- 1. a decorator shared by threads keeps each thread's grad mode -----------------------------


@pytest.mark.parametrize("block", [no_grad, enable_grad])
def test_a_decorated_function_entered_by_two_threads_leaves_each_threads_mode_as_it_was(
    block: Callable[[], object],
) -> None:
    shared = block()
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    @shared  # type: ignore[operator]
    def step(wait: Callable[[], None]) -> None:
        wait()

    def thread_a() -> None:  # enters first with grad off, leaves first
        with no_grad():
            step(lambda: (a_inside.set(), b_inside.wait(5)))
            seen["a"] = is_grad_enabled()
        a_left.set()

    def thread_b() -> None:  # enters second with grad on, leaves last; then trains
        a_inside.wait(5)
        step(lambda: (b_inside.set(), a_left.wait(5)))
        seen["b"] = is_grad_enabled()
        w = Value(2.0)
        (w * 9.0).backward()
        seen["w.grad"] = w.grad

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"a": False, "b": True, "w.grad": 9.0}


# ---- 2. the functional API differentiates inside no_grad(), as PyTorch's does ---------------------


def cubic(v: list[Value]) -> Value:
    return v[0] * v[0] * v[1]


def test_hessian_jacobian_and_jvp_give_the_true_numbers_inside_no_grad() -> None:
    outside = (hessian(cubic, [1.0, 2.0]), jacobian(cubic, [1.0, 2.0]),
               jacobian(cubic, [1.0, 2.0], mode="fwd"), jvp(cubic, [1.0, 2.0], [1.0, 0.0]))  # fmt: skip
    assert outside == ([[4.0, 2.0], [2.0, 0.0]], [[4.0, 1.0]], [[4.0, 1.0]], (2.0, 4.0))
    with no_grad():
        inside = (hessian(cubic, [1.0, 2.0]), jacobian(cubic, [1.0, 2.0]),
                  jacobian(cubic, [1.0, 2.0], mode="fwd"), jvp(cubic, [1.0, 2.0], [1.0, 0.0]))  # fmt: skip
        assert not is_grad_enabled()
    assert inside == outside


def test_gradcheck_inside_no_grad_checks_the_gradient_instead_of_blaming_it() -> None:
    with no_grad():
        assert gradcheck(lambda x, y: x * y.tanh(), [0.3, -0.7])
        assert not is_grad_enabled()


# ---- 6. detect_anomaly names a node whose gradient overflows as finite contributions add up -------


def test_detect_anomaly_catches_finite_contributions_that_add_up_to_inf() -> None:
    with detect_anomaly():
        a = Value(1.0, label="a")
        total = a * 1e308 + a * 1e308  # a's gradient: 1e308 + 1e308
        with pytest.raises(FloatingPointError, match=r"(?s)backward: .*'a'.*1e\+308.*inf"):
            total.backward()
        with pytest.raises(FloatingPointError, match=r"(?s)grad: .*'a'.*inf"):
            grad(total, [a])
    assert a.grad == 0.0  # the failed walk left nothing behind


# ---- 12. subclasses keep their own attributes through pickle, copy and deepcopy -------------------


class Param(Value):
    """A Value subclass with attributes of its own, as users write them."""


def test_subclass_attributes_survive_pickle_copy_and_deepcopy() -> None:
    p = Param(1.5, label="w")
    p.trainable = False  # type: ignore[attr-defined]
    graph = p * 2.0 + p
    for copied in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):
        assert type(copied) is Param and copied.trainable is False  # type: ignore[attr-defined]
        assert (copied.data, copied.label) == (1.5, "w")
    leaf = next(v for v in copy.deepcopy(graph).parents[1:])
    assert type(leaf) is Param and leaf.trainable is False  # type: ignore[attr-defined]
    unpickled = pickle.loads(pickle.dumps(graph))
    assert unpickled.parents[1].trainable is False  # type: ignore[attr-defined]


# ---- 13. the compiled function follows the number rule -----------------------------------------------


def test_a_compiled_graph_refuses_what_eager_refuses_and_rounds_ints_as_eager_does() -> None:
    x, y = Value(1.0), Value(1.0)
    f = compile_graph(x * y, [x, y])
    assert f([2**60 + 1, 1]) == (float(2**60 + 1), [1.0, float(2**60 + 1)])
    assert type(f([2**60 + 1, 1])[0]) is float
    for bad in (True, "2", None):
        with pytest.raises(TypeError, match=r"compiled graph: input 0"):
            f([bad, 1.0])
    with pytest.raises(OverflowError, match=r"compiled graph: input 0"):
        f([10**400, 1.0])


# ---- 14. builtin abs in a user rule compiles --------------------------------------------------------


def test_a_user_rule_written_with_builtin_abs_compiles_and_replays() -> None:
    softabs = define_op("softabs_builtin", lambda m, x, _: abs(x) + x * x, lambda m, x, _, out: (
        (1.0 if x > 0 else -1.0) + 2.0 * x,))  # fmt: skip
    try:
        x = Value(0.5)
        f = compile_graph(softabs(x), [x])
        assert f([-2.0]) == (6.0, [-5.0])
    finally:
        del autograd_tiny.RULES["softabs_builtin"]


# ---- 15. ints too large for a float: OverflowError naming the operation, everywhere ---------------


@pytest.mark.parametrize(
    ("where", "call"),
    [
        ("Value()", lambda: Value(10**400)),
        ("*", lambda: Value(1.0) * 10**400),
        ("+", lambda: 10**400 + Value(1.0)),
        ("**", lambda: Value(1.0) ** 10**400),
        ("backward: gradient", lambda: Value(1.0).backward(10**400)),
    ],
)
def test_an_int_too_large_for_a_float_is_an_overflow_error_naming_the_operation(
    where: str, call: Callable[[], object]
) -> None:
    with pytest.raises(OverflowError, match=rf"^{__import__('re').escape(where)}: .*too large for a float"):
        call()


# ---- 17. a label must be text -----------------------------------------------------------------------


def test_a_label_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Value\(\): label must be a string, got int: 3"):
        Value(1.0, label=3)  # type: ignore[arg-type]


# ---- 18. the n-ary sum adds left to right on every Python ----------------------------------------------


def test_the_n_ary_sum_adds_left_to_right_like_a_chain_of_plus() -> None:
    values = [0.1] * 10 + [1e16, 1.0, -1e16]
    chain = 0.0
    for v in values:
        chain += v
    assert FloatMath.sum(values) == chain == 0.0  # a compensated sum (builtin sum on 3.12+) gives 2.0
    assert autograd_tiny.sum([Value(v) for v in values]).data == chain
    assert sys.version_info >= (3, 10)


# ---- 16. forward and reverse mode at an infinite local derivative: as PyTorch's -----------------------


def test_forward_and_reverse_jacobians_differ_at_an_infinite_slope_as_pytorchs_do() -> None:
    torch = pytest.importorskip("torch")
    fn = lambda v: v[0].sqrt() + v[1]
    fwd, rev = jacobian(fn, [0.0, 1.0], mode="fwd"), jacobian(fn, [0.0, 1.0], mode="rev")
    assert fwd[0][0] == rev[0][0] == math.inf and math.isnan(fwd[0][1]) and rev[0][1] == 1.0
    point = torch.tensor([0.0, 1.0], dtype=torch.float64)
    torch_fwd = torch.func.jacfwd(lambda v: v[0].sqrt() + v[1])(point).tolist()
    torch_rev = torch.func.jacrev(lambda v: v[0].sqrt() + v[1])(point).tolist()
    assert torch_fwd[0] == math.inf and math.isnan(torch_fwd[1]) and torch_rev == [math.inf, 1.0]


# ---- 4. a gradient graph keeps relu's and abs's kinks as branches, so it compiles and replays right ----


def test_a_compiled_gradient_graph_takes_relu_and_abs_branches_at_replay_time() -> None:
    f = lambda x: x.relu() * x + 3.0 * abs(x)
    x = Value(1.0)  # recorded on the positive side: f' = 2x + 3 = 5, f'' = 2
    (first,) = grad(f(x), [x], create_graph=True)
    replay = compile_graph(first, [x])
    for point, want in ([1.0, (5.0, [2.0])], [-1.0, (-3.0, [0.0])], [0.0, (0.0, [0.0])], [2.5, (8.0, [2.0])]):
        assert replay([point]) == want
        at = Value(point)
        (eager,) = grad(f(at), [at], create_graph=True)
        assert (eager.data, list(grad(eager, [at], materialize_grads=True))) == want


def test_a_gradient_graph_whose_rule_chose_a_case_by_value_is_refused_by_compile() -> None:
    """x ** y with y a Value: d/dx is held at 0 where y = 0, d/dy is nan where x < 0. grad(create_graph)
    takes the case of the recorded point; compiled and replayed at a point in another case it gave
    d/dx = 0 * inf = nan instead of 0, or a ZeroDivisionError where eager gives 0."""
    for recorded in ([2.0, 3.0], [-2.0, 3.0], [0.0, 2.0], [2.0, 0.0]):
        x, y = Value(recorded[0]), Value(recorded[1])
        for first in grad(x**y, [x, y], create_graph=True):
            with pytest.raises(ValueError, match=r"compile_graph: .*case its rule chose at the recorded"):
                compile_graph(first, [x, y])
    x, y = Value(2.0), Value(3.0)
    assert compile_graph(x**y, [x, y])([0.0, 0.0]) == (1.0, [0.0, 0.0])  # the function itself still compiles


def test_a_user_rule_choosing_a_case_by_value_differentiates_but_its_gradient_graph_cannot_compile() -> None:
    leaky = define_op(
        "trust_leaky_relu",
        lambda m, x, _: m.relu(x) - 0.1 * m.relu(-x),
        lambda m, x, _, out: (1.0 if x > 0 else 0.1,),  # a case chosen by x's value
    )
    try:
        for x0, slope in ((2.0, 1.0), (-2.0, 0.1)):
            x = Value(x0)
            (first,) = grad(leaky(x), [x], create_graph=True)
            assert first.data == slope and grad(first, [x], materialize_grads=True) == (0.0,)
            with pytest.raises(ValueError, match="case its rule chose"):
                compile_graph(first, [x])
    finally:
        del autograd_tiny.RULES["trust_leaky_relu"]
        autograd_tiny.ops.USER_OPS.discard("trust_leaky_relu")


# ---- 5. relu masks an infinite gradient from above (PyTorch's threshold_backward), in every path --------


def torch_grads(fn: Callable[[object], object], x0: float) -> tuple[float, float]:
    """PyTorch float64's first and second derivative of fn at x0."""
    torch = pytest.importorskip("torch")
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(fn(x), x, create_graph=True)
    (second,) = torch.autograd.grad(first, x, materialize_grads=True, allow_unused=True)
    return first.item(), second.item()


def test_relu_masks_an_infinite_gradient_from_above_as_pytorch_does() -> None:
    sqrt_relu = lambda x: x.relu().sqrt()
    relu_15 = lambda x: x.relu() ** 1.5
    for x0 in (-1.0, 0.0):
        x = Value(x0)
        sqrt_relu(x).backward()
        assert x.grad == torch_grads(sqrt_relu, x0)[0] == 0.0
        assert grad(sqrt_relu(Value(x0)), [Value(x0)], allow_unused=True) == (None,)
    for x0 in (-2.0, 0.0):  # second derivatives: the pole of sqrt's derivative at 0 is masked too
        assert hessian(lambda v: relu_15(v[0]), [x0]) == [[torch_grads(relu_15, x0)[1]]] == [[0.0]]
        assert hessian(lambda v: sqrt_relu(v[0]), [x0]) == [[torch_grads(sqrt_relu, x0)[1]]] == [[0.0]]
    x = Value(1.0)  # compiled and replayed, recorded where relu is on
    assert compile_graph(sqrt_relu(x), [x])([-1.0]) == (0.0, [0.0])
    (first,) = grad(relu_15(x), [x], create_graph=True)
    assert compile_graph(first, [x])([-2.0]) == (0.0, [0.0])
    w, s = Value(1.0), Value(1.0)
    replay = autograd_tiny.compile_replay(sqrt_relu(w * s), [w], [s])
    rows = [[-1.0], [0.0], [2.0]]
    assert replay([1.0], rows).grads == pytest.approx(replay.batched([1.0], rows).grads, rel=1e-15)
    assert replay([1.0], rows).grads == pytest.approx([0.5**0.5], rel=1e-15)  # the row at 2 alone


def test_an_ordinary_zero_still_multiplies_as_ieee_says() -> None:
    x, y = Value(0.0), Value(0.0)
    (x * y.sqrt()).backward()  # d/dy = x * inf = 0 * inf: nan, in PyTorch too
    assert math.isnan(y.grad) and x.grad == 0.0
    a = Value(0.0)
    abs(a).sqrt().backward()  # abs'(0) = 0 does not mask in PyTorch either
    assert math.isnan(a.grad) and math.isnan(torch_grads(lambda t: t.abs().sqrt(), 0.0)[0])


# ---- 3. fit trains inside no_grad(), eagerly and by replay, with the numbers it has outside ---------


@pytest.mark.parametrize("compiled", [False, True])
def test_fit_inside_no_grad_trains_as_it_does_outside(compiled: bool) -> None:
    from autograd_tiny import nn, optim
    from autograd_tiny.data import make_moons
    from autograd_tiny.train import fit

    X, y = make_moons(n=20, noise=0.1, seed=3)
    histories, weights = [], []
    for block in (nullcontext, no_grad):
        model = nn.MLP(2, [4, 1], seed=3)
        with block():
            history = fit(model, X, y, optim.SGD(model.parameters(), lr=0.1), epochs=3, verbose=False,
                          compile=compiled)  # fmt: skip
        histories.append(history.loss)
        weights.append([p.data for p in model.parameters()])
    assert histories[0] == histories[1] and histories[0][-1] < histories[0][0]
    assert weights[0] == weights[1]


# ---- 17. a negative base to a fraction is nan in every replay, however large the base ----------------


def test_a_huge_negative_base_to_a_fraction_is_nan_per_row_and_batched_alike() -> None:
    assert math.isnan(FloatMath.pow(-1e300, 2.5)) and FloatMath.pow(-1e300, 3.0) == -math.inf
    w, s = Value(2.0), Value(1.0)
    replay = autograd_tiny.compile_replay((w * s) ** 2.5, [w], [s])
    assert math.isnan(replay([1.0], [[-1e300]]).outputs[0])
    assert math.isnan(replay.batched([1.0], [[-1e300]]).outputs[0])
