# %% [markdown]
# # 9. Graduating to PyTorch
#
# Everything in this course ran on one float at a time, which is what makes the graph readable and
# the engine slow. The ideas carry over unchanged to a tensor library: a `torch.nn.Linear` is a
# layer of our neurons, a matrix product is the sums of products our neurons built one node at a
# time, and `loss.backward()` is the same chain rule. This notebook moves a model across:
#
# 1. train the moons classifier here, as in notebook 4;
# 2. export its weights as a **safetensors** file that PyTorch (and JAX, through NumPy) loads;
# 3. write the same training step in tensors, beside the scalar graph it replaces, and check that
#    both give the same loss and gradients;
# 4. continue training in PyTorch, and bring the result back;
# 5. and a last tool both libraries share: **forward mode** (`jvp`, Jacobians), and when it beats
#    the reverse mode we have used throughout.
#
# **What to install.** This is the one notebook that needs more than the `notebooks` extra: PyTorch
# and safetensors. In the environment you run JupyterLab from: `pip install torch safetensors`.

# %%
import itertools
import tempfile
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from autograd_tiny import Value, backward_order, jacobian, nn, optim
from autograd_tiny.data import make_moons
from autograd_tiny.exercises import check_close, check_equal, check_raises
from autograd_tiny.forward import TangentTape, parents_first
from autograd_tiny.losses import hinge_loss, l2_penalty
from autograd_tiny.torch_bridge import load_safetensors, save_safetensors
from autograd_tiny.train import accuracy, fit

torch.set_default_dtype(torch.float64)  # our Values are Python floats: 64-bit
torch.set_num_threads(1)  # tensors this small gain nothing from threads

# %% [markdown]
# ## 1. Train here
#
# micrograd's demo: a `MLP(2, [16, 16, 1])`, hinge loss with a small L2 penalty, plain SGD with a
# learning rate decaying from 1.0. We stop after 15 of its 100 steps, half trained.

# %%
X, y = make_moons(n=100, noise=0.1, seed=1337)
model = nn.MLP(2, [16, 16, 1], seed=1337)


def schedule(step):
    return 1.0 - 0.9 * step / 100


sgd = optim.SGD(model.parameters(), lr=1.0)
history = fit(model, X, y, sgd, loss="hinge", epochs=15, l2=1e-4, lr_schedule=schedule, verbose=False)
print(f"{sgd.steps} steps here: loss {history.loss[-1]:.4f} at the last one, accuracy now {accuracy(model, X, y):.0%}")
assert sgd.steps == 15, "the text says we stop after 15 steps"  # one full-batch step per epoch

# %% [markdown]
# ## 2. Export the weights
#
# `save_safetensors` writes the weights in the layout `torch.nn.Sequential` uses: one weight matrix
# of shape [outputs, inputs] and one bias vector per `Linear`, named by the module's position
# (`0.weight`, `0.bias`; position 1 is the ReLU, which has no weights; then `2.weight`, ...).
# The file is a short JSON header followed by the raw little-endian numbers, so any safetensors
# reader can load it; here it is the `safetensors` package, as a PyTorch user would.

# %%
path = Path(tempfile.mkdtemp()) / "moons.safetensors"
save_safetensors(model, path)
state = load_file(path)
print(f"{path.name}: {path.stat().st_size:,} bytes")
for name, tensor in state.items():
    print(f"  {name:9} {tensor.dtype!s:14} {list(tensor.shape)}")

# %% [markdown]
# A PyTorch user writes the network in PyTorch's own terms and loads the weights into it.
# (`model.to_torch()` builds the same `Sequential` for you, weights included.)

# %%
net = torch.nn.Sequential(
    torch.nn.Linear(2, 16), torch.nn.ReLU(),
    torch.nn.Linear(16, 16), torch.nn.ReLU(),
    torch.nn.Linear(16, 1),
)  # fmt: skip
net.load_state_dict(state)

