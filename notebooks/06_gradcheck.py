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
# whose error shrinks like $\varepsilon^2$. In this notebook we add operations to the engine with
# `define_op`, give one a deliberately wrong derivative and watch `gradcheck` catch it, then look at
# where the check itself can mislead.

# %%
import inspect
import math
import random

from autograd_tiny import GradcheckError, Value, define_op, grad, gradcheck, numerical_grad
from autograd_tiny.exercises import (
    check_derivatives,
    check_gradcheck_verdict,
    check_kink_point,
    check_one_sided_difference,
    check_unary_op,
    check_wrong_only_away_from,
)

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
# because the formula is simpler than what the engine would build from pieces, or numerically safer.
# The engine keeps every operation as one entry of its table `RULES`, a pair of functions:
#
# - `forward(m, x, y)`: the result, from the inputs `x` and `y` (`y` is `None` for a one-input
#   operation);
# - `local(m, x, y, out)`: the derivative of the result with respect to each input, as a tuple;
#   `out` is the result, handy when the derivative is easiest written with it (as for `tanh`
#   below; but `out` only gives what it determines: $\cos x$ is not $\sqrt{1 - \sin^2 x}$ where
#   $\cos x < 0$).
#
# `m` is a maths namespace: `m.exp`, `m.log`, `m.sqrt`, `m.tanh`, ... Writing `m.sqrt` rather than
# `math.sqrt` lets the engine run the same rule on floats for `backward()` and on Values when a
# gradient must itself be differentiated. The built-in `tanh`, for instance, is
# `(lambda m, x, _: m.tanh(x), lambda m, x, _, out: (1.0 - out * out,))`.
#
# `define_op(name, forward, local)` adds such a pair to the table and returns the function that
# applies it. Names are unique: `define_op` refuses one already in `RULES`. In a live notebook you
# will re-run a cell after fixing it, so every cell here passes `replace=True`: an operation defined
# by `define_op` may then take its new rule (the engine's own operations never can).
#
# Let's add `hypot(x, y)` $= \sqrt{x^2 + y^2}$, the length of the vector $(x, y)$. Its derivatives are
# $x / \text{hypot}$ and $y / \text{hypot}$, and here is the kind of slip that happens when the second
# one is copied from the first:

# %%
hypot_wrong = define_op(
    "hypot_wrong",
    lambda m, x, y: m.sqrt(x * x + y * y),
    lambda m, x, y, out: (x / out, x / out),  # BUG: the second should be y / out,
    replace=True,
)

u, v = Value(3.0), Value(4.0)
r = hypot_wrong(u, v)
r.backward()
print(r.op, r.data, u.grad, v.grad)

# %% [markdown]
# The forward value is right (5.0) and the gradients look perfectly plausible. Inside a model this
# would train, only worse than it should. `gradcheck` says otherwise, and its table names the input
# that disagrees:


# %%
def distance_loss(hypot_op):
    """The loss (|(x, y)| - 1)^2, with the length computed by hypot_op."""
    return lambda x, y: (hypot_op(x, y) - 1.0) ** 2


try:
    gradcheck(distance_loss(hypot_wrong), [3.0, 4.0])
except GradcheckError as error:
    print(error)

# %% [markdown]
# Input 0 (`x`) is fine and input 1 (`y`) is off: the bug is in the second derivative. The check
# caught it even though the operation sat inside a larger expression, because the chain rule carries
# the wrong factor all the way to the inputs. Fix the derivative, under a new name since
# `"hypot_wrong"` is taken, and check again:

# %%
hypot = define_op(
    "hypot",
    lambda m, x, y: m.sqrt(x * x + y * y),
    lambda m, x, y, out: (x / out, y / out),
    replace=True,
)
print(gradcheck(distance_loss(hypot), [3.0, 4.0]))

# %% [markdown]
# ## One rule, every kind of derivative
#
# Because the rule is written with `m` and ordinary arithmetic, the engine can also run it on Values.
# So `grad(..., create_graph=True)` differentiates through `hypot` as well, giving derivatives of
# derivatives, and `compile_graph` (notebook 8) replays graphs containing it, with no extra code.
# At $(3, 4)$: $\partial\,\text{hypot} / \partial x = x / \text{hypot} = 0.6$, and differentiating that
# again, $\partial^2 \text{hypot} / \partial x^2 = y^2 / \text{hypot}^3 = 16 / 125 = 0.128$:

