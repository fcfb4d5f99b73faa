# %% [markdown]
# # 7. Newton's method with exact second derivatives
#
# Gradient descent only knows the slope: it steps downhill by a fixed fraction of the gradient,
# however curved the valley. Newton's method also uses the **curvature**, the second derivative
# (in several dimensions, the Hessian matrix), and jumps to the bottom of the parabola that fits the
# function at the current point. Near a minimum that makes it converge *quadratically*: the number
# of correct digits roughly doubles at every step.
#
# For that we need second derivatives, and the engine can give them exactly:
# `grad(output, inputs, create_graph=True)` returns gradients that are themselves `Value`s in a
# graph, so they can be differentiated again; `hessian(fn, xs)` does this for every pair of inputs.
# We run Newton's method against gradient descent on a function of one variable and on the
# Rosenbrock valley, and draw the paths both take.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from autograd_tiny import Value, grad, hessian
from autograd_tiny.exercises import (
    check_descent_path,
    check_finds_minimum,
    check_function,
    check_stationary_point,
)

# %% [markdown]
# ## Derivatives of derivatives
#
# Take $f(x) = x^4 - 3x^2 + x$. By hand, $f'(x) = 4x^3 - 6x + 1$ and $f''(x) = 12x^2 - 6$. The
# engine gets both from $f$ alone: the first `grad` call, with `create_graph=True`, returns $f'(x)$ as
# a `Value` built from $x$; a second `grad` of that `Value` is $f''(x)$.


# %%
def f(x):
    return x**4 - 3 * x**2 + x


x = Value(-2.0)
(slope,) = grad(f(x), [x], create_graph=True)
(curvature,) = grad(slope, [x])
print(f"f'(-2)  = {slope.data:g}   (by hand {4 * -8 - 6 * -2 + 1})")
print(f"f''(-2) = {curvature:g}   (by hand {12 * 4 - 6})")

# %% [markdown]
# `slope` is an ordinary `Value`: it has a graph below it, the chain rule applied to the rules of
# `f`'s operations, and `grad` walks that graph as it would any other. Nothing stops us going further:
# the third derivative is $24x$ and the fourth is $24$.

# %%
d = f(x)
for order in range(1, 5):
    (d,) = grad(d, [x], create_graph=True)
    print(f"order {order}: {d.data:g}")

# %% [markdown]
# ## Newton's method in one dimension
#
# Near $x_k$, $f$ looks like the parabola $f(x_k) + f'(x_k)(x - x_k) + \tfrac12 f''(x_k)(x - x_k)^2$.
# Its lowest point is at
#
# $$x_{k+1} = x_k - \frac{f'(x_k)}{f''(x_k)} .$$
#
# Gradient descent instead takes $x_{k+1} = x_k - \eta f'(x_k)$ with a learning rate $\eta$ that we
# have to choose: too large and it overshoots, too small and it crawls.


# %%
def derivatives_1d(fn, x0):
    """f(x0), f'(x0) and f''(x0), all from the engine."""
    x = Value(x0)
    y = fn(x)
    (slope,) = grad(y, [x], create_graph=True)
    (curvature,) = grad(slope, [x])
    return y.data, slope.data, curvature


def newton_1d(fn, x0, steps):
    path = [x0]
    for _ in range(steps):
        _, slope, curvature = derivatives_1d(fn, path[-1])
        path.append(path[-1] - slope / curvature)
    return path


def gradient_descent_1d(fn, x0, lr, steps):
    path = [x0]
    for _ in range(steps):
        _, slope, _ = derivatives_1d(fn, path[-1])
        path.append(path[-1] - lr * slope)
    return path


newton = newton_1d(f, -2.0, 6)
descent = gradient_descent_1d(f, -2.0, lr=0.02, steps=30)
x_star = newton[-1]
print(f"{'step':>4}  {'Newton x':>20}  {'|error|':>9}  {'gradient descent x':>20}  {'|error|':>9}")
for k in range(7):
    print(f"{k:>4}  {newton[k]:20.12f}  {abs(newton[k] - x_star):9.1e}  "
          f"{descent[k]:20.12f}  {abs(descent[k] - x_star):9.1e}")
