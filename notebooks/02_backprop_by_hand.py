# %% [markdown]
# # 2. Backpropagation by hand and by graph
#
# Backpropagation is usually derived once, on paper, for a layered network: a few lines of the
# chain rule give a recursion for "error signals" (deltas) that runs from the output layer back to
# the input. The engine does something that looks different: it knows nothing about layers, only
# about single operations, and applies the chain rule node by node.
#
# In this notebook we compute the gradients of a small network **both ways**, the layer-wise delta
# rules with plain Python floats and `Value.backward()` on the same numbers, and check that they
# agree to 1e-12. Then we settle a question that trips up almost everyone who reads two textbooks:
# one writes the output error as *target minus output*, the other as *output minus target*. Do the
# two give different updates?

# %% [markdown]
# ## The network and its notation
#
# Layers are numbered $n = 1, \dots, N$. Layer $n$ receives an input vector $x_n$ and produces
# $y_n = f(x_n)$, element by element; the weight matrix $w_n$ carries layer $n$'s output to the next
# layer's input:
#
# $$y_n = f(x_n), \qquad x_{n+1} = w_n\, y_n .$$
#
# Layer 1 is the input layer and passes its input through unchanged ($y_1 = x_1$). Every other unit
# is a sigmoid, $f(x) = 1 / (1 + e^{-x})$, whose derivative can be written with its output alone:
# $f'(x) = f(x)\,(1 - f(x)) = y\,(1 - y)$. The network has no biases (exercise 1 adds them). For one
# training example with target $t$ the cost is half the squared error,
#
# $$c = \tfrac12 \lVert y_N - t \rVert^2 = \tfrac12 \sum_k (y_{N,k} - t_k)^2 .$$

# %%
import itertools
import math
import random

from autograd_tiny import Value, backward_order
from autograd_tiny.exercises import check_backprop, check_multiplication_counts
from autograd_tiny.viz import draw_dot

SIZES = [3, 4, 3, 2]  # units in layers 1..N: 3 inputs, two sigmoid hidden layers, 2 sigmoid outputs
rng = random.Random(0)
# W[n - 1] is w_n: it maps layer n's output to layer n+1's input (Python counts from 0, the maths from 1)
W = [
    [[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)]
    for n_in, n_out in itertools.pairwise(SIZES)
]
x_input = [0.5, -1.2, 2.0]
target = [1.0, 0.0]
[f"w_{n + 1}: {len(w)}x{len(w[0])}" for n, w in enumerate(W)]

# %% [markdown]
# ## The delta rules
#
# Define the error signal at layer $n$ as the gradient of the cost with respect to that layer's
# *input*, $\delta_n = \partial c / \partial x_n$. At the output layer the chain rule goes through
# $y_N = f(x_N)$ once:
#
# $$\delta_N = \frac{\partial c}{\partial y_N}\,\frac{\partial y_N}{\partial x_N} = (y_N - t)\odot f'(x_N).$$
#
# For an inner layer, take one unit $j$ first. Its input $x_n[j]$ reaches the cost only through its
# output $y_n[j] = f(x_n[j])$, and that output feeds every unit $k$ of the next layer, through the
# weight $w_n[k][j]$: $x_{n+1}[k] = \sum_j w_n[k][j]\, y_n[j]$. The chain rule adds up those paths,
# one per unit $k$:
#
# $$\delta_n[j] = \frac{\partial c}{\partial x_n[j]}
# = \sum_k \frac{\partial c}{\partial x_{n+1}[k]}\,
#   \frac{\partial x_{n+1}[k]}{\partial y_n[j]}\,\frac{\partial y_n[j]}{\partial x_n[j]}
# = f'(x_n[j]) \sum_k w_n[k][j]\, \delta_{n+1}[k].$$
#
# The sum runs down column $j$ of $w_n$: it is entry $j$ of $w_n^{\mathsf T} \delta_{n+1}$. So for
# the whole layer at once, with $\odot$ the element-wise product,
#
# $$\delta_n = f'(x_n) \odot \left(w_n^{\mathsf T}\, \delta_{n+1}\right).$$
#
# Finally a weight $w_n[j][i]$ touches the cost only through $x_{n+1}[j] = \sum_i w_n[j][i]\, y_n[i]$,
# whose derivative with respect to it is $y_n[i]$:
#
# $$\frac{\partial c}{\partial w_n} = \delta_{n+1}\, y_n^{\mathsf T}
# \quad\text{(an outer product: entry } [j][i] = \delta_{n+1}[j]\; y_n[i]\text{)}.$$
#
# Here they are with lists of floats, nothing else. Python counts from 0 and the maths from 1, and
# layer 1 has no delta, so the names shift; this is where the notation meets the code:
#
# | maths | code | |
# |---|---|---|
# | $x_1 = y_1$, the network's input | `x_input` | layer 1 passes it through |
# | $x_n$, $y_n$ ($n = 1 \dots N$) | `xs[n - 1]`, `ys[n - 1]` | lists of floats, one per unit |
# | $w_n$, entry $w_n[j][i]$ | `W[n - 1]`, `W[n - 1][j][i]` | `W[0]` is $w_1$; row $j$ feeds unit $j$ of layer $n + 1$ |
# | $f'(x_n)$ | `fp[n - 1]` | from $y_n$: $y_n (1 - y_n)$ |
# | $\delta_n$ ($n = 2 \dots N$) | `deltas[n - 2]` | `deltas[0]` is $\delta_2$ |
# | $\partial c / \partial w_n$ | `grads[n - 1]` | the same shape as `W[n - 1]` |
# | $t$, $c$ | `target`, `cost` | |