scores_here = [model(row).data for row in X]
scores_torch = net(torch.tensor(X)).squeeze(1).tolist()
print("largest difference of the 100 scores:", max(abs(a - b) for a, b in zip(scores_here, scores_torch)))
print("to_torch() builds the same network:  ", model.to_torch())

# %% [markdown]
# ## 3. The same step in tensors, beside the scalar graph it replaces
#
# Here is one training step's loss, built the way `fit` builds it: each of the 100 points goes
# through the network on its own, every weight times every input is a `*` node, and each neuron adds
# its bias and its products in one `sum` node. We build it layer by layer to count the nodes each
# part makes.


# %%
def graph_size(outputs):
    """Operation nodes (not leaves) in the graph below these Values."""
    return sum(1 for node in parents_first(outputs) if node.parents)


inputs = [[Value(a) for a in row] for row in X]
layer1 = [model.layers[0](row) for row in inputs]
layer2 = [model.layers[1](h) for h in layer1]
scores = [model.layers[2](h) for h in layer2]
loss = hinge_loss(scores, y) + l2_penalty(model.parameters(), 1e-4)

sizes = [graph_size([v for h in layer1 for v in h]), graph_size([v for h in layer2 for v in h]),
         graph_size(scores), graph_size([loss])]  # fmt: skip
print(f"{'tensor line':45} {'scalar nodes it replaces':>25}")
print(f"{'H1 = relu(X @ W1.T + b1)':45} {sizes[0]:>25,}")
print(f"{'H2 = relu(H1 @ W2.T + b2)':45} {sizes[1] - sizes[0]:>25,}")
print(f"{'s = (H2 @ W3.T + b3).squeeze(1)':45} {sizes[2] - sizes[1]:>25,}")
print(f"{'loss = relu(1 - t * s).mean() + 1e-4 * (W**2)':45} {sizes[3] - sizes[2]:>25,}")
print(f"{'':45} {sizes[3]:>25,} in all")
assert sizes[0] == 100 * (16 * 2 + 16 + 16), "the text below counts 64 nodes per point in the first layer"

# %% [markdown]
# A hidden layer of 16 neurons reading 2 inputs is, per point, 16 x 2 products, 16 `sum` nodes and
# 16 ReLUs: 64 nodes, times 100 points, the first line of the table. In tensors the whole batch is one
# matrix product, one addition and one ReLU. Here are those lines, on the very weights of `net`,
# with labels +1 / -1 as the hinge loss wants them:

# %%
W1, b1, W2, b2, W3, b3 = net.parameters()
Xt = torch.tensor(X)
t = torch.tensor([1.0 if c == 1 else -1.0 for c in y])


def tensor_loss():
    H1 = torch.relu(Xt @ W1.T + b1)
    H2 = torch.relu(H1 @ W2.T + b2)
    s = (H2 @ W3.T + b3).squeeze(1)
    return torch.relu(1 - t * s).mean() + 1e-4 * sum((p**2).sum() for p in net.parameters())


net.zero_grad()
loss_t = tensor_loss()
loss_t.backward()
model.zero_grad()
loss.backward()

print("loss, scalar graph:", loss.data)
print("loss, tensors     :", loss_t.item())
grads_here = [[w.grad for w in neuron.w] for neuron in model.layers[1].neurons]
print("largest difference of the 256 gradients of W2:",
      (torch.tensor(grads_here) - W2.grad).abs().max().item())  # fmt: skip

# %% [markdown]
# The same numbers, to the last digit or two: the two computations differ only in the order in
# which additions are done. What differs is the cost:

# %%
start = time.perf_counter()
for _ in range(2):
    scalar_loss = hinge_loss([model(row) for row in X], y) + l2_penalty(model.parameters(), 1e-4)
    model.zero_grad()
    scalar_loss.backward()
scalar_seconds = (time.perf_counter() - start) / 2

