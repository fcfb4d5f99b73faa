# %% [markdown]
# # 5. More than two classes: spirals, softmax cross-entropy and three optimizers
#
# With two classes one output score is enough: its sign is the answer. With $K$ classes the network
# gives **one score per class** (the *logits* $z_1, \dots, z_K$), softmax turns them into
# probabilities, and the loss is the negative log of the probability given to the right class. In this
# notebook we look at that loss and its remarkably simple gradient, train an MLP on three interleaved
# spirals, and compare how plain SGD, SGD with momentum and Adam get there.

# %%
import math

import matplotlib.pyplot as plt
from IPython.display import display

from autograd_tiny import Value
from autograd_tiny.data import make_spirals, train_test_split
from autograd_tiny.exercises import (
    check_adam_first_step,
    check_divergence_rule,
    check_softmax,
    check_softmax_squared_error,
)
from autograd_tiny.losses import cross_entropy
from autograd_tiny.nn import MLP
from autograd_tiny.optim import SGD, Adam
from autograd_tiny.train import accuracy, decision_boundary_figure, fit

# %% [markdown]
# ## Softmax cross-entropy and its gradient
#
# $$p_j = \frac{e^{z_j}}{\sum_k e^{z_k}}, \qquad \text{loss} = -\log p_t = \log \sum_k e^{z_k} - z_t$$
#
# for the target class $t$. Differentiating the right-hand form: $\partial/\partial z_j$ of the
# log-sum-exp is $p_j$, and of $-z_t$ is $-1$ for $j = t$. So
#
# $$\frac{\partial\, \text{loss}}{\partial z_j} = p_j - [j = t],$$
#
# *predicted probability minus the one-hot target*, the same "output minus target" shape as the
# squared error in notebook 2. `cross_entropy` builds the loss from `Value` operations (subtracting
# the largest logit first, so `exp` cannot overflow); the engine knows nothing of this formula, yet
# its gradient comes out exactly so:

# %%
logits = [Value(2.0), Value(-1.0), Value(0.5)]
target = 2
loss = cross_entropy([logits], [target])
loss.backward()

total = sum(math.exp(z.data) for z in logits)
softmax = [math.exp(z.data) / total for z in logits]
print(f"loss = {loss.data:.6f}   -log p_target = {-math.log(softmax[target]):.6f}")
for j, z in enumerate(logits):
    print(f"z_{j}: engine grad {z.grad:+.6f}   p_j - [j = t] {softmax[j] - (j == target):+.6f}")

# %% [markdown]
# ## The data: three spirals
#
# `make_spirals` winds three arms around the origin. No straight line separates any arm from the other
# two, so the network has to bend its decision boundaries.

# %%
X, y = make_spirals(n=120, classes=3, noise=0.02, seed=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)

colors = ["#d62728", "#1f77b4", "#2ca02c"]
fig, ax = plt.subplots(figsize=(3.5, 3.5))
for k in range(3):
    ax.scatter(*zip(*[p for p, c in zip(X, y) if c == k]), s=14, color=colors[k], label=f"class {k}")
ax.set_aspect("equal")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# ## Three optimizers, one starting point
#
# Each run starts from the same initial weights (`seed=0`) and sees the same mini-batches in the same
# order (the `fit` seed), so the only difference is the update rule:
#
# - **SGD**: $p \leftarrow p - \alpha\, g$.
# - **Momentum**: keep a running velocity $b \leftarrow \mu b + g$ and step $p \leftarrow p - \alpha b$;
#   steps in a consistent direction build up, zig-zags cancel.
# - **Adam**: divide a running mean of $g$ by the square root of a running mean of $g^2$, so every
#   parameter gets a step of roughly the same size whatever the scale of its gradient.

# %%
EPOCHS = 40


def run(make_optimizer):
    model = MLP(2, [12, 12, 3], seed=0)
    optimizer = make_optimizer(model.parameters())
    history = fit(
        model,
        X_train,
        y_train,
        optimizer,
        loss="cross_entropy",
        epochs=EPOCHS,
        batch_size=30,
        X_test=X_test,
        y_test=y_test,
        seed=0,
        verbose=False,
    )
    return model, history


runs = {
    "SGD (lr 0.1)": run(lambda params: SGD(params, lr=0.1)),
    "momentum (lr 0.1, 0.9)": run(lambda params: SGD(params, lr=0.1, momentum=0.9)),
    "Adam (lr 0.02)": run(lambda params: Adam(params, lr=0.02)),
}
for name, (_, history) in runs.items():
    print(
        f"{name:24s} final loss {history.loss[-1]:.3f}   train acc {history.accuracy[-1]:.0%}"
        f"   test acc {history.test_accuracy[-1]:.0%}"
    )
final = {name: history.loss[-1] for name, (_, history) in runs.items()}
# the text below: plain SGD is still far behind when the other two have finished
assert final["SGD (lr 0.1)"] > 3 * max(final["momentum (lr 0.1, 0.9)"], final["Adam (lr 0.02)"])

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8.2, 3.2))
for name, (_, history) in runs.items():
    epochs = range(1, len(history.loss) + 1)
    ax_loss.plot(epochs, history.loss, label=name)
    ax_acc.plot(epochs, history.test_accuracy, label=name)
ax_loss.set(xlabel="epoch", ylabel="training loss (cross-entropy)", yscale="log")
ax_acc.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1.02))
ax_loss.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Plain SGD with this learning rate is still crawling when the others have finished: the loss surface
# has long shallow valleys where its steps are tiny. Momentum accumulates speed along the valley, and
# Adam rescales every parameter's step.
#
# Would a larger SGD rate do? Let's run it rather than guess:

# %%
sgd_runs = {0.1: runs["SGD (lr 0.1)"], 1.0: run(lambda params: SGD(params, lr=1.0))}
for lr, (_, history) in sorted(sgd_runs.items()):
    rises = sum(b > a for a, b in zip(history.loss, history.loss[1:]))
    print(f"SGD lr {lr:<4g} final loss {history.loss[-1]:.3f}   epochs where the loss went up: {rises}")
best = min(sgd_runs, key=lambda lr: sgd_runs[lr][1].loss[-1])
print(f"lowest final loss: lr = {best:g}")
assert best == 1.0, "the text below says the lr-1 run ends lower"
rises = {lr: sum(b > a for a, b in zip(h.loss, h.loss[1:])) for lr, (_, h) in sgd_runs.items()}
assert rises[1.0] > rises[0.1], "the text below says the lr-1 path is noisier"

# %% [markdown]
# Ten times the rate did not diverge here; by the printed final losses the lr-1 run ended lower than
# the lr-0.1 run, and the count of epochs where the loss rose shows how much noisier its path is.
# A larger rate is not safe without limit, though: on a quadratic bowl of curvature $\lambda$ each
# step multiplies the distance to the minimum by $1 - \alpha \lambda$, so once $\alpha > 2 / \lambda$
# the steps overshoot further every time and training diverges (exercise 1). How large a rate a
# network tolerates depends on the sharpest curvature of its loss, which changes during training.
#
# What the Adam-trained network learnt (`decision_boundary_figure` colours the plane by the class with
# the largest logit):

# %%
model, _ = runs["Adam (lr 0.02)"]
print(f"Adam model: test accuracy {accuracy(model, X_test, y_test, loss='cross_entropy'):.0%}")
display(decision_boundary_figure(model, X, y, loss="cross_entropy", resolution=50, title="Adam, 40 epochs"))

# %% [markdown]
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: when does SGD diverge?
#
# On the loss $\tfrac{\lambda}{2} p^2$ (curvature $\lambda$) an SGD step is $p \leftarrow p - \alpha \lambda p$.
# Write `diverges(lr, curvature)`: whether the steps take $p$ ever further from 0. The curvature may
# be negative (a hilltop rather than a bowl), and a step that lands exactly as far from 0 as before
# is not further. The check runs `optim.SGD` on that loss for 50 steps to compare.


# %%
def diverges(lr, curvature):
    # BEGIN SOLUTION
    # each step multiplies p by (1 - lr * curvature); |p| grows when that factor is beyond -1 or 1
    return abs(1 - lr * curvature) > 1
    # END SOLUTION


# %%
check_divergence_rule(diverges)

# %% [markdown]
# ### Exercise 2: a safe softmax
#
# Show on paper that adding the same constant to every logit changes neither the softmax nor the
# loss. Then write `softmax(logits)` for a list of floats that subtracts the largest logit first,
# so that logits of $\pm 1000$ do not overflow `math.exp`.


# %%
def softmax(logits):
    # BEGIN SOLUTION
    top = max(logits)
    exps = [math.exp(z - top) for z in logits]  # the largest is exp(0) = 1: no overflow
    total = sum(exps)
    return [e / total for e in exps]
    # END SOLUTION


# %%
check_softmax(softmax)

# %% [markdown]
# ### Exercise 3: Adam's first step
#
# Adam keeps running means $m$ of $g$ and $v$ of $g^2$, both starting at 0, and divides by
# $1 - \beta^t$ to undo that start. Work out the change its very first step makes to a parameter
# whose gradient is $g$ (defaults $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\varepsilon = 10^{-8}$). Why
# does this make every parameter's first step about the same size?


# %%
def adam_first_step(g, lr):
    # BEGIN SOLUTION
    # after bias correction m = g and v = g^2, so the step is -lr * g / (|g| + eps): -lr * sign(g),
    # whatever the size of g
    m_hat = g
    v_hat = g * g
    return -lr * m_hat / (math.sqrt(v_hat) + 1e-8)
    # END SOLUTION


# %%
check_adam_first_step(adam_first_step)

# %% [markdown]
# ### Exercise 4: squared error on probabilities
#
# Instead of cross-entropy, take the squared error between the softmax probabilities and the one-hot
# target, $\sum_j (p_j - [j = t])^2$. Write it with `Value` operations for a list of logit `Value`s;
# the cell after the check compares its gradient with $p_j - [j = t]$ when the network is
# confidently wrong.


# %%
def softmax_squared_error(logits, target):
    # BEGIN SOLUTION
    exps = [z.exp() for z in logits]
    total = sum(exps[1:], exps[0])
    return sum((e / total - (1.0 if j == target else 0.0)) ** 2 for j, e in enumerate(exps))
    # END SOLUTION


# %%
check_softmax_squared_error(softmax_squared_error)

# %%
for name, make_loss in [("cross-entropy", lambda zs: cross_entropy([zs], [2])),
                        ("squared error", lambda zs: softmax_squared_error(zs, 2))]:  # fmt: skip
    zs = [Value(8.0), Value(0.0), Value(-8.0)]  # confidently class 0, but the target is 2
    make_loss(zs).backward()
    print(f"{name:14s} gradient on the logits: {[f'{z.grad:+.2e}' for z in zs]}")

# %% [markdown]
# Confidently wrong, the cross-entropy gradient is about $\pm 1$: a strong push. The squared error's
# is a few ten-thousandths: the softmax is saturated, and its flat slope multiplies the error, as the
# sigmoid's did in notebook 2. That is why classifiers are trained with cross-entropy.