# %%
def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def sigmoid_prime(y: float) -> float:
    """f'(x) for the sigmoid, written with its output y = f(x)."""
    return y * (1 - y)


def squared_error_delta(y: float, t: float, fp: float) -> float:
    """delta_N[k] for c = 1/2 sum (y - t)^2: (y - t) f'(x_N)."""
    return (y - t) * fp


def matvec(w, v):
    """w v: row j is sum_i w[j][i] v[i]."""
    return [sum(wji * vi for wji, vi in zip(row, v)) for row in w]


def matvec_t(w, v):
    """w^T v: entry i is sum_j w[j][i] v[j]."""
    return [sum(w[j][i] * v[j] for j in range(len(w))) for i in range(len(w[0]))]


def forward_floats(W, x_input, f=sigmoid, biases=None):
    """Every layer's input x_n and output y_n, as lists of floats (biases b_n added when given)."""
    xs, ys = [x_input], [x_input]  # the input layer passes its input through
    for k, w in enumerate(W):
        xs.append([v + (biases[k][j] if biases else 0.0) for j, v in enumerate(matvec(w, ys[-1]))])
        ys.append([f(v) for v in xs[-1]])
    return xs, ys


def backprop_floats(W, x_input, target, f=sigmoid, f_prime=sigmoid_prime, output_delta=squared_error_delta,
                    biases=None):  # fmt: skip
    """The cost, the deltas of layers 2..N and dc/dw_n for every n, by the delta rules."""
    _, ys = forward_floats(W, x_input, f, biases)
    cost = 0.5 * sum((y - t) ** 2 for y, t in zip(ys[-1], target))
    fp = [[f_prime(y) for y in layer] for layer in ys]  # f'(x_n), from y_n
    deltas = [[output_delta(y, t, d) for y, t, d in zip(ys[-1], target, fp[-1])]]  # delta_N
    for n in range(len(W), 1, -1):  # inner layers n = N-1 .. 2: delta_n = f'(x_n) (w_n^T delta_{n+1})
        deltas.insert(0, [d * s for d, s in zip(fp[n - 1], matvec_t(W[n - 1], deltas[0]))])
    # deltas[n - 2] is delta_n; dc/dw_n = outer(delta_{n+1}, y_n), that is deltas[n - 1] and ys[n - 1]
    grads = [[[dj * yi for yi in ys[n - 1]] for dj in deltas[n - 1]] for n in range(1, len(W) + 1)]
    return cost, deltas, grads


cost, deltas, grads_by_hand = backprop_floats(W, x_input, target)
print(f"cost c = {cost:.6f}")
for n, delta in enumerate(deltas, start=2):
    print(f"delta_{n} = {[round(d, 6) for d in delta]}")