print(f"gradient descent after 30 steps: {descent[-1]:.12f}, error {abs(descent[-1] - x_star):.1e}")
newton_errors = [abs(v - x_star) for v in newton]
# the text below: once close, each Newton error is about the square of the one before (the digits
# double), while gradient descent after 30 steps is still far from machine precision
assert all(newton_errors[k + 1] < 10 * newton_errors[k] ** 2 for k in (2, 3, 4))
assert abs(descent[-1] - x_star) > 1e-8

# %% [markdown]
# Newton's error goes 5e-2, 2e-3, 5e-6, 3e-11, then below what a float can show: once close, the
# number of correct digits doubles at each step. Gradient descent's error shrinks by a roughly constant factor per step, so after 30
# steps it is still far from machine precision.
#
# Newton's method looks for a point where $f' = 0$, and so it cannot tell a minimum from a maximum.
# Where $f'' < 0$ (here for $|x| < 1/\sqrt 2$) the fitted parabola opens downward and the Newton step
# heads *uphill*, to its top:

# %%
from_middle = newton_1d(f, 0.4, 6)
print("Newton from x = 0.4:", [round(v, 6) for v in from_middle])
_, slope, curvature = derivatives_1d(f, from_middle[-1])
print(f"there |f'| < 1e-12: {abs(slope) < 1e-12}, and f'' = {curvature:.3f} < 0: a local maximum")

# %%
grid = np.linspace(-2.1, 1.9, 400)
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(grid, [f(v) for v in grid], color="0.6", label="$f(x) = x^4 - 3x^2 + x$")
for path, style, name in [(newton, "o-", "Newton from -2"), (descent, "s-", "gradient descent (η = 0.02)"),
                          (from_middle, "^-", "Newton from 0.4")]:
    ax.plot(path, [f(v) for v in path], style, ms=4, lw=1, label=f"{name}, {len(path) - 1} steps")
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.legend()
ax.set_title("Newton and gradient descent in one dimension")
plt.show()

# %% [markdown]
# ## Newton's method in two dimensions: the Rosenbrock valley
#
# $f(a, b) = (1 - a)^2 + 100\,(b - a^2)^2$ has its minimum at $(1, 1)$, at the end of a long, curved,
# narrow valley: across the valley the function is 100 times steeper than along it. Gradient
# descent must keep its learning rate small enough for the steep direction and then creeps along
# the flat one. Newton's step solves
#
# $$H(x_k)\,\Delta = -\nabla f(x_k), \qquad x_{k+1} = x_k + \Delta,$$
#
# which rescales every direction by its own curvature. `hessian` gives $H$; here it is at the
# classic start $(-1.2, 1)$, next to the entries worked out by hand:
# $\partial^2 f / \partial a^2 = 2 - 400(b - 3a^2)$, $\partial^2 f / \partial a\,\partial b = -400a$,
# $\partial^2 f / \partial b^2 = 200$.


# %%
def rosenbrock(v):
    a, b = v
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2


start = [-1.2, 1.0]
print("engine :", hessian(rosenbrock, start))
a, b = start
print("by hand:", [[round(2 - 400 * (b - 3 * a * a), 9), -400 * a], [-400 * a, 200.0]])


# %%
def gradient(fn, point):
    xs = [Value(p) for p in point]
    return np.array(grad(fn(xs), xs))


def newton(fn, point, steps):
    path = [np.array(point)]
    for _ in range(steps):
        step = np.linalg.solve(np.array(hessian(fn, list(path[-1]))), -gradient(fn, path[-1]))
        path.append(path[-1] + step)
    return np.array(path)


