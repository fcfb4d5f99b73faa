# %% [markdown]
# # 4b. Gradient descent on a loss surface
#
# Notebook 4 trained a network by repeating one move: $w \leftarrow w - \alpha\, \partial c /
# \partial w$. Why *minus* the gradient, and what goes wrong when the learning rate $\alpha$ is too
# large? Both are easy to see when the loss depends on two numbers only, because then it is a
# landscape you can draw: every point of the plane is a choice of the two weights, its height the
# loss.
#
# The smallest network: one unit with no activation, $y = w x + b$, fitted to five points by the
# squared error $c(w, b) = \frac{1}{5} \sum_k \tfrac12 (w x_k + b - t_k)^2$. Its two weights are
# $w$ and $b$.

# %%
import itertools

import matplotlib.pyplot as plt

from autograd_tiny import Value, hessian
from autograd_tiny.exercises import check_descent_step, check_largest_stable_rate

X = [0.5, 1.0, 1.5, 2.0, 2.5]
T = [1.2, 1.9, 3.2, 3.9, 5.1]


def loss(w, b):
    """The mean squared error of y = w x + b: works on floats and on Values alike."""
    return sum(0.5 * (w * x + b - t) ** 2 for x, t in zip(X, T)) / len(X)


def gradient(w, b):
    """(dc/dw, dc/db) at (w, b), by the engine."""
    vw, vb = Value(w), Value(b)
    loss(vw, vb).backward()
    return vw.grad, vb.grad


start = (-1.0, 3.0)
print(f"c{start} = {loss(*start):.3f}, gradient {tuple(round(g, 3) for g in gradient(*start))}")

# %% [markdown]
# ## The landscape, and the gradient at one point
#
# The curves join points of equal loss (contours), like the lines on a hiking map. At the starting
# point the gradient $(\partial c / \partial w, \partial c / \partial b)$ points *uphill*, the way the
# loss grows fastest, and it stands square to the contour through that point. The arrow drawn is
# minus the gradient: the way down. That is the whole reason for the minus sign: a small step along
# $-\nabla c$ lowers $c$ by about $\alpha \lVert \nabla c \rVert^2$, more than any other step of the
# same length.

# %%
ws = [-1.5 + 0.1 * i for i in range(56)]
bs = [-2.5 + 0.1 * j for j in range(61)]
heights = [[loss(w, b) for w in ws] for b in bs]
gw, gb = gradient(*start)


def landscape(ax):
    ax.contour(ws, bs, heights, levels=[0.05, 0.2, 0.5, 1, 2, 4, 8, 16], colors="#999999", linewidths=0.8)
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    ax.set_aspect("equal")  # so that the gradient is drawn square to the contours, as it is


fig, ax = plt.subplots(figsize=(4.5, 4))
landscape(ax)
ax.annotate("", xy=(start[0] - 0.15 * gw, start[1] - 0.15 * gb), xytext=start,
            arrowprops={"arrowstyle": "->", "color": "#d62728", "lw": 2})  # fmt: skip
ax.plot(*start, "o", color="#d62728")
ax.set_title("contours of c(w, b); the arrow is -gradient")
plt.show()

# %% [markdown]
# ## Paths for a few learning rates
#
# Each rate takes 30 steps from the same start. A small rate creeps down the slope; a larger one gets
# there sooner; larger still, it overshoots the floor of the valley and zig-zags across it, still
# going down; and beyond a limit every step lands higher than the last: the steps **diverge**.

# %%
rates = [0.05, 0.3, 0.5, 0.6]


def descend(point, lr, steps=30):
    path = [point]
    for _ in range(steps):
        g = gradient(*path[-1])
        path.append(tuple(p - lr * gi for p, gi in zip(path[-1], g)))
    return path


paths = {lr: descend(start, lr) for lr in rates}
fig, (ax, curves) = plt.subplots(1, 2, figsize=(8.2, 3.8))
landscape(ax)
for lr, path in paths.items():
    inside = [p for p in path if ws[0] <= p[0] <= ws[-1] and bs[0] <= p[1] <= bs[-1]]
    ax.plot(*zip(*path[: len(inside) + 1]), marker=".", markersize=4, lw=1, label=f"lr {lr}")
    curves.semilogy([loss(*p) for p in path], label=f"lr {lr}")