# %% [markdown]
# ### The deltas shrink towards the input
#
# Look at their sizes: the largest $|\delta_4|$ is about 0.15, $|\delta_3|$ about 0.04 and
# $|\delta_2|$ about 0.01. Each step back multiplies by $f'(x_n)$ and by the weights. The sigmoid's
# slope is at most $1/4$ (at $x = 0$, where $y = 1/2$); our weights are below 1 in size and only 2
# to 4 of them are summed per unit, so every layer back shrinks the error signal by a factor of
# about 3 to 4 here:

# %%
largest = [max(abs(d) for d in delta) for delta in deltas]
for n, size in enumerate(largest, start=2):
    slopes = [y * (1 - y) for y in forward_floats(W, x_input)[1][n - 1]]
    print(f"layer {n}: largest |delta| {size:.2f}, largest f'(x) {max(slopes):.3f}")
shrink = [largest[k + 1] / largest[k] for k in range(len(largest) - 1)]
print("shrink factor per layer back:", [round(r, 1) for r in shrink])
assert all(2.5 < r < 4.5 for r in shrink), "the text above says a factor of about 3 to 4"

# %% [markdown]
# ### The deltas, drawn
#
# `draw_network` draws this network as layers of units on the same sample: each unit is coloured by
# its $\delta$ (blue negative, red positive, white near 0), computed by the same rules,
# $\delta_N = (y_N - t) f'(x_N)$ and $\delta_n = f'(x_n)(w_n^{\mathsf T}\delta_{n+1})$, and each arrow by
# $\partial c / \partial w_n = \delta_{n+1} y_n$. The colours fade towards the input: the shrinking
# deltas above. The network is built as an `MLP` with sigmoid units, our weights and zero biases, and
# the cell checks that the deltas it draws are the ones computed by hand.

# %%
from autograd_tiny.nn import MLP
from autograd_tiny.viz import draw_network, network_deltas

drawn = MLP(SIZES[0], SIZES[1:], activation="sigmoid", output_activation="sigmoid", seed=0)
for layer, w in zip(drawn.layers, W):
    for neuron, row in zip(layer.neurons, w):
        for weight, value in zip(neuron.w, row):
            weight.data = value
        neuron.b.data = 0.0
drawn_deltas = network_deltas(drawn, x_input, target).delta[1:]  # layers 2..N, as `deltas`
assert all(abs(a - b) < 1e-12 for got, want in zip(drawn_deltas, deltas) for a, b in zip(got, want))
draw_network(drawn, x_input, target)

# %% [markdown]
# The gradient of a weight is $\delta_{n+1} y_n^{\mathsf T}$, so the first layers of a deep sigmoid
# network receive gradients many times smaller than the last ones and learn correspondingly slowly:
# the **vanishing gradient** problem. We come back to it with a plot below.

# %% [markdown]
# ## The same network on the engine
#
# Now the same numbers as `Value`s. The forward pass is written exactly as above (a weighted sum,
# then `sigmoid()`), and one call to `backward()` fills in `.grad` for every weight, and for every
# intermediate node too: the `.grad` of the node holding $x_n[j]$ *is* $\delta_n[j]$.

# %%
Wv = [[[Value(wji) for wji in row] for row in w] for w in W]


def forward_values(Wv, x_input):
    xs, ys = [x_input], [x_input]
    for w in Wv:
        xs.append([sum(wji * yi for wji, yi in zip(row, ys[-1])) for row in w])
        ys.append([v.sigmoid() for v in xs[-1]])
    return xs, ys


xs_v, ys_v = forward_values(Wv, x_input)
c = 0.5 * sum((y - t) ** 2 for y, t in zip(ys_v[-1], target))
c.backward()
print(f"engine cost = {c.data:.6f}   by hand = {cost:.6f}")
print(f"{len(backward_order(c))} Values in the graph")
assert len(backward_order(c)) == 106, "the text below says 106, about a hundred"


# %% [markdown]
# Side by side, the first row of each weight gradient, then the largest disagreement over every
# weight and every delta:

# %%
for k, (gv, gh) in enumerate(zip(Wv, grads_by_hand)):
    print(f"dc/dw_{k + 1}[0]  engine  {[f'{v.grad:+.8f}' for v in gv[0]]}")
    print(f"{'':11s}by hand {[f'{g:+.8f}' for g in gh[0]]}")

