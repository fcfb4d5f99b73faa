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
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Image, display

from autograd_tiny import Value
from autograd_tiny.data import make_spirals, train_test_split
from autograd_tiny.losses import cross_entropy
from autograd_tiny.nn import MLP
from autograd_tiny.optim import SGD, Adam
from autograd_tiny.train import accuracy, fit, plot_decision_boundary

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
ax.legend(fontsize=8, loc="lower right")
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

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2))
for name, (_, history) in runs.items():
    epochs = range(1, len(history.loss) + 1)
    ax_loss.plot(epochs, history.loss, label=name)
    ax_acc.plot(epochs, history.test_accuracy, label=name)
ax_loss.set(xlabel="epoch", ylabel="training loss (cross-entropy)", yscale="log")
ax_acc.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1.02))
ax_loss.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Plain SGD with this learning rate is still crawling when the others have finished: the loss surface
# has long shallow valleys where its steps are tiny. Momentum accumulates speed along the valley, and
# Adam rescales every parameter's step. (A larger SGD learning rate helps up to a point, then
# diverges; exercise 1.)
#
# What the Adam-trained network learnt (`plot_decision_boundary` colours the plane by the class with
# the largest logit):

# %%
model, _ = runs["Adam (lr 0.02)"]
print(f"Adam model: test accuracy {accuracy(model, X_test, y_test, loss='cross_entropy'):.0%}")
with tempfile.TemporaryDirectory() as tmp:
    png = plot_decision_boundary(
        model, X, y, Path(tmp) / "spirals.png", loss="cross_entropy", resolution=50, title="Adam, 40 epochs"
    )
    display(Image(png.read_bytes(), width=360))

# %% [markdown]
# ## Exercises
#
# 1. Rerun plain SGD with learning rates 0.03, 0.3 and 1.0. Which is best after 40 epochs, and what
#    does the loss curve of the largest one look like?
# 2. Show on paper that adding the same constant to every logit changes neither the softmax nor the
#    loss. Why does that make "subtract the largest logit" a free safety measure?
# 3. Give the spirals more turns (`make_spirals(..., turns=1.0)`). How many hidden units does the MLP
#    need to fit them, and does Adam still win?
# 4. Replace `cross_entropy` by a squared error on one-hot targets (three outputs, `mse_loss` per
#    sample). Compare the gradient $\partial\,\text{loss} / \partial z_j$ with $p_j - [j = t]$: what
#    happens to it when the network is confidently wrong?
