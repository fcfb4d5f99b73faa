# %% [markdown]
# # 11. A playground: watch and nudge a network learn
#
# TensorFlow Playground made a generation of learners see a network learn: every unit a small picture
# of its output over the plane, every weight a line coloured by its sign, the decision boundary moving
# as it trains. `autograd_tiny.playground` is that playground computed by the engine you have been
# reading: each number comes from `Value`s (the training step by compiled replay, the backprop view by
# `backward()`). The same code runs in your browser with no install: `make site && make serve`, then
# open <http://127.0.0.1:8000>.
#
# In this notebook: the playground and what it shows; one SGD step written out with its numbers; then
# three experiments, each with a question whose answer is checked against runs of the engine.

# %%
import os

from IPython.display import display

from autograd_tiny.exercises import (
    RATE_CHOICES,
    check_dead_unit,
    check_large_rate,
    check_needs_hidden_layer,
    check_share_of_class_1,
    dead_unit_run,
)
from autograd_tiny.playground import Playground, Settings, playground
from autograd_tiny.playground.picture import still

# %% [markdown]
# ## The playground
#
# In a live notebook the next cell shows the widget: **play**/**pause**, **step** (one epoch),
# **reset** (back to the *same* initial weights, so a run can be replayed), the data set, noise, hidden
# layer sizes (such as `8, 8`), activation, L2, seed, learning rate and batch size, the **forward** or
# **backprop** view, and a weight (click its line, or a unit for its bias) whose last update is
# written out. Stored copies (as on a code host) show a still picture instead.

# %%
if os.environ.get("AUTOGRAD_TINY_HEADLESS"):
    print("run this notebook in Jupyter to get the live playground here")
else:
    display(playground(dataset="moons", hidden=(8, 8)))

# %% [markdown]
# Behind the widget is a `Playground`: the data (half for training, half for testing), an
# `MLP(2, [8, 8, 1])` with tanh units, and SGD on the mean squared error against targets -1 (class 0,
# orange) and +1 (class 1, blue). `step()` trains one epoch of mini-batches of 10.

# %%
pg = Playground(Settings(dataset="moons", hidden=(8, 8)))
# what the text above says: half the points to train on, tanh units, mini-batches of 10
assert len(pg.X_train) == len(pg.X_test) and pg.settings.activation == "tanh" and pg.settings.batch_size == 10
pg.step(40)
print(f"epoch {pg.epoch}: train loss {pg.train_loss[-1]:.4f}, test loss {pg.test_loss[-1]:.4f}, "
      f"test accuracy {pg.accuracy():.0%}")
display(still(pg))

# %% [markdown]
# Read it left to right. The two input squares are x1 and x2 themselves; every other square is that
# unit's output over the same plane (orange negative, blue positive), so you can see the second layer
# combining the first layer's half-planes into bends. A line's colour is its weight's sign, its width
# the weight's size. The big square is the output unit's picture: the decision boundary, with the
# training points (white rings) and the test points (black rings) on top; below it, the loss curves.
#
# The pictures are the model's outputs, not an approximation: `unit_grids` evaluates every unit at the
# grid points (by replaying one input's compiled graph).

# %%
grids = pg.unit_grids(5)
point = grids.extent.points(5)[7]
print(f"output at {point}: from the grid {grids.boundary[7]:.12f}, from model(point) {pg.model(point).data:.12f}")
assert abs(grids.boundary[7] - pg.model(point).data) < 1e-12, "the grid is the model's output, not an approximation"

# %% [markdown]
# ## One step, written out
#
# The **backprop** view colours each unit by its *delta*, the gradient of the batch's loss with
# respect to its pre-activation $w \cdot x + b$ (the delta rules of notebook 2), and each line by its
# $\partial c / \partial w$. Each weight then moves by SGD's rule, with the numbers of that step:

# %%
pg.step(1)
display(still(pg, "backprop", selected="layers.1.neurons.3.w.2"))
update = pg.update("layers.1.neurons.3.w.2")
print(update.text)
print(f"  (before {update.before!r}, rate {update.rate!r}, dc/dw {update.grad!r}, after {update.after!r})")

# %% [markdown]
# ## Exercises
#
# **1. Reading the boundary.** Write `share_of_class_1(grids)`: the fraction of the grid's points where
# the network predicts class 1 (its output, `grids.boundary`, is above 0). You will use it next.

# %%
def share_of_class_1(grids):
    # BEGIN SOLUTION
    return sum(v > 0 for v in grids.boundary) / len(grids.boundary)
    # END SOLUTION


# %%
check_share_of_class_1(share_of_class_1)

# %% [markdown]
# **2. A learning rate too large.** Train the moons for 30 epochs at rate 0.1 and at rate 3 (in the
# widget: the rate menu, reset, play; or in code as below). Look at the boundaries, the share of the
# plane each gives class 1 and the loss curves. Which sentence says what the large rate does?

# %%
for rate in (0.1, 3.0):
    run = Playground(Settings(learning_rate=rate))
    run.step(30)
    outputs = run.unit_grids(20).boundary
    print(f"rate {rate}: loss from {run.train_loss[0]:.3f} to {run.train_loss[-1]:.3f}, "
          f"class 1 on {sum(v > 0 for v in outputs) / len(outputs):.0%} of the plane")
for letter, sentence in RATE_CHOICES.items():
    print(f"  {letter}: {sentence}")

# %%
large_rate = "b"  # SOLUTION

# %%
check_large_rate(large_rate)

# %% [markdown]
# Why: at rate 3 one step moves the weights so far that the tanh units saturate at -1 or +1; there
# their derivative $1 - \tanh^2$ is nearly 0, so the deltas vanish and the network stays stuck with one
# class everywhere.
#
# **3. Which data sets need a hidden layer?** With no hidden layer (`hidden=()`), the network is one
# tanh unit of $w_1 x_1 + w_2 x_2 + b$: its boundary is a straight line. Train it for 60 epochs at rate
# 0.3 on each data set. On which ones does it stay below 80% test accuracy?

# %%
for name in ("moons", "circles", "spirals", "xor"):
    line = Playground(Settings(dataset=name, hidden=(), learning_rate=0.3))
    line.step(60)
    print(f"{name:8s} test accuracy {line.accuracy():.0%}")

# %%
needs_hidden_layer = {"circles", "xor"}  # SOLUTION

# %%
check_needs_hidden_layer(needs_hidden_layer)

# %% [markdown]
# **4. A dead relu unit.** `dead_unit_run()` is the moons with relu units, where unit 2 of the first
# hidden layer starts with bias -100: its pre-activation is below 0 on every point, so it outputs 0
# everywhere. After one epoch, predict from the delta rules (before looking): its delta, the
# $\partial c/\partial w$ of its two incoming weights and of its bias, and its bias after 50 more epochs.

# %%
dead = dead_unit_run()
display(still(dead, "backprop", selected="layers.0.neurons.2.b"))

# %%
# BEGIN SOLUTION
delta = 0.0  # relu'(x) = 0 for x < 0: delta = relu'(x) * (w^T delta_next) = 0
incoming = [0.0, 0.0, 0.0]  # dc/dw = delta * input = 0, dc/db = delta = 0
bias_after_50_epochs = -100.0  # no gradient, no L2: SGD never moves it
# END SOLUTION

# %%
check_dead_unit(delta, incoming, bias_after_50_epochs)

# %% [markdown]
# A dead unit never comes back by gradient descent: that is why relu networks are started with small
# biases, and why a too large learning rate can kill units for good. Try it in the playground: relu,
# rate 3, and watch the hidden squares go blank.