# %%
x, y = Value(3.0), Value(4.0)
(dx,) = grad(hypot(x, y), x, create_graph=True)  # a Value, itself differentiable
(dxx,) = grad(dx, x)
print("d hypot/dx     :", dx.data)
print("d2 hypot/dx2   :", dxx)
print("y**2 / hypot**3:", 4.0**2 / 5.0**3)

# %% [markdown]
# ## Check at more than one point
#
# A derivative can be right in one region and wrong in another. Here is a leaky ReLU,
# $x$ for $x > 0$ and $0.1\,x$ otherwise, whose author forgot the slope of the negative side:

# %%
leaky_relu_wrong = define_op(
    "leaky_relu_wrong",
    lambda m, x, _: x if x > 0 else 0.1 * x,
    lambda m, x, _, out: (1.0 if x > 0 else 0.0,),  # BUG: the slope is 0.1 when x <= 0,
    replace=True,
)


def g(x, y):
    return leaky_relu_wrong(x * y + 1.0) * y


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
assert failing and all(x * y + 1 < 0 for x, y in failing), "the text below: every failure is on the negative side"
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
errors = {}
for eps in [1e-1, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12]:
    numeric = numerical_grad(lambda x: x.sin() * x.exp(), [x0], eps=eps)[0]
    errors[eps] = abs(numeric - exact)
    print(f"{eps:8.0e}  {errors[eps]:26.2e}")
# the text: a hundredfold per tenfold while the eps^2 law holds, the best eps near 1e-5, then worse again
assert 50 < errors[1e-1] / errors[1e-2] < 200 and min(errors, key=errors.get) in (1e-4, 1e-6)
assert errors[1e-12] > 100 * min(errors.values())
defaults = {name: p.default for name, p in inspect.signature(gradcheck).parameters.items()}
assert (defaults["eps"], defaults["atol"], defaults["rtol"]) == (1e-6, 1e-5, 1e-3), "the defaults the text names"

# %% [markdown]
# The error falls a hundredfold per tenfold smaller $\varepsilon$ (the $\varepsilon^2$ law) until
# about $10^{-5}$, then rises again as rounding takes over.

# %% [markdown]
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
# Operation names are unique; to run a fixed `define_op` cell again, it passes `replace=True`, which
# lets an operation of your own take a new rule (never one of the engine's own).
#
# ### Exercise 1: swish, and a bug one point cannot see
#
# Add `swish(x)` $= x\,\sigma(x)$ with `define_op`; its derivative is
# $\sigma(x) + x\,\sigma(x)\,(1 - \sigma(x))$ (`m.sigmoid` exists). The check compares it with finite
# differences at twenty random points. Then break its derivative on purpose in a way a check at
# $x = 0$ cannot see. What does that tell you about choosing check points?


# %%
def swish_local(m, x, _, out):
    # BEGIN SOLUTION
    s = m.sigmoid(x)
    return (s + x * s * (1 - s),)
    # END SOLUTION


def swish_broken_local(m, x, _, out):
    # BEGIN SOLUTION
    # drop the second term: it is x * (...), so it vanishes at x = 0 and the bug hides there
    return (m.sigmoid(x),)
    # END SOLUTION


swish = define_op("swish", lambda m, x, _: x * m.sigmoid(x), swish_local, replace=True)
swish_broken = define_op(
    "swish_broken", lambda m, x, _: x * m.sigmoid(x), swish_broken_local, replace=True
)

# %%
check_unary_op("swish", swish, lambda x: x / (1 + math.exp(-x)), [rng.uniform(-5, 5) for _ in range(20)])
check_wrong_only_away_from("swish_broken", swish_broken, lambda x: x / (1 + math.exp(-x)), at=0.0)

# %% [markdown]
# ### Exercise 2: exactly on the kink
#
# The leaky ReLU failures all sat on one side of the kink. Find a point $(x, y)$ where $x y + 1$ is
# *exactly* 0 in floating point. The cell after the check shows what `gradcheck` reports there: is it
# a bug?

# %%
kink_point = (2.0, -0.5)  # SOLUTION

# %%
check_kink_point(kink_point)