weight_gap = max(
    abs(v.grad - g) for gv, gh in zip(Wv, grads_by_hand) for rv, rh in zip(gv, gh) for v, g in zip(rv, rh)
)
delta_gap = max(abs(v.grad - d) for xv, delta in zip(xs_v[1:], deltas) for v, d in zip(xv, delta))
print(f"every weight gradient and every delta agrees to 1e-12: {weight_gap < 1e-12 and delta_gap < 1e-12}")
assert weight_gap < 1e-12 and delta_gap < 1e-12, "the text says they agree to 1e-12"

# %% [markdown]
# They agree to the last few bits: the two computations multiply the same local derivatives in a
# slightly different order, so tiny rounding differences are all that is left.
#
# The delta rules are the chain rule organised by layer; the engine applies the same chain rule
# organised by node. $w_n^{\mathsf T} \delta_{n+1}$ is what you get when each `*` node of a weighted
# sum sends `weight * grad` back to its input and the node receiving several such messages adds them
# up; $f'(x_n)$ is the local derivative the `sigmoid` node recorded on the forward pass.

# %% [markdown]
# ## Seeing $\delta_n[j]$ in the graph
#
# The whole network above is a graph of about a hundred Values (106, printed above), too many to read. The same code on a
# network with two inputs, two hidden units and one output is small enough to draw. Labelling each
# node that holds a pre-activation $x_n[j]$ makes the claim visible: its `.grad` (the second number in
# its box) is $\delta_n[j]$, which the delta rules compute independently.

# %%
rng_small = random.Random(1)
W_small = [[[rng_small.uniform(-1, 1) for _ in range(2)] for _ in range(2)], [[rng_small.uniform(-1, 1) for _ in range(2)]]]
x_small, t_small = [1.0, -0.5], [1.0]
Wv_small = [[[Value(v, label=f"w_{k + 1}[{j}][{i}]") for i, v in enumerate(row)] for j, row in enumerate(w)]
            for k, w in enumerate(W_small)]  # fmt: skip
xs_small, ys_small = forward_values(Wv_small, x_small)
for n, layer in enumerate(xs_small[1:], start=2):
    for j, node in enumerate(layer):
        node.label = f"x_{n}[{j}]"
for j, node in enumerate(ys_small[-1]):
    node.label = f"y_3[{j}]"
c_small = 0.5 * sum((y - t) ** 2 for y, t in zip(ys_small[-1], t_small))
c_small.label = "c"
c_small.backward()
_, deltas_small, _ = backprop_floats(W_small, x_small, t_small)
for n, (layer, delta) in enumerate(zip(xs_small[1:], deltas_small), start=2):
    for j, (node, d) in enumerate(zip(layer, delta)):
        print(f"x_{n}[{j}].grad = {node.grad:+.4f}   delta_{n}[{j}] by the rules = {d:+.4f}")
draw_dot(c_small)

# %% [markdown]
# ## Vanishing gradients, layer by layer
#
# How fast the deltas shrink depends on $f'$. Take deeper networks, nine layers of six units with
# weights drawn uniformly from $[-1, 1]$ as before, and plot the average $|\delta_n[j]|$ of each
# layer, averaged over 20 random networks, for three activations:
#
# - **sigmoid**: $f' = y(1 - y) \le 1/4$, so each layer back multiplies by at most $1/4$ times a sum of
#   weights;
# - **tanh**: $f' = 1 - y^2 \le 1$, four times larger at best;
# - **relu**: $f' = 1$ for every unit that is on and 0 for the others, so the deltas keep their size
#   through active units (and the weights decide the rest).

# %%
import matplotlib.pyplot as plt

ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (math.tanh, lambda y: 1 - y * y),
    "relu": (lambda x: max(0.0, x), lambda y: 1.0 if y > 0 else 0.0),
}
DEEP = [6] * 9 + [2]


def mean_delta_sizes(f, f_prime, networks=20):
    """The mean |delta_n[j]| of each layer 2..N, averaged over random networks of sizes DEEP."""
    rng = random.Random(2)
    totals = [0.0] * (len(DEEP) - 1)
    for _ in range(networks):
        Wd = [[[rng.uniform(-1, 1) for _ in range(a)] for _ in range(b)] for a, b in itertools.pairwise(DEEP)]
        x = [rng.uniform(-1, 1) for _ in range(DEEP[0])]
        _, ds, _ = backprop_floats(Wd, x, [1.0, 0.0], f, f_prime)
        totals = [tot + sum(abs(v) for v in d) / len(d) / networks for tot, d in zip(totals, ds)]
    return totals