def gradient_descent(fn, point, lr, steps):
    path = [np.array(point)]
    for _ in range(steps):
        path.append(path[-1] - lr * gradient(fn, path[-1]))
    return np.array(path)


newton_path = newton(rosenbrock, start, 7)
descent_path = gradient_descent(rosenbrock, start, lr=0.0015, steps=3000)
def distance_to_minimum(p):
    """The distance to (1, 1), printed as '< 1e-9' below that: LAPACK's last digits vary between machines."""
    d = math.dist(p, (1, 1))
    return f"{d:.1e}" if d >= 1e-9 else "< 1e-9"


for k, p in enumerate(newton_path):
    print(f"Newton step {k}: ({p[0]: .8f}, {p[1]: .8f})   distance to (1, 1): {distance_to_minimum(p)}")
for k in [100, 1000, 3000]:
    p = descent_path[k]
    print(f"gradient descent step {k:>4}: ({p[0]: .6f}, {p[1]: .6f})   distance: {math.dist(p, (1, 1)):.1e}")
# the text below: Newton within 1e-9 in seven steps, its second step far below the valley (b < 0 < a^2),
# gradient descent still well short after 3000
assert math.dist(newton_path[7], (1, 1)) < 1e-9 and newton_path[2][1] < 0 < newton_path[2][0] ** 2
assert math.dist(descent_path[3000], (1, 1)) > 0.1

# %% [markdown]
# Newton lands on $(1, 1)$ to within $10^{-9}$ in seven steps (its second step even leaves the
# valley far below and comes back: a pure Newton step trusts its parabola completely). Gradient
# descent is still well short after 3000 steps. The Hessian at the minimum says why: its eigenvalues
# are the curvatures along the two principal directions, and they differ by a factor of 2500.

# %%
eigenvalues = np.linalg.eigvalsh(np.array(hessian(rosenbrock, [1.0, 1.0])))
print(f"eigenvalues of the Hessian at (1, 1): {eigenvalues[0]:.4f} and {eigenvalues[1]:.2f}, "
      f"ratio {eigenvalues[1] / eigenvalues[0]:.0f}")
assert 2400 < eigenvalues[1] / eigenvalues[0] < 2600, "the text says a factor of 2500"
# below: a rate under 2 / (the large curvature) shrinks the error along the valley by under 0.1% a step
assert 2 / eigenvalues[1] * eigenvalues[0] < 0.001

# %% [markdown]
# A gradient step of size $\eta$ multiplies the error along a direction of curvature $\lambda$ by
# $1 - \eta\lambda$. Across the valley ($\lambda \approx 1000$) that must stay above $-1$, so
# $\eta < 2/1000$; along it ($\lambda \approx 0.4$) the error then shrinks by less than 0.1% per step.
# Newton's step divides each direction by its own curvature, and the mismatch disappears.

# %%
A, B = np.meshgrid(np.linspace(-1.6, 1.6, 300), np.linspace(-3.4, 2.4, 300))
F = (1 - A) ** 2 + 100 * (B - A * A) ** 2
fig, (left, right) = plt.subplots(1, 2, figsize=(8.2, 4.2))
left.contour(A, B, np.log10(F + 1e-3), levels=25, cmap="Greys", linewidths=0.7)
left.plot(*descent_path.T, "-", color="tab:orange", lw=1.5, label="gradient descent, 3000 steps (η = 0.0015)")
left.plot(*newton_path.T, "o-", color="tab:blue", ms=4, lw=1, label="Newton, 7 steps")
left.plot([1], [1], "*", color="k", ms=12, label="minimum (1, 1)")
left.set_xlabel("a")
left.set_ylabel("b")
left.legend(loc="lower left")
left.set_title("paths over the Rosenbrock valley")
right.semilogy([math.dist(p, (1, 1)) for p in descent_path], color="tab:orange", label="gradient descent")
newton_distances = [max(math.dist(p, (1, 1)), 1e-17) for p in newton_path]  # a log scale has no 0
right.semilogy(newton_distances, "o-", color="tab:blue", label="Newton")
right.set_xscale("symlog", linthresh=10)
right.set_xlabel("step")
right.set_ylabel("distance to the minimum")
right.legend()
right.set_title("convergence")
fig.tight_layout()
plt.show()