start = time.perf_counter()
for _ in range(50):
    net.zero_grad()
    tensor_loss().backward()
tensor_seconds = (time.perf_counter() - start) / 50
print(f"one forward and backward: scalar graph {scalar_seconds * 1000:.0f} ms, tensors {tensor_seconds * 1000:.2f} ms")

# %% [markdown]
# ## 4. Continue training in PyTorch
#
# The optimizer and the schedule carry over too: `torch.optim.SGD` with the same learning rates
# does what `optim.SGD` did. To see that it really is the same training, we take the next three
# steps both ways, from the same weights.

# %%
torch_sgd = torch.optim.SGD(net.parameters(), lr=1.0)


def torch_training_step(step):
    """One SGD step in PyTorch at the schedule's rate for this step; returns the loss before it."""
    for group in torch_sgd.param_groups:
        group["lr"] = schedule(step)
    torch_sgd.zero_grad()
    step_loss = tensor_loss()
    step_loss.backward()
    torch_sgd.step()
    return step_loss.item()


torch_step = sgd.steps  # PyTorch picks up the schedule where fit stopped
print(f"{'step':>4}  {'loss here':>20}  {'loss in PyTorch':>20}")
for _ in range(3):
    here = fit(model, X, y, sgd, loss="hinge", epochs=1, l2=1e-4, lr_schedule=schedule, verbose=False)
    torch_loss = torch_training_step(torch_step)
    torch_step += 1
    print(f"{torch_step:>4}  {here.loss[0]:>20.15f}  {torch_loss:>20.15f}")

# %% [markdown]
# From here PyTorch goes on alone, to the end of the schedule:

# %%
start, resumed_at = time.perf_counter(), torch_step
while torch_step < 100:
    final_loss = torch_training_step(torch_step)
    torch_step += 1
print(f"{torch_step} steps in all, last loss {final_loss:.4f}; "
      f"the last {100 - resumed_at} took {time.perf_counter() - start:.2f} s")  # fmt: skip

# %% [markdown]
# And back: `MLP.from_torch` reads a `Sequential` of `Linear` and activation layers into our
# `MLP` (anything else, a `Dropout`, a convolution, is refused with an error saying which module),
# and `load_safetensors` reads a file PyTorch saved. Either way the trained model classifies the
# points here just as it does in PyTorch:

# %%
trained = nn.MLP.from_torch(net)
print(trained)
torch_accuracy = (torch.sign(net(Xt).squeeze(1)) == t).double().mean().item()
print(f"accuracy here {accuracy(trained, X, y):.0%}, in PyTorch {torch_accuracy:.0%}")
assert abs(accuracy(trained, X, y) - torch_accuracy) < 1e-12, "the text says: just as it does in PyTorch"

save_file(net.state_dict(), path)  # the file PyTorch writes
from_file = nn.MLP(2, [16, 16, 1], seed=0)
load_safetensors(from_file, path)
print("the file PyTorch saved holds the same weights:", from_file.state_dict() == trained.state_dict())

# %% [markdown]
# ## 5. Forward mode, and when it beats reverse
#
# Reverse mode (`backward()`) gives the derivative of **one** output with respect to **every**
# input in one sweep over the graph. Forward mode goes the other way: pick a direction $v$ in input
# space, give each input its **tangent** $v_i$, and push tangents from the inputs up, each node
# getting $\dot{n} = \sum_i \frac{\partial n}{\partial p_i} \dot{p}_i$ from its parents $p_i$.
# One sweep gives the derivative of **every** output along **one** direction, the
# Jacobian-vector product. The $\partial n / \partial p_i$ are the same local derivatives
# `backward()` multiplies (`node.local_grads`), so the two modes cannot disagree.
#
# So for a Jacobian with $n$ inputs and $m$ outputs, forward mode needs $n$ sweeps and reverse mode
# $m$. PyTorch has both (`torch.func.jacfwd` and `jacrev`); here they are `jacobian(fn, xs,
# mode="fwd")` and `mode="rev"`.
#
# A case with few inputs and many outputs: a damped spring, stepped 200 times, whose 200 positions
# depend on 2 parameters, the stiffness $k$ and the damping $c$. How does each position change with
# $k$ and $c$?