sizes = {name: mean_delta_sizes(*pair) for name, pair in ACTIVATIONS.items()}
fig, ax = plt.subplots(figsize=(5, 3.2))
for name, values in sizes.items():
    ax.semilogy(range(2, len(DEEP) + 1), values, "o-", ms=4, label=name)
ax.set(xlabel="layer n (the output is on the right)", ylabel="mean |delta_n[j]|")
ax.legend()
plt.show()
kept = {}
for name, values in sizes.items():
    kept[name] = per_layer = (values[0] / values[-1]) ** (1 / (len(values) - 1))
    print(f"{name:8s}: each layer back keeps {per_layer:.2f} of the mean |delta|; layer 2 has "
          f"{values[0] / values[-1]:.1g} of the output layer's")
# the text below: the sigmoid keeps about a third per layer, tanh and relu most of it
assert 0.2 < kept["sigmoid"] < 0.4 and kept["tanh"] > 0.5 and kept["relu"] > 0.5

# %% [markdown]
# The printed factors say it: with the sigmoid each layer back keeps only about a third of the
# error signal (its slope is at most 1/4, and six weights below 1 in size are summed), so eight layers
# back the first weights get a tiny fraction of what the last ones get (the last column). tanh and relu keep most
# of it at every layer. This is why deep networks use relu-like activations (and careful weight
# scales, or normalisation) rather than the sigmoid.

# %% [markdown]
# ## "Target minus output" or "output minus target"?
#
# The derivation above writes the output error as $y_N - t$ and then *subtracts* the gradient:
#
# $$\delta_N = (y_N - t)\, f'(x_N), \qquad w_n \leftarrow w_n - \alpha\, \delta_{n+1}\, y_n^{\mathsf T}.$$
#
# Many textbooks (Russell and Norvig's among them) write it the other way round and *add*:
#
# $$\Delta_N = (t - y_N)\, f'(x_N), \qquad \Delta_n = f'(x_n) \odot (w_n^{\mathsf T} \Delta_{n+1}),
# \qquad w_n \leftarrow w_n + \alpha\, \Delta_{n+1}\, y_n^{\mathsf T}.$$
#
# $\Delta_N = -\delta_N$, and since the inner-layer rule is linear in the delta of the layer above,
# the minus sign travels unchanged down the network: $\Delta_n = -\delta_n$ at every layer. Adding
# $\alpha \Delta y$ is subtracting $\alpha \delta y$. The $\Delta$ form is simply $-\partial c / \partial x_n$,
# "the direction that lowers the cost", so it is added. Let's run one update each way.


# %%
def deltas_target_minus_output(W, x_input, target):
    """The textbook Delta_n = -delta_n, computed from its own rules (not by negating ours)."""
    _, ys = forward_floats(W, x_input)
    f_prime = [[y * (1 - y) for y in layer] for layer in ys]
    big_deltas = [[(t - y) * d for y, t, d in zip(ys[-1], target, f_prime[-1])]]
    for n in range(len(W), 1, -1):  # Delta_n = f'(x_n) (w_n^T Delta_{n+1}), n = N-1 .. 2
        big_deltas.insert(0, [d * s for d, s in zip(f_prime[n - 1], matvec_t(W[n - 1], big_deltas[0]))])
    return big_deltas, ys


alpha = 0.5
# output minus target: subtract the gradient the delta rules gave
W_minus = [
    [[wji - alpha * g for wji, g in zip(row, grow)] for row, grow in zip(w, gw)]
    for w, gw in zip(W, grads_by_hand)
]
# target minus output: add alpha * Delta_{n+1} y_n
big_deltas, ys = deltas_target_minus_output(W, x_input, target)
W_plus = [
    [[wji + alpha * (big_deltas[k][j] * ys[k][i]) for i, wji in enumerate(row)] for j, row in enumerate(w)]
    for k, w in enumerate(W)
]
print("updated weights identical:", W_minus == W_plus)
print(f"cost before {cost:.6f}, after one step {backprop_floats(W_minus, x_input, target)[0]:.6f}")

