# %% [markdown]
# # 4c. Watching training
#
# Notebook 4 showed the boundary the moons classifier ends with. Training is a process, though, and
# the loss curve and the boundary tell the same story from two sides: here they stand side by side,
# the boundary at a few chosen epochs next to the loss curve with those epochs marked. Same data,
# same network and same training as notebook 4 (`MLP(2, [8, 8, 1])`, hinge loss, SGD with momentum);
# `fit` calls a function of ours after every epoch, and we note the class the network predicts over
# a grid of the plane whenever the epoch is one we want to see.

# %%
import itertools

import matplotlib.pyplot as plt

from autograd_tiny.data import make_moons, train_test_split
from autograd_tiny.exercises import check_changed_fraction, check_class_grid
from autograd_tiny.nn import MLP
from autograd_tiny.optim import SGD
from autograd_tiny.train import fit, predict

X, y = make_moons(n=100, noise=0.1, seed=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)
xs = [-1.6 + 0.08 * i for i in range(51)]
ys = [-1.1 + 0.08 * j for j in range(36)]
chosen = [1, 3, 8, 40]

# %% [markdown]
# ## One grid of classes per chosen epoch
#
# The class at each point of a grid is the picture of the boundary: row $j$ holds the classes along
# the line $y = $ `ys[j]`. (Exercise 1 asks you to write this function; here it is so that the
# pictures can be drawn.)


# %%
def grid_of_classes(model, xs, ys):
    return [predict(model, [[x, y] for x in xs]) for y in ys]


model = MLP(2, [8, 8, 1], seed=0)
snapshots = {}


def note_boundary(epoch, history):
    done = len(history.loss)  # epochs finished so far
    if done in chosen:
        snapshots[done] = grid_of_classes(model, xs, ys)


history = fit(model, X_train, y_train, SGD(model.parameters(), lr=0.05, momentum=0.9), loss="hinge",
              epochs=40, batch_size=25, X_test=X_test, y_test=y_test, seed=0, verbose=False,
              callback=note_boundary)  # fmt: skip
shares = {}
for epoch in chosen:
    shares[epoch] = share = sum(map(sum, snapshots[epoch])) / (len(xs) * len(ys))
    print(f"epoch {epoch:>2}: training accuracy {history.accuracy[epoch - 1]:.0%}, "
          f"{share:.0%} of the plane called class 1 (the lower moon)")  # fmt: skip
# what the text below reads from the pictures: after one epoch most of the plane is one class; the
# loss falls fast at first (epochs 1 to 3) and slowly later (epochs 8 to 40)
assert max(shares[1], 1 - shares[1]) > 0.8
assert (history.loss[0] - history.loss[2]) / 2 > 5 * (history.loss[7] - history.loss[39]) / 32

# %% [markdown]
# ## Side by side

# %%
fig = plt.figure(figsize=(8.2, 5))
panels = fig.subfigures(1, 2, width_ratios=[2.2, 1])
boxes = panels[0].subplots(2, 2, sharex=True, sharey=True)
for ax, epoch in zip(boxes.flat, chosen):
    ax.contourf(xs, ys, snapshots[epoch], levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"])
    for k, color in enumerate(["#d62728", "#1f77b4"]):
        ax.scatter(*zip(*[p for p, c in zip(X_train, y_train) if c == k]), s=6, color=color)
    ax.set_title(f"epoch {epoch}: loss {history.loss[epoch - 1]:.3f}")
curve = panels[1].subplots()
epochs = range(1, len(history.loss) + 1)
curve.plot(epochs, history.loss, color="#555555")
curve.plot(chosen, [history.loss[e - 1] for e in chosen], "o", color="#d62728")
for e in chosen:
    curve.annotate(str(e), (e, history.loss[e - 1]), textcoords="offset points", xytext=(4, 4))
curve.set_xlabel("epoch")
curve.set_ylabel("mean hinge loss")
curve.set_title("the loss, with the epochs shown")
plt.show()

# %% [markdown]
# Read the two together. After one epoch the network calls most of the plane one class, and the loss
# is high. A few epochs later a rough, nearly straight split appears, tilted to separate most points,
# and the loss has fallen fast: the network learns the coarse shape first. The tips of the moons,
# where a straight line cannot reach, come last: the boundary bends around them while the curve makes
# its later, slower descent. The printed accuracies and shares above, and exercise 2's fractions
# below, put numbers on each picture.
#
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: the boundary as a grid
#
# Write `class_grid(model, xs, ys)`: the class the model predicts at each point $(x, y)$ of the
# grid, one row per value of `ys`, one column per value of `xs` (use `predict` from
# `autograd_tiny.train`, or read the sign of the score yourself).


# %%
def class_grid(model, xs, ys):
    # BEGIN SOLUTION
    return [predict(model, [[x, y] for x in xs]) for y in ys]
    # END SOLUTION


# %%
check_class_grid(class_grid)

# %% [markdown]
# ### Exercise 2: how much of the plane changed?
#
# Write `changed_fraction(before, after)`: the fraction of the cells of two grids (of the same shape)
# whose class differs. The cell after the check uses it between the chosen epochs.


# %%
def changed_fraction(before, after):
    # BEGIN SOLUTION
    cells = [(a, b) for row_a, row_b in zip(before, after) for a, b in zip(row_a, row_b)]
    return sum(a != b for a, b in cells) / len(cells)
    # END SOLUTION


# %%
check_changed_fraction(changed_fraction)

# %%
for first, second in itertools.pairwise(chosen):
    changed = changed_fraction(snapshots[first], snapshots[second])
    print(f"epochs {first:>2} -> {second:>2}: {changed:.0%} of the plane changed class")
