# %% [markdown]
# # 6. Checking gradients
#
# Backpropagation is only as right as the local derivatives it multiplies. The engine's own rules
# are tested, but the moment you add an operation of your own you write a derivative by hand, and a
# wrong one fails silently: the loss still goes down (a bit), the numbers still look like numbers.
#
# `gradcheck` is the safety net. It compares the gradients `backward()` computes with the slopes it
# measures by nudging each input, the **central difference**
#
# $$\frac{\partial f}{\partial x_i} \approx \frac{f(\dots, x_i + \varepsilon, \dots) - f(\dots, x_i - \varepsilon, \dots)}{2 \varepsilon},$$
#
# whose error shrinks like $\varepsilon^2$. In this notebook we add an operation to the engine with a
# deliberately wrong derivative and watch `gradcheck` catch it, then look at where the check itself
# can mislead.

# %%
import math
import random

from autograd_tiny import GradcheckError, Value, gradcheck, numerical_grad

# %% [markdown]
# ## A function built from the engine's operations
#
# For anything composed of the built-in operations the check passes: every local derivative comes
# from the engine's rule table. `numerical_grad` gives the measured slopes on their own.


# %%
def f(a, b):
    return (a * b).tanh() + (a / b).exp()


point = [0.3, -1.7]
a, b = Value(point[0]), Value(point[1])
f(a, b).backward()
print("backward()   :", [a.grad, b.grad])
print("finite diffs :", numerical_grad(f, point))
print("gradcheck    :", gradcheck(f, point))

# %% [markdown]
# ## Adding an operation of our own
#
# Sometimes you want an operation the engine does not have, with a derivative you work out yourself:
# because the formula is simpler than what the engine would build from pieces, or numerically safer,
# or because the forward pass is not made of `Value` operations at all (a lookup table, a call into
# another library). All the engine needs from an operation is its **value** and its **local
# derivatives**. A derivative is exactly what makes "value plus slope times displacement" right to
# first order, so we can hand the engine just that:
#
# $$\text{result} = f(a, b) + f_a \cdot (x - a) + f_b \cdot (y - b),$$
#
# where $a, b$ are the current values of the inputs $x, y$ and $f_a, f_b$ our hand-written partial
# derivatives there. The displacements $x - a$ are exactly zero, so the result *is* $f(a, b)$; and
# `backward()` sends each input the result's gradient times its slope, as it would for a built-in
# operation. `custom_op` wraps any float function and its derivatives this way:


# %%
def custom_op(forward, derivatives):
    """An operation on Values from a float function and a function giving its partial derivatives."""

    def op(*inputs: Value) -> Value:
        point = [v.data for v in inputs]
        result = Value(forward(*point))
        for v, slope in zip(inputs, derivatives(*point)):
            result = result + (v - v.data) * slope  # adds 0 to the value, `slope` to the gradient
        return result

    return op


# %% [markdown]
# Let's add `hypot(x, y)` $= \sqrt{x^2 + y^2}$, the length of the vector $(x, y)$. Its derivatives are
# $x / \text{hypot}$ and $y / \text{hypot}$, and here is the kind of slip that happens when the second
# one is copied from the first:

# %%
hypot = custom_op(
    lambda x, y: math.sqrt(x * x + y * y),
    lambda x, y: (x / math.sqrt(x * x + y * y), x / math.sqrt(x * x + y * y)),  # BUG: the second is y / ...
)

u, v = Value(3.0), Value(4.0)
r = hypot(u, v)
r.backward()
print(r.data, u.grad, v.grad)

# %% [markdown]
# The forward value is right (5.0) and the gradients look perfectly plausible. Inside a model this
# would train, only worse than it should. `gradcheck` says otherwise, and its table names the input
# that disagrees:


# %%
def distance_loss(x, y):
    return (hypot(x, y) - 1.0) ** 2


try:
    gradcheck(distance_loss, [3.0, 4.0])
except GradcheckError as error:
    print(error)

# %% [markdown]
# Input 0 (`x`) is fine and input 1 (`y`) is off: the bug is in the second derivative. The check
# caught it even though `hypot` sat inside a larger expression, because the chain rule carries the
# wrong factor all the way to the inputs. Fix the derivative and check again:

# %%
hypot = custom_op(
    lambda x, y: math.sqrt(x * x + y * y),
    lambda x, y: (x / math.sqrt(x * x + y * y), y / math.sqrt(x * x + y * y)),
)
print(gradcheck(distance_loss, [3.0, 4.0]))

# %% [markdown]
# ## Check at more than one point
#
# A derivative can be right in one region and wrong in another. Here is a leaky ReLU,
# $x$ for $x > 0$ and $0.1\,x$ otherwise, whose author forgot the slope of the negative side:

# %%
leaky_relu = custom_op(
    lambda x: x if x > 0 else 0.1 * x,
    lambda x: (1.0 if x > 0 else 0.0,),  # BUG: the slope is 0.1 when x <= 0
)


def g(x, y):
    return leaky_relu(x * y + 1.0) * y


print("at (1.0, 2.0):", gradcheck(g, [1.0, 2.0]))

# %% [markdown]
# One passing point proves little. Random points, spread so that every branch is visited, find it:

# %%
rng = random.Random(0)
failing = []
for _ in range(20):
    x, y = rng.uniform(-3, 3), rng.uniform(-3, 3)
    try:
        gradcheck(g, [x, y])
    except GradcheckError:
        failing.append((x, y))
print(f"{len(failing)} of 20 random points fail; x*y + 1 at each of them:")
print([round(x * y + 1, 2) for x, y in failing])

# %% [markdown]
# Every failure has $x y + 1 < 0$: the negative side of the leaky ReLU. (The property-based tests of
# this project do the same thing on a larger scale, with `hypothesis` choosing the points.)

# %% [markdown]
# ## When the check itself misleads
#
# **Kinks.** At a point where a function is not differentiable, the central difference averages the
# two one-sided slopes, while the engine picks one of them (PyTorch's convention, `relu'(0) = 0`).
# Neither is wrong; the check is just asking a question with no single answer:

# %%
try:
    gradcheck(lambda x: x.relu(), [0.0])
except GradcheckError as error:
    print(error)
print("a little way off the kink:", gradcheck(lambda x: x.relu(), [1e-3]))

# %% [markdown]
# **The step size.** Too large an $\varepsilon$ and the $\varepsilon^2$ truncation error dominates; too
# small and the two function values agree in nearly all their digits, so their difference is mostly
# rounding noise (about $10^{-16} / \varepsilon$ relative). For double precision the sweet spot for
# central differences is around $\varepsilon \approx 10^{-5}$ to $10^{-6}$, which is why `gradcheck`
# defaults to `eps=1e-6` with tolerances `atol=1e-5, rtol=1e-3`.

# %%
x0 = 0.7
a = Value(x0)
(a.sin() * a.exp()).backward()
exact = a.grad
print(f"{'eps':>8}  {'|numerical - backward()|':>26}")
for eps in [1e-1, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12]:
    numeric = numerical_grad(lambda x: x.sin() * x.exp(), [x0], eps=eps)[0]
    print(f"{eps:8.0e}  {abs(numeric - exact):26.2e}")

# %% [markdown]
# The error falls a hundredfold per tenfold smaller $\varepsilon$ (the $\varepsilon^2$ law) until
# about $10^{-5}$, then rises again as rounding takes over.

# %% [markdown]
# ## Exercises
#
# 1. Make `softplus(x)` $= \log(1 + e^x)$ a `custom_op` with its derivative (it is a function you have
#    met in this project) and check it at twenty random points. Then break it on purpose in a way
#    `gradcheck` cannot see at $x = 0$. What does that tell you about choosing check points?
# 2. The leaky ReLU failures all sat on one side of the kink. Change the random points so that one of
#    them lands exactly on $x y + 1 = 0$. What does `gradcheck` report there, and is it a bug?
# 3. A forward function can be wrong too: make `hypot`'s forward pass return `x + y` while keeping the
#    correct derivatives. Does `gradcheck` notice? Why (think about what each side of the check uses)?
# 4. Replace the central difference by the one-sided $\left(f(x + \varepsilon) - f(x)\right) / \varepsilon$
#    in the step-size table. How does the error now fall with $\varepsilon$, and where is the best
#    $\varepsilon$?