# %% [markdown]
# The updated weights are *identical*, not merely close: negating a float is exact, so
# $-(a\,b) = (-a)\,b$ bit for bit and the two conventions do the same arithmetic up to sign. What
# must never be mixed is one convention's delta with the other's update sign: $(t - y)$ with
# $w \leftarrow w - \alpha \ldots$ climbs the cost instead of descending it.
#
# The engine has no choice to make: `.grad` is always $\partial c / \partial(\text{node})$, the
# "output minus target" convention, and an optimiser always subtracts it.

# %%
with_engine = [[[v.data - alpha * v.grad for v in row] for row in w] for w in Wv]
step_gap = max(
    abs(a - b) for we, wh in zip(with_engine, W_minus) for re, rh in zip(we, wh) for a, b in zip(re, rh)
)
print(f"engine step and hand step agree to 1e-12: {step_gap < 1e-12}")

# %% [markdown]
# ## From the scalar graph to matrices: a mini-batch at once
#
# The engine works one number at a time; libraries like PyTorch work with whole matrices. The delta
# rules translate directly. Stack a mini-batch of $B$ examples as the rows of a matrix, so layer
# $n$'s inputs are $X_n$ ($B$ rows, one column per unit), and let the cost be the sum of the
# examples' costs. Then, with $\odot$ the element-wise product:
#
# $$X_{n+1} = Y_n W_n^{\mathsf T}, \qquad D_N = (Y_N - T) \odot f'(X_N), \qquad
# D_n = f'(X_n) \odot \left(D_{n+1} W_n\right), \qquad
# \frac{\partial c}{\partial W_n} = D_{n+1}^{\mathsf T}\, Y_n .$$
#
# Row $b$ of $D_n$ is example $b$'s $\delta_n$; $D_{n+1} W_n$ is $w_n^{\mathsf T} \delta_{n+1}$
# for every example at once; and $D_{n+1}^{\mathsf T} Y_n$ *sums* the outer products
# $\delta_{n+1} y_n^{\mathsf T}$ over the batch, exactly as a weight used by every example collects a
# gradient from each in the scalar graph. Here it is with NumPy (installed with matplotlib), checked
# against the scalar engine on the same batch:

# %%
import numpy as np

batch_rng = random.Random(3)
X_batch = [[batch_rng.uniform(-2, 2) for _ in range(SIZES[0])] for _ in range(5)]
T_batch = [[float(batch_rng.random() < 0.5) for _ in range(SIZES[-1])] for _ in range(5)]

# matrix form: every example at once
Ws = [np.array(w) for w in W]
Xm, Ym = [np.array(X_batch)], [np.array(X_batch)]
for w in Ws:
    Xm.append(Ym[-1] @ w.T)
    Ym.append(1 / (1 + np.exp(-Xm[-1])))
Fp = [y * (1 - y) for y in Ym]
D = [(Ym[-1] - np.array(T_batch)) * Fp[-1]]
for n in range(len(Ws) - 1, 0, -1):
    D.insert(0, Fp[n] * (D[0] @ Ws[n]))
G = [D[k].T @ Ym[k] for k in range(len(Ws))]

# the scalar engine: one graph for the whole batch, the cost summed over the examples
Wv_batch = [[[Value(v) for v in row] for row in w] for w in W]
outputs = [forward_values(Wv_batch, x) for x in X_batch]
c_batch = sum(0.5 * (y - t) ** 2 for (_, ys_b), tb in zip(outputs, T_batch) for y, t in zip(ys_b[-1], tb))
c_batch.backward()
grad_gap = max(abs(v.grad - G[k][j][i]) for k, w in enumerate(Wv_batch) for j, row in enumerate(w)
               for i, v in enumerate(row))  # fmt: skip
delta_gap = max(abs(node.grad - D[n - 1][b][j]) for b, (xs_b, _) in enumerate(outputs)
                for n in range(1, len(xs_b)) for j, node in enumerate(xs_b[n]))  # fmt: skip
