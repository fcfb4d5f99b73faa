"""The MLP: micrograd's numbers, names, scopes, the delta rules of backpropagation, and errors."""

import math
import random

import pytest

from autograd_tiny import Value
from autograd_tiny.losses import half_squared_error, hinge_loss, l2_penalty
from autograd_tiny.nn import MLP, Layer, Neuron
from autograd_tiny.scopes import record_scopes


def test_same_seed_same_weights_as_micrograd_and_same_training_step():
    micrograd_nn = pytest.importorskip("micrograd.nn")
    from micrograd.engine import Value as MicroValue

    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]

    # Perturb the zero biases so every path through the ReLUs matters, identically in both.
    for i, (p, q) in enumerate(zip(ours.parameters(), theirs.parameters())):
        p.data = q.data = q.data + 0.01 * math.sin(i)
    X = [[0.5, -0.2], [-1.0, 0.7], [1.5, 0.3], [0.1, 0.9]]
    y = [1, -1, 1, -1]

    scores = [theirs(list(map(MicroValue, x))) for x in X]
    loss = sum((1 + -t * s).relu() for t, s in zip(y, scores)) * (1.0 / len(y))
    loss = loss + 1e-4 * sum(p * p for p in theirs.parameters())
    theirs.zero_grad()
    loss.backward()

    our_loss = hinge_loss([ours(x) for x in X], y) + l2_penalty(ours.parameters(), 1e-4)
    ours.zero_grad()
    our_loss.backward()

    assert our_loss.data == pytest.approx(loss.data, abs=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert p.grad == pytest.approx(q.grad, abs=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        p.data -= 0.5 * p.grad
        q.data -= 0.5 * q.grad
    for x in X:
        assert ours(x).data == pytest.approx(theirs(list(map(MicroValue, x))).data, abs=1e-12)


def test_seed_makes_initialisation_reproducible_and_default_follows_global_random():
    assert MLP(3, [4, 2], seed=7).state_dict() == MLP(3, [4, 2], seed=7).state_dict()
    assert MLP(3, [4, 2], seed=7).state_dict() != MLP(3, [4, 2], seed=8).state_dict()
    assert MLP(3, [4, 2], seed=random.Random(7)).state_dict() == MLP(3, [4, 2], seed=7).state_dict()
    random.seed(5)
    a = MLP(3, [4, 2]).state_dict()
    random.seed(5)
    assert MLP(3, [4, 2]).state_dict() == a
    assert all(-1 <= w <= 1 for w in a.values())
    assert all(v == 0 for name, v in a.items() if name.endswith(".b"))


def test_names_follow_the_module_tree_in_micrograd_order():
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == len(model.parameters()) == (2 + 1) * 3 + (3 + 1) * 1
    assert names[:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
                         "layers.0.neurons.1.w.0"]  # fmt: skip
    assert names[-1] == "layers.1.neurons.0.b"
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert [n for n, _ in Neuron(2, seed=0).named_parameters()] == ["w.0", "w.1", "b"]
    layer_names = [n for n, _ in Layer(1, 2, seed=0).named_parameters()]
    assert layer_names == ["neurons.0.w.0", "neurons.0.b", "neurons.1.w.0", "neurons.1.b"]


def test_output_is_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [4, 3], seed=0)([Value(1.0), 2])
    assert isinstance(out, list) and len(out) == 3 and all(isinstance(v, Value) for v in out)
    # A hidden layer of width 1 still feeds the next layer (micrograd's Layer would hand it a bare Value).
    assert isinstance(MLP(2, [1, 2], seed=0)([1.0, 2.0]), list)
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_hidden_activation_is_applied_and_the_output_layer_stays_linear(activation):
    model = MLP(2, [3, 1], activation=activation, seed=1)
    x = [0.4, -0.8]
    hidden = [sum(w.data * v for w, v in zip(n.w, x)) + n.b.data for n in model.layers[0].neurons]
    f = {"relu": lambda z: max(z, 0.0), "tanh": math.tanh, "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
         "linear": lambda z: z}[activation]  # fmt: skip
    top = model.layers[1].neurons[0]
    expected = sum(w.data * f(h) for w, h in zip(top.w, hidden)) + top.b.data
    assert model(x).data == pytest.approx(expected, abs=1e-12)
    assert MLP(2, [3, 1], output_activation="sigmoid", seed=1)(x).op == "sigmoid"


def test_micrograd_nonlin_flag_makes_a_linear_neuron():
    assert Neuron(3, nonlin=False, seed=0).activation == "linear"
    assert Layer(3, 2, nonlin=False, seed=0).activation == "linear"


def test_forward_builds_one_multiply_per_weight_and_one_sum_with_micrograds_numbers():
    from autograd_tiny import backward_order

    neuron = Neuron(3, seed=0)
    neuron.b.data = 0.125
    out = neuron([1.0, 2.0, 3.0])
    ops = [v.op for v in backward_order(out)]
    assert ops.count("sum") == 1 and len(ops) == 1 + 1 + 3 + 4  # relu, sum, multiplies, w0..w2 and b
    chain = neuron.b.data + neuron.w[0].data * 1.0 + neuron.w[1].data * 2.0 + neuron.w[2].data * 3.0
    assert out.parents[0].data == chain  # added in micrograd's order: the same float to the last bit


def test_zero_grad_clears_every_gradient():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_forward_runs_inside_scopes_named_like_the_parameters():
    model = MLP(2, [3, 2], seed=0)
    with record_scopes() as scopes:
        out = model([1.0, 2.0])
    names = [s.name for s in scopes]
    assert names[-1] == "MLP"
    assert {"layers.0", "layers.1", "layers.0.neurons.2", "layers.1.neurons.1"} <= set(names)
    neuron = next(s for s in scopes if s.name == "layers.1.neurons.1")
    assert out[1] in neuron and out[0] not in neuron
    assert all(out[1] in s for s in scopes if s.name in ("layers.1", "MLP"))
    with record_scopes() as scopes:
        Layer(2, 2, seed=0)([1.0, 2.0])
    assert [s.name for s in scopes] == ["neurons.0", "neurons.1", "Layer"]


def test_gradients_of_a_sigmoid_mlp_are_the_delta_rules_of_the_derivation():
    """c = 1/2 |y_N - t|^2, y_n = f(x_n), x_{n+1} = w_n y_n + b_n with f the sigmoid on every layer:
    delta_N = (y_N - t) f'(x_N), delta_n = f'(x_n) (w_n^T delta_{n+1}), dc/dw_n = delta_{n+1} y_n^T."""
    model = MLP(3, [4, 3, 2], activation="sigmoid", output_activation="sigmoid", seed=3)
    for i, p in enumerate(model.parameters()):  # non-zero biases, so they are tested too
        p.data += 0.1 * math.cos(i)
    inputs, target = [0.5, -1.2, 0.8], [0.3, 0.9]
    half_squared_error(model(inputs), target).backward()

    def f(z):
        return 1 / (1 + math.exp(-z))

    weights = [[[w.data for w in n.w] for n in layer.neurons] for layer in model.layers]
    biases = [[n.b.data for n in layer.neurons] for layer in model.layers]
    ys, xs = [inputs], []  # y_0 is the input; xs[n] the pre-activations of layer n
    for W, b in zip(weights, biases):
        xs.append([sum(w * v for w, v in zip(row, ys[-1])) + bi for row, bi in zip(W, b)])
        ys.append([f(z) for z in xs[-1]])
    df = [[f(z) * (1 - f(z)) for z in x] for x in xs]
    delta = [(y - t) * d for y, t, d in zip(ys[-1], target, df[-1])]
    for n in reversed(range(len(weights))):
        for j, neuron in enumerate(model.layers[n].neurons):
            assert neuron.b.grad == pytest.approx(delta[j], rel=1e-12, abs=1e-15)
            for k, w in enumerate(neuron.w):
                assert w.grad == pytest.approx(delta[j] * ys[n][k], rel=1e-12, abs=1e-15)
        if n:
            W = weights[n]
            delta = [df[n - 1][k] * sum(W[j][k] * d for j, d in enumerate(delta)) for k in range(len(W[0]))]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: MLP(0, [1]), ValueError, "nin must be a positive int"),
        (lambda: MLP(2, []), ValueError, "nouts must be a non-empty list"),
        (lambda: MLP(2, [3, 0]), ValueError, "every layer size"),
        (lambda: MLP(2, [1], activation="gelu"), ValueError, "activation must be one of"),
        (lambda: MLP(2, [1], seed="x"), TypeError, "seed must be an int"),
        (lambda: MLP(2, [1], seed=0)([1.0]), ValueError, "expects 2 inputs, got 1"),
        (lambda: MLP(2, [1], seed=0)(Value(1.0)), TypeError, "expects a list of 2 numbers"),
        (lambda: MLP(2, [1], seed=0)([1.0, "a"]), TypeError, "inputs must be numbers or Values"),
        (lambda: Neuron(2, seed=0)([1.0, 2.0, 3.0]), ValueError, "Neuron: expects 2 inputs, got 3"),
    ],
)
def test_bad_construction_and_bad_inputs_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_repr_shows_the_architecture_and_parameter_count():
    text = repr(MLP(2, [16, 16, 1], seed=0))
    assert text.splitlines()[0] == (
        "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')  # 337 parameters"
    )
    assert "(layers.2): Layer(nin=16, nout=1, activation='linear')" in text
    assert repr(Neuron(2, seed=0)) == "Neuron(nin=2, activation='relu')"
