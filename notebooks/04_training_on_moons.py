# %% [markdown]
# # 4. Training an MLP on the two moons
#
# Everything so far was about one gradient. Training is that gradient, used over and over: run the
# network on a batch of examples, measure how wrong it is with a loss, `backward()`, nudge every
# parameter a little against its gradient, repeat. In this notebook we do one such step by hand, let
# `fit` do 120 more (the training cell counts them), and look at the result three ways: the learning curves, the decision boundary
# in the plane, and the computation graph of a single prediction.

# %%

import matplotlib.pyplot as plt

from autograd_tiny import Value, backward_order
from autograd_tiny.data import make_moons, train_test_split
from autograd_tiny.exercises import (
    check_classifier,
    check_epochs_to_reach,
    check_l2_penalty,
    check_parameter_count,
    check_trained_with_loss,
)
from autograd_tiny.losses import hinge_loss
from autograd_tiny.nn import MLP
from autograd_tiny.optim import SGD
from autograd_tiny.scopes import record_scopes
from autograd_tiny.train import decision_boundary_figure, fit
from autograd_tiny.viz import draw_collapsed

# %% [markdown]
# ## The data
#
# Two interleaving half circles, 100 points with a little noise; a quarter of them are held out to
# test on. Class 0 is the upper moon, class 1 the lower one. No straight line separates them.

# %%
X, y = make_moons(n=100, noise=0.1, seed=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)
print(f"{len(X_train)} training points, {len(X_test)} test points; first: {X_train[0]} -> class {y_train[0]}")

fig, ax = plt.subplots(figsize=(4, 3))
for k, color in enumerate(["#d62728", "#1f77b4"]):
    ax.scatter(*zip(*[p for p, c in zip(X, y) if c == k]), s=14, color=color, label=f"class {k}")
ax.legend()
plt.show()

# %% [markdown]
# ## The model and one training step by hand
#
# An MLP with two inputs, two hidden layers of 8 ReLU units and one linear output: a score whose sign
# is the predicted class. The loss is micrograd's max-margin (hinge) loss,
# $\text{mean}_i \max(0,\ 1 - s_i\, \text{score}_i)$ with $s_i = \pm 1$ the label: zero for points
# classified correctly with a margin of at least 1, growing linearly with how wrong the others are.
# (In notebook 2's notation a point is the network's input $y_1$; each hidden layer's weighted sums
# are $x_2, x_3$ and its ReLU outputs $y_2, y_3$; the score is $x_4$, left linear. In the code, `x`
# is a point, as in most machine-learning code.)

# %%
model = MLP(2, [8, 8, 1], seed=0)
print(model)

# %%
scores = [model(x) for x in X_train]  # one graph per point, sharing the parameters
loss = hinge_loss(scores, y_train)
model.zero_grad()
loss.backward()
print(f"loss before the step: {loss.data:.4f}")
for name, p in model.named_parameters()[:3]:
    print(f"  {name:22s} data {p.data:+.4f}   grad {p.grad:+.4f}")

optimizer = SGD(model.parameters(), lr=0.05)
optimizer.step()  # p.data -= lr * p.grad, for every parameter
print(f"loss after the step:  {hinge_loss([model(x) for x in X_train], y_train).data:.4f}")

# %% [markdown]
# ## Training
#
# `fit` repeats exactly that: forward, loss, `zero_grad()`, `backward()`, `step()`, here on shuffled
# mini-batches of 25 points (three steps per pass over the data, an *epoch*) with momentum, and records
# the loss and accuracy of every epoch.


# %%
def train(sizes, loss="hinge", batch_size=25):
    """An MLP(2, sizes) trained on the moons by SGD with momentum; returns it and its History."""
    model = MLP(2, sizes, seed=0)
    optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = fit(
        model, X_train, y_train, optimizer, loss=loss, epochs=40, batch_size=batch_size,
        X_test=X_test, y_test=y_test, seed=0, verbose=False,
    )  # fmt: skip
    return model, history


model, history = train([8, 8, 1])
steps = len(history.loss) * -(-len(X_train) // 25)  # epochs times batches of 25 per epoch (rounded up)
print(
    f"after {len(history.loss)} epochs ({steps} steps): loss {history.loss[-1]:.4f}, "
    f"training accuracy {history.accuracy[-1]:.0%}, test accuracy {history.test_accuracy[-1]:.0%}"
)
assert steps == 120 and len(X_train) // 25 == 3, "the text says three steps per epoch, 120 in all"

# %%
epochs = range(1, len(history.loss) + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8.2, 3))
ax_loss.plot(epochs, history.loss)
ax_loss.set(xlabel="epoch", ylabel="training loss (hinge)")
ax_acc.plot(epochs, history.accuracy, label="training")
ax_acc.plot(epochs, history.test_accuracy, label="test")
ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0.4, 1.02))
ax_acc.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The decision boundary
#
# Colouring every point of the plane by the class the network predicts there shows what it has
# learnt: a bent boundary made of straight pieces (each ReLU unit contributes a fold along a line).

# %%
decision_boundary_figure(model, X, y, resolution=50, title="MLP(2, [8, 8, 1])")  # plot_decision_boundary saves it

# %% [markdown]
# ## One prediction as a graph
#
# Every prediction is a computation graph like the ones in notebooks 1 and 3, just larger: our network
# makes 226 Values per point (the next cell counts them), too many to read in one picture. The same recipe with three units
# per hidden layer gives a smaller graph (and, as exercise 2 hints, a cruder boundary), and even its 56
# Values per point (counted too) are too many boxes for a screen. So we collapse it: `record_scopes()` notes which Values each
# module call made, and `draw_collapsed` draws each neuron's call as one box saying what it computes,
# its output and that output's gradient, inside a frame per layer; `color_by_grad=True` fills each box
# by the size of its gradient after `backward()`. The point goes in as two labelled Values, so that
# the picture shows the inputs too.