# %%
leaky_relu = define_op(
    "leaky_relu",
    lambda m, x, _: x if x > 0 else 0.1 * x,
    lambda m, x, _, out: (1.0 if x > 0 else 0.1,),
    replace=True,
)
try:
    gradcheck(lambda x, y: leaky_relu(x * y + 1.0) * y, list(kink_point))
except GradcheckError as error:
    print(error)

# %% [markdown]
# Even the *correct* leaky ReLU fails there: the central difference averages the slopes 1 and 0.1 of
# the two sides, while the rule picks one. Not a bug, a point with no derivative (as with `relu` above).
#
# ### Exercise 3: a wrong forward
#
# Here is a `hypot` whose forward returns $x + y$ while its local rule is still
# $(x / \text{out}, y / \text{out})$. Does `gradcheck` notice? Think about what each side of the check
# uses, then answer `True` or `False`.

# %%
hypot_bad_forward = define_op(
    "hypot_bad_forward", lambda m, x, y: x + y, lambda m, x, y, out: (x / out, y / out),
    replace=True,
)
# BEGIN SOLUTION
# yes: the finite differences nudge the forward, x + y, whose slopes are 1 and 1, while backward()
# multiplies the rule's x / out and y / out; the two sides disagree wherever those are not 1
gradcheck_notices = True
# END SOLUTION

# %%
check_gradcheck_verdict(hypot_bad_forward, gradcheck_notices)

# %% [markdown]
# ### Exercise 4: why `m` matters
#
# `my_sin_math` writes its local rule with `math.cos` instead of `m.cos`. `gradcheck` passes, since
# first derivatives only need floats. But a second derivative needs the local derivative as a Value
# with a graph behind it, and `math.cos(x)` turns the Value into a plain float: its own derivative
# would silently come out 0. The engine notices the float escaping and refuses, naming the operation
# (the next cell shows it). Define `my_sin` so that its first and second derivatives are both right;
# the check tries both, at points where $\cos x$ is negative too.

# %%
from autograd_tiny import RuleEscapesGraphError

my_sin_math = define_op(
    "my_sin_math", lambda m, x, _: m.sin(x), lambda m, x, _, out: (math.cos(x),), replace=True
)
print("gradcheck of my_sin_math:", gradcheck(lambda v: my_sin_math(v), [0.5]))
x = Value(0.5)
try:
    grad(my_sin_math(x), x, create_graph=True)
except RuleEscapesGraphError as e:
    print("grad(..., create_graph=True) refuses:", str(e).split(",")[0])

# %%
# BEGIN SOLUTION
my_sin = define_op(
    "my_sin", lambda m, x, _: m.sin(x), lambda m, x, _, out: (m.cos(x),), replace=True
)
# END SOLUTION

# %%
check_derivatives("my_sin", my_sin, [math.cos, lambda x: -math.sin(x)], [0.5, 1.0, -2.0])

# %% [markdown]
# `math.cos(x)` would turn the Value into a plain float, a derivative with no graph behind it whose
# own derivative is 0. `m.cos` is `Value.cos` when the engine differentiates a second time, and the
# chain continues.
#
# ### Exercise 5: a one-sided difference
#
# Write the one-sided difference $\left(f(x + \varepsilon) - f(x)\right) / \varepsilon$ for a float
# function `f`. The cell after the check puts it into the step-size table: how does its error fall
# with $\varepsilon$, and where is its best $\varepsilon$?


# %%
def one_sided_difference(f, x, eps):
    # BEGIN SOLUTION
    return (f(x + eps) - f(x)) / eps
    # END SOLUTION


# %%
check_one_sided_difference(one_sided_difference)

# %%
print(f"{'eps':>8}  {'|one-sided - backward()|':>26}")
for eps in [1e-1, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12]:
    error = abs(one_sided_difference(lambda v: math.sin(v) * math.exp(v), x0, eps) - exact)
    print(f"{eps:8.0e}  {error:26.1e}")

# %% [markdown]
# The error now falls only tenfold per tenfold smaller $\varepsilon$ (it is proportional to
# $\varepsilon$, not $\varepsilon^2$), so the best $\varepsilon$ is smaller, near $10^{-8}$ (the square
# root of the float precision), and the best error is larger than the central difference's.