# %%
def trajectory(params, steps=200, dt=0.05):
    """Positions of a damped spring started at x = 1, v = 0 (semi-implicit Euler)."""
    k, c = params
    x, v = 1.0, 0.0
    positions = []
    for _ in range(steps):
        v = v + dt * (-k * x - c * v)
        x = x + dt * v
        positions.append(x)
    return positions


point = [4.0, 0.3]
start = time.perf_counter()
forward_rows = jacobian(trajectory, point, mode="fwd")
forward_seconds = time.perf_counter() - start
start = time.perf_counter()
reverse_rows = jacobian(trajectory, point, mode="rev")
reverse_seconds = time.perf_counter() - start

expected = torch.func.jacfwd(lambda p: torch.stack(trajectory([p[0], p[1]])))(torch.tensor(point))
print("200 x 2 Jacobian, largest difference fwd vs rev:",
      max(abs(a - b) for r, s in zip(forward_rows, reverse_rows) for a, b in zip(r, s)))  # fmt: skip
print("largest difference from torch.func.jacfwd      :", (torch.tensor(forward_rows) - expected).abs().max().item())
print("d x_200 / d k, d x_200 / d c:", forward_rows[-1])

# %% [markdown]
# Now the costs. Rather than seconds alone (which depend on the machine and its load), count the
# multiply-adds each mode does: forward mode does one per edge of the graph per input; reverse
# mode one per edge below each output, once for each output. The early positions have small graphs
# and the late ones large graphs, so reverse mode's total grows with the square of the number of
# steps.


# %%
def edges_below(output):
    """Multiply-adds of one reverse sweep from output: one per edge of the graph below it."""
    return sum(len(node.parents) for node in backward_order(output))


def mode_costs(fn, xs):
    leaves = [Value(v) for v in xs]
    outputs = fn(leaves)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    forward = len(leaves) * TangentTape(leaves, outputs).multiply_adds
    reverse = sum(edges_below(out) for out in outputs)
    return len(leaves), len(outputs), forward, reverse


n, m, fwd_cost, rev_cost = mode_costs(trajectory, point)
print(f"spring: {n} inputs, {m} outputs")
assert fwd_cost < rev_cost, "few inputs, many outputs: forward mode does less work"
print(f"  forward: {fwd_cost:>9,} multiply-adds, {forward_seconds * 1000:6.1f} ms")
print(f"  reverse: {rev_cost:>9,} multiply-adds, {reverse_seconds * 1000:6.1f} ms")

# %% [markdown]
# The other way round, many inputs and one output, is what training looks like: one loss, a
# parameter per input. Take a roughness penalty on 200 numbers, the sum of squared differences of
# neighbours, and its gradient:


# %%
def roughness(xs):
    return sum((b - a) ** 2 for a, b in itertools.pairwise(xs))


values = [((i * 37) % 11) / 10 for i in range(200)]
start = time.perf_counter()
forward_row = jacobian(roughness, values, mode="fwd")[0]
forward_seconds = time.perf_counter() - start
start = time.perf_counter()
reverse_row = jacobian(roughness, values, mode="rev")[0]
reverse_seconds = time.perf_counter() - start
assert forward_row == reverse_row

n, m, fwd_cost, rev_cost = mode_costs(roughness, values)
print(f"roughness: {n} inputs, {m} output")
assert rev_cost < fwd_cost, "the text below says reverse mode wins here"
print(f"  forward: {fwd_cost:>9,} multiply-adds, {forward_seconds * 1000:6.1f} ms")
print(f"  reverse: {rev_cost:>9,} multiply-adds, {reverse_seconds * 1000:6.1f} ms")

