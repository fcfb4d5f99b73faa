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

from autograd_tiny import Value

SIZES = [3, 4, 3, 2]  # units in layers 1..N: 3 inputs, two sigmoid hidden layers, 2 sigmoid outputs
rng = random.Random(0)
# W[n] maps layer n+1's output to layer n+2's input (Python counts from 0, the maths from 1)
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
# For an inner layer it goes through the next layer first: $x_{n+1} = w_n f(x_n)$, so
#
# $$\delta_n = f'(x_n) \odot \left(w_n^{\mathsf T}\, \delta_{n+1}\right).$$
#
# Finally a weight $w_n[j][i]$ touches the cost only through $x_{n+1}[j] = \sum_i w_n[j][i]\, y_n[i]$,
# whose derivative with respect to it is $y_n[i]$:
#
# $$\frac{\partial c}{\partial w_n} = \delta_{n+1}\, y_n^{\mathsf T}
# \quad\text{(an outer product: entry } [j][i] = \delta_{n+1}[j]\; y_n[i]\text{)}.$$
#
# Here they are with lists of floats, nothing else.


# %%
def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def matvec(w, v):
    """w v: row j is sum_i w[j][i] v[i]."""
    return [sum(wji * vi for wji, vi in zip(row, v)) for row in w]


def matvec_t(w, v):
    """w^T v: entry i is sum_j w[j][i] v[j]."""
    return [sum(w[j][i] * v[j] for j in range(len(w))) for i in range(len(w[0]))]


def forward_floats(W, x_input):
    """Every layer's input x_n and output y_n, as lists of floats."""
    xs, ys = [x_input], [x_input]  # the input layer passes its input through
    for w in W:
        xs.append(matvec(w, ys[-1]))
        ys.append([sigmoid(v) for v in xs[-1]])
    return xs, ys


def backprop_floats(W, x_input, target):
    """The cost, the deltas of layers 2..N and dc/dw_n for every n, by the delta rules."""
    _, ys = forward_floats(W, x_input)
    cost = 0.5 * sum((y - t) ** 2 for y, t in zip(ys[-1], target))
    f_prime = [[y * (1 - y) for y in layer] for layer in ys]  # f'(x_n) = y_n (1 - y_n)
    deltas = [[(y - t) * d for y, t, d in zip(ys[-1], target, f_prime[-1])]]  # delta_N
    for n in range(len(W) - 1, 0, -1):  # inner layers, from the back: delta_n = f'(x_n) (w_n^T delta_{n+1})
        deltas.insert(0, [d * s for d, s in zip(f_prime[n], matvec_t(W[n], deltas[0]))])
    # deltas[k] is the delta of the layer W[k] feeds into; dc/dW[k] = outer(deltas[k], y of W[k]'s layer)
    grads = [[[dj * yi for yi in ys[k]] for dj in deltas[k]] for k in range(len(W))]
    return cost, deltas, grads


cost, deltas, grads_by_hand = backprop_floats(W, x_input, target)
print(f"cost c = {cost:.6f}")
for n, delta in enumerate(deltas, start=2):
    print(f"delta_{n} = {[round(d, 6) for d in delta]}")

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
print(f"largest |engine - by hand|: weights {weight_gap:.1e}, deltas {delta_gap:.1e}")
assert weight_gap < 1e-12 and delta_gap < 1e-12

# %% [markdown]
# They agree to the last few bits: the two computations multiply the same local derivatives in a
# slightly different order, so tiny rounding differences are all that is left.
#
# The delta rules are the chain rule organised by layer; the engine applies the same chain rule
# organised by node. $w_n^{\mathsf T} \delta_{n+1}$ is what you get when each `*` node of a weighted
# sum sends `weight * grad` back to its input and the node receiving several such messages adds them
# up; $f'(x_n)$ is the local derivative the `sigmoid` node recorded on the forward pass.

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
    for n in range(len(W) - 1, 0, -1):
        big_deltas.insert(0, [d * s for d, s in zip(f_prime[n], matvec_t(W[n], big_deltas[0]))])
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
print(f"largest |engine step - hand step|: {step_gap:.1e}")

# %% [markdown]
# ## Exercises
#
# 1. **Biases.** Give every sigmoid unit a bias, $x_{n+1} = w_n y_n + b_n$. Show that
#    $\partial c / \partial b_n = \delta_{n+1}$, add it to `backprop_floats`, and check it against
#    the engine (make the biases `Value`s too).
# 2. **Another activation.** Replace the sigmoid by `tanh` in both versions. Which single line of
#    `backprop_floats` changes? (Hint: $\tanh'(x) = 1 - \tanh(x)^2$.)
# 3. **Cross-entropy.** With sigmoid outputs and the cost
#    $c = -\sum_k t_k \log y_{N,k} + (1 - t_k) \log(1 - y_{N,k})$, show that $\delta_N = y_N - t$:
#    the $f'$ factor cancels. Verify it numerically with the engine.
# 4. **Cost of a backward pass.** Count the multiplications in `forward_floats` and in
#    `backprop_floats` for layer sizes $[n_1, \dots, n_N]$. Why is the backward pass only a small
#    constant factor more expensive than the forward pass, whatever the number of weights?