# %% [markdown]
# Newton's method pays for its speed: each step needs the full Hessian ($n^2$ second derivatives, here
# $n + 1$ passes of `grad`) and a linear solve, which is why large networks are trained with
# first-order methods. But for small problems, and for the curvature questions behind many
# optimisers, exact second derivatives are one `create_graph=True` away.

# %% [markdown]
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: which stationary point?
#
# Start the one-dimensional Newton iteration at $x = 1.5$ and at $x = 0.7$. Where does each end, and
# is that a minimum or a maximum? (The sign of $f''$ there tells.)

# %%
# BEGIN SOLUTION
end_from_1_5 = newton_1d(f, 1.5, 50)[-1]
kind_from_1_5 = "minimum" if derivatives_1d(f, end_from_1_5)[2] > 0 else "maximum"
end_from_0_7 = newton_1d(f, 0.7, 50)[-1]
kind_from_0_7 = "minimum" if derivatives_1d(f, end_from_0_7)[2] > 0 else "maximum"
# END SOLUTION

# %%
check_stationary_point(f, 1.5, end_from_1_5, kind_from_1_5)
check_stationary_point(f, 0.7, end_from_0_7, kind_from_0_7)

# %% [markdown]
# ### Exercise 2: a Newton step only where it is safe
#
# Make Newton's method safe for non-convex functions: take the Newton step where $f'' > 0$ and a
# gradient step ($\eta = 0.02$) otherwise. The check runs it from $x = 0.4$, where plain Newton found
# a maximum, and from other starts, and asks for a minimum every time.


# %%
def safe_newton_1d(fn, x0, steps):
    # BEGIN SOLUTION
    path = [x0]
    for _ in range(steps):
        _, slope, curvature = derivatives_1d(fn, path[-1])
        step = slope / curvature if curvature > 0 else 0.02 * slope
        path.append(path[-1] - step)
    return path
    # END SOLUTION


# %%
check_finds_minimum(safe_newton_1d, f, [0.4, -2.0, 1.5, 0.7])

# %% [markdown]
# ### Exercise 3: damped Newton
#
# Replace $x_{k+1} = x_k + \Delta$ by $x_k + t\Delta$, with $t$ starting at 1 and halved until $f$
# decreases. The check asks that no step raises $f$ and that 30 steps end within $10^{-6}$ of
# $(1, 1)$. Does the path still leave the valley?


# %%
def damped_newton(fn, point, steps):
    # BEGIN SOLUTION
    path = [np.array(point)]
    for _ in range(steps):
        p = path[-1]
        step = np.linalg.solve(np.array(hessian(fn, list(p))), -gradient(fn, p))
        t = 1.0
        while fn(p + t * step) > fn(p) and t > 1e-10:
            t /= 2
        path.append(p + t * step)
    return path
    # END SOLUTION


# %%
check_descent_path(damped_newton(rosenbrock, start, 30), rosenbrock, [1.0, 1.0])

# %% [markdown]
# ### Exercise 4: a third derivative
#
# Write `third_derivative(fn, x)` with nested `grad(..., create_graph=True)` calls. The check compares
# it, for $\tanh$, with the closed form $-2(1 - t^2)(1 - 3t^2)$, $t = \tanh x$.


# %%
def third_derivative(fn, x):
    # BEGIN SOLUTION
    v = Value(x)
    d = fn(v)
    for _ in range(3):
        (d,) = grad(d, [v], create_graph=True)
    return d.data
    # END SOLUTION


# %%
check_function("third_derivative(tanh)", lambda x: third_derivative(lambda v: v.tanh(), x),
               lambda x: -2 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2), [[0.5], [-1.0], [2.0]])  # fmt: skip