# %% [markdown]
# Reverse mode wins this time, for the reason forward mode won before, though not by the same
# factor: forward mode sweeps the graph once per input, reverse mode once per output, so the ratio of
# the printed costs follows the number of inputs against the number of outputs of each function
# (and the size of its graph). That is why neural networks train by backpropagation (millions of parameters,
# one loss), while forward mode suits sensitivities of a simulation to a few parameters. Both sweep
# the same graph with the same local derivatives; only the direction differs.

# %% [markdown]
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: float32 on the way
#
# Save the trained model with `save_safetensors(model, path, dtype="F32")`, load the file into a new
# `nn.MLP(2, [16, 16, 1])` with `load_safetensors`, and set `f32_change` to the largest absolute
# difference between a weight there and the same weight in `model`.

# %%
# BEGIN SOLUTION
f32_path = Path(tempfile.mkdtemp()) / "moons32.safetensors"
save_safetensors(model, f32_path, dtype="F32")
model32 = nn.MLP(2, [16, 16, 1], seed=0)
load_safetensors(model32, f32_path)
f32_change = max(abs(a.data - b.data) for a, b in zip(model32.parameters(), model.parameters()))
# END SOLUTION

# %%
check_close("f32_change", f32_change, max(abs(float(torch.tensor(p.data, dtype=torch.float32)) - p.data)
                                          for p in model.parameters()), rel_tol=1e-9, abs_tol=0.0)  # fmt: skip

# %% [markdown]
# ### Exercise 2: what the bridge refuses
#
# Build `torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.LeakyReLU(), torch.nn.Linear(4, 1))` in
# float64 and pass it to `nn.MLP.from_torch`. Catch the exception and keep it in `bridge_error`. (To
# carry a leaky ReLU across, this engine would first need it as an activation, for instance through
# `define_op`, and the bridge a name for it on both sides.)

# %%
# BEGIN SOLUTION
leaky_net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.LeakyReLU(), torch.nn.Linear(4, 1)).double()
bridge_error = None
try:
    nn.MLP.from_torch(leaky_net)
except ValueError as e:
    bridge_error = e
# END SOLUTION

# %%
check_raises("bridge_error", bridge_error, ValueError, "LeakyReLU")

# %% [markdown]
# ### Exercise 3: which cost grows with the square?
#
# Count the costs of the spring with `mode_costs(lambda p: trajectory(p, steps=s), point)` for
# `s` = 50, 100 and 200. One mode's multiply-adds double when the steps double, the other's roughly
# quadruple. Set `grows_with_square` to `"fwd"` or `"rev"`.

# %%
costs = {s: mode_costs(lambda p, s=s: trajectory(p, steps=s), point)[2:] for s in (50, 100, 200)}
for s, (forward_cost, reverse_cost) in costs.items():
    print(f"{s:>4} steps: forward {forward_cost:>9,}  reverse {reverse_cost:>9,}")
# BEGIN SOLUTION
grows_with_square = "rev"  # one sweep per output, and the outputs' graphs grow with the step
# END SOLUTION

# %%
check_equal("grows_with_square", grows_with_square,
            "rev" if costs[200][1] / costs[100][1] > 3 > costs[200][0] / costs[100][0] else "fwd")  # fmt: skip

# %% [markdown]
# ### Exercise 4: one direction, one sweep
#
# `jvp(fn, xs, vs)` pushes one direction `vs` through the graph. Use it to compute the derivative of
# the spring's last position along the direction $(1, -1)$ (stiffness up, damping down), in one
# forward sweep, and set `last_along` to it.

# %%
from autograd_tiny import jvp

# BEGIN SOLUTION
_, tangents = jvp(trajectory, point, [1.0, -1.0])
last_along = tangents[-1]
# END SOLUTION

# %%
check_close("last_along", last_along, forward_rows[-1][0] - forward_rows[-1][1], rel_tol=1e-9)