ax.set_xlim(ws[0], ws[-1])
ax.set_ylim(bs[0], bs[-1])
ax.legend()
curves.set_xlabel("step")
curves.set_ylabel("loss (log scale)")
curves.legend()
fig.tight_layout()
plt.show()
rises = {}
for lr, path in paths.items():
    rises[lr] = sum(loss(*b) > loss(*a) for a, b in itertools.pairwise(path))
    print(f"lr {lr}: loss after 30 steps {loss(*path[-1]):.4g}, steps that went up: {rises[lr]}")
# the text above: the three smaller rates only go down, each larger one ending lower; at 0.6 every step goes up
ends = [loss(*paths[lr][-1]) for lr in (0.05, 0.3, 0.5)]
assert rises == {0.05: 0, 0.3: 0, 0.5: 0, 0.6: 30} and ends[0] > ends[1] > ends[2]

# %% [markdown]
# ## Why there is a limit
#
# This loss is a bowl: its second derivatives do not change from point to point. Along each
# principal direction of the bowl (an eigenvector of the Hessian, the matrix of second derivatives)
# with curvature $\lambda$, a step multiplies the distance to the floor by $1 - \alpha \lambda$. While
# that factor lies between $-1$ and $1$ the distance shrinks; a factor below $-1$ means overshooting
# by more than you corrected, and the distance grows every step. The steepest direction, the largest
# $\lambda$, sets the limit. The curvatures of our bowl:

# %%
H = hessian(lambda v: loss(*v), list(start))
a, b_, d = H[0][0], H[0][1], H[1][1]
middle, spread = (a + d) / 2, (((a - d) / 2) ** 2 + b_ * b_) ** 0.5
print(f"Hessian {[[round(h, 3) for h in row] for row in H]}: curvatures {middle + spread:.3f} and {middle - spread:.3f}")
for lr in rates:
    print(f"lr {lr}: factors {1 - lr * (middle + spread):+.3f} (steep) and {1 - lr * (middle - spread):+.3f} (shallow)")
steep = {lr: 1 - lr * (middle + spread) for lr in rates}
# the text below: creeping (shallow factor near +1), zig-zag (steep between -1 and 0), divergence (below -1)
assert 1 - 0.05 * (middle - spread) > 0.99 and -1 < steep[0.5] < 0 and steep[0.6] < -1

# %% [markdown]
# The shallow direction explains the slow creep (a factor close to $+1$), the steep one the
# zig-zag (a factor between $-1$ and $0$) and the divergence (below $-1$). A network's loss is not a
# bowl, but near a minimum it looks like one, so the same limit holds there, set by the sharpest
# curvature, which changes as training goes.
#
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: one step
#
# Write `descent_step(loss_fn, point, lr)`: one step of gradient descent on any `loss_fn(w, b)` from
# `point`, a list `[w, b]`, returning the new list. Get the gradient from the engine (`Value` leaves,
# `backward()`). The check tries our bowl and `bumpy`, a loss that is not a bowl.


# %%
def bumpy(w, b):
    return (w * w + 3 * b * b).tanh() + 0.1 * (w - b) ** 2


# %%
def descent_step(loss_fn, point, lr):
    # BEGIN SOLUTION
    leaves = [Value(p) for p in point]
    loss_fn(*leaves).backward()
    return [leaf.data - lr * leaf.grad for leaf in leaves]
    # END SOLUTION


# %%
check_descent_step(descent_step, [loss, bumpy], [[-1.0, 3.0], [0.5, -0.2]])

# %% [markdown]
# ### Exercise 2: the largest rate that does not diverge
#
# From the Hessian `H` above, work out the largest learning rate for which gradient descent on this
# bowl does not diverge (at that rate the steep direction's distance keeps its size, flipping
# sides every step).

# %%
largest_stable_rate = 2 / (middle + spread)  # SOLUTION

# %%
check_largest_stable_rate(largest_stable_rate, loss, list(start))