print(f"batch of {len(X_batch)}: dc/dW shapes {[g.shape for g in G]}")
print(f"matrix form and scalar engine agree to 1e-12: weights {grad_gap < 1e-12}, deltas {delta_gap < 1e-12}")
print(f"the scalar graph of this batch: {len(backward_order(c_batch))} Values")
assert 100 <= len(backward_order(c_batch)) < 1000, "the text below says hundreds"

# %% [markdown]
# At most three matrix products per layer (one forward, two backward; layer 1 passes no delta on)
# replace the hundreds of scalar nodes printed above, and the millions of a real network's batch;
# that is the whole difference between this engine and a tensor library, apart from speed.
#
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: biases
#
# Give every unit a bias, $x_{n+1} = w_n y_n + b_n$. Show that $\partial c / \partial b_n = \delta_{n+1}$
# and write `backprop_with_biases`, returning the deltas, the weight gradients and the bias
# gradients. (`forward_floats` and `backprop_floats` already take `biases=`.)

# %%
biases = [[0.1 * (j - 1) for j in range(n)] for n in SIZES[1:]]


def backprop_with_biases(W, biases, x_input, target):
    # BEGIN SOLUTION
    # x_{n+1}[j] = sum_i w_n[j][i] y_n[i] + b_n[j], so d x_{n+1}[j] / d b_n[j] = 1 and dc/db_n = delta_{n+1}
    _, deltas, grads = backprop_floats(W, x_input, target, biases=biases)
    return deltas, grads, deltas
    # END SOLUTION


# %%
check_backprop("backprop_with_biases", backprop_with_biases(W, biases, x_input, target), W, x_input, target,
               biases=biases)  # fmt: skip

# %% [markdown]
# ### Exercise 2: another activation
#
# Replace the sigmoid by $\tanh$. Which single ingredient of `backprop_floats` changes besides $f$?
# Write $f'$ in terms of the output $y = \tanh x$ (hint: $\tanh'(x) = 1 - \tanh(x)^2$) and run the
# rules with it.


# %%
def tanh_prime(y):
    # BEGIN SOLUTION
    return 1 - y * y
    # END SOLUTION


# %%
check_backprop("tanh network", lambda: backprop_floats(W, x_input, target, math.tanh, tanh_prime)[1:], W, x_input, target,
               activation="tanh")  # fmt: skip

# %% [markdown]
# ### Exercise 3: cross-entropy
#
# With sigmoid outputs and the cost $c = -\sum_k \left[t_k \log y_{N,k} + (1 - t_k) \log(1 - y_{N,k})\right]$,
# show that $\delta_N = y_N - t$: the $f'$ factor cancels. Write the output delta for this cost
# (it receives $y$, $t$ and $f'(x_N)$, like `squared_error_delta`); the check compares the whole
# backward pass with the engine's on this cost.


# %%
def cross_entropy_delta(y, t, fp):
    # BEGIN SOLUTION
    # dc/dy = -t/y + (1 - t)/(1 - y) = (y - t) / (y (1 - y)), and f'(x) = y (1 - y) cancels it
    return y - t
    # END SOLUTION


# %%
check_backprop("cross-entropy network", lambda: backprop_floats(W, x_input, target, output_delta=cross_entropy_delta)[1:],
               W, x_input, target, cost="cross_entropy")  # fmt: skip

# %% [markdown]
# ### Exercise 4: the cost of a backward pass
#
# For layer sizes $[n_1, \dots, n_N]$, count the multiplications in the weighted sums of the forward
# pass and, in the backward pass, those in $w_n^{\mathsf T} \delta_{n+1}$ (needed for layers
# $n = 2, \dots, N - 1$ only) plus one per entry of $\partial c / \partial w_n$ (ignore the few per
# unit for $f'$). Why is the backward pass never more than about twice the forward pass, however many
# weights there are?


# %%
def multiplications(sizes):
    """(forward, backward) multiplication counts for a network with these layer sizes."""
    # BEGIN SOLUTION
    # forward: one per weight. backward: one per weight for dc/dw, plus one per weight of w_2..w_(N-1) for
    # w^T delta: at most twice the forward count, whatever the sizes
    per_matrix = [a * b for a, b in itertools.pairwise(sizes)]
    return sum(per_matrix), sum(per_matrix) + sum(per_matrix[1:])
    # END SOLUTION


# %%
check_multiplication_counts(multiplications)