# %%
per_point = len(backward_order(model(X_test[0])))
print(f"MLP(2, [8, 8, 1]): {per_point} Values for one point")
assert per_point == 226, "the text above says 226"
small, small_history = train([3, 3, 1])
small_per_point = len(backward_order(small(X_test[0])))
print(f"MLP(2, [3, 3, 1]): {small_per_point} Values for one point, training accuracy {small_history.accuracy[-1]:.0%}")
assert small_per_point == 56, "the text above says 56"

point, label = X_test[0], y_test[0]
inputs = [Value(v, label=f"x{i}") for i, v in enumerate(point)]
with record_scopes() as scopes:
    score = small(inputs)
loss = hinge_loss([score], [label])
small.zero_grad()
loss.backward()
print(f"point {[round(v, 3) for v in point]}, class {label}: score {score.data:+.3f}, loss {loss.data:.3f}")
draw_collapsed(loss, scopes, color_by_grad=True)

# %% [markdown]
# Read it top to bottom: each neuron of `layers.0` computes `relu(w.x+b)` of the two inputs;
# `layers.1` does the same with the three outputs of `layers.0`; the single output neuron gives the
# score, and the few operations below the network are the hinge loss. Wherever a `relu` received a
# negative sum, its output is 0 and so is every gradient upstream of it: that unit neither contributes
# to this prediction nor learns from it. (If the point is classified with a margin of at least 1, the
# hinge loss is 0 and the whole graph stays white; try another point.)
#
# `expand=` opens a box to show the Values inside it, here the first neuron of `layers.1`: its three
# weights times the outputs of `layers.0`, the sum with its bias (`w.x+b`) and the `relu`. Its
# weights' gradients are what the next `optimizer.step()` uses.

# %%
draw_collapsed(loss, scopes, expand="layers.1.neurons.0", color_by_grad=True)

# %% [markdown]
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: another loss
#
# Train the same network with `loss="bce"` (binary cross-entropy on the logit) instead of the hinge
# loss, using `train`, keeping the model and its history. The check asks for at least 90% test
# accuracy, and that the history is of a bce training (accuracy alone cannot tell: the hinge model
# reads just as well by the bce rule). How do the loss curve and the
# boundary change?

# %%
# BEGIN SOLUTION
# the bce loss never reaches 0 (it keeps pushing correct points further out), so its curve keeps
# falling smoothly where the hinge loss flattens at 0 once every point clears the margin
bce_model, bce_history = train([8, 8, 1], loss="bce")
print(f"bce: final loss {bce_history.loss[-1]:.4f}, test accuracy {bce_history.test_accuracy[-1]:.0%}")
# END SOLUTION

# %%
check_classifier(bce_model, X_test, y_test, min_accuracy=0.9, loss="bce")
check_trained_with_loss(bce_model, bce_history, X_train, y_train, loss="bce")

# %% [markdown]
# ### Exercise 2: how big is a network?
#
# Write `parameter_count(nin, sizes)`: the number of weights and biases of `MLP(nin, sizes)`. How
# many has `MLP(2, [2, 1])`, and what is the best boundary two relu units can draw?


# %%
def parameter_count(nin, sizes):
    # BEGIN SOLUTION
    # each unit has one weight per input and a bias. MLP(2, [2, 1]) has 9: its score is piecewise linear
    # with two folds, so its boundary is at most a line bent twice, too crude for the moons
    inputs = [nin, *sizes[:-1]]
    return sum((n_in + 1) * n_out for n_in, n_out in zip(inputs, sizes))
    # END SOLUTION


# %%
check_parameter_count(parameter_count)

# %% [markdown]
# ### Exercise 3: full-batch steps
#
# Write `epochs_to_reach(accuracies, level)`: the first epoch (counting from 1) whose accuracy is at
# least `level`, or `None` if none is. The cell after the check uses it to compare mini-batches of 25
# with one full-batch step per epoch (`batch_size=None`).


# %%
def epochs_to_reach(accuracies, level):
    # BEGIN SOLUTION
    return next((epoch for epoch, acc in enumerate(accuracies, start=1) if acc >= level), None)
    # END SOLUTION


# %%
check_epochs_to_reach(epochs_to_reach)

# %%
_, full_history = train([8, 8, 1], batch_size=None)
level = 0.9
print(f"epochs to {level:.0%} training accuracy: mini-batches of 25 {epochs_to_reach(history.accuracy, level)}, "
      f"full batch {epochs_to_reach(full_history.accuracy, level)}")

# %% [markdown]
# An epoch costs the same arithmetic either way (every point passes forward and backward once), but
# mini-batches take three steps per epoch instead of one.
#
# ### Exercise 4: an L2 penalty
#
# `fit(..., l2=1e-3)` adds micrograd's penalty $\alpha \sum_p p^2$ to the loss, pulling every weight
# towards 0. Write it as a `Value` built from a list of parameters. Its gradient for each parameter is
# $2 \alpha p$. Which boundary would you trust on new data far from the training points, with or
# without it?


# %%
def l2_penalty(params, alpha):
    # BEGIN SOLUTION
    # small weights make a smoother score, so the boundary bends less where there are no points to
    # justify it: the penalised model is the safer bet far from the training data
    return alpha * sum(p * p for p in params)
    # END SOLUTION


# %%
check_l2_penalty(l2_penalty)
