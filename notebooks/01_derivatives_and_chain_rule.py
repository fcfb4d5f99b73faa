# %% [markdown]
# # 1. Derivatives and the chain rule with `Value`
#
# A derivative answers one question: *if I nudge this input a little, how much does the output move,
# and in which direction?* In this notebook we measure that by nudging, compute it exactly with the
# engine, and see how the engine gets exact answers for long expressions: by the chain rule, one
# operation at a time. We finish with a single artificial neuron and a picture of its computation
# graph.

# %%

import matplotlib.pyplot as plt

from autograd_tiny import Value, numerical_grad
from autograd_tiny.viz import draw_dot

# %% [markdown]
# ## A derivative, measured and computed
#
# Take $f(x) = 3x^2 - 4x + 5$. Its derivative, by the rules of calculus, is $f'(x) = 6x - 4$, so at
# $x = 3$ it is 14. Without calculus we can *measure* it: move $x$ by a small $h$ and divide the change
# in $f$ by $h$.


# %%
def f(x):
    return 3 * x**2 - 4 * x + 5


x0 = 3.0
for h in [0.1, 0.01, 0.001, 1e-6]:
    print(f"h = {h:<6g}  (f(x + h) - f(x)) / h = {(f(x0 + h) - f(x0)) / h:.8f}")

# %% [markdown]
# The measured slope closes in on 14 as $h$ shrinks (its error is about $3h$ here). The engine gets
# it exactly, with no $h$ at all: wrap the input in a `Value`, compute, call `backward()`, and read
# the `.grad` of the input.

# %%
x = Value(x0, label="x")
y = f(x)
y.backward()
print(y)
print(f"x.grad = {x.grad}   (6x - 4 = {6 * x0 - 4})")

# %%
xs = [i / 20 for i in range(-20, 61)]
fig, ax = plt.subplots(figsize=(4.5, 3))
ax.plot(xs, [f(v) for v in xs], label="f(x)")
ax.plot(xs, [f(x0) + x.grad * (v - x0) for v in xs], "--", label=f"tangent at x = 3, slope {x.grad:g}")
ax.scatter([x0], [f(x0)], color="black", zorder=3)
ax.set_ylim(-5, 25)
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## The chain rule, one operation at a time
#
# The engine does not know that the derivative of $3x^2 - 4x + 5$ is $6x - 4$. It only knows the
# derivative of each *single* operation, and records it as it computes. Every `Value` remembers which
# values it was made from (`parents`), by which operation (`op`), and the derivative of itself with
# respect to each parent (`local_grads`):

# %%
a = Value(2.0, label="a")
b = Value(-0.5, label="b")
c = a * b
c.label = "c"
d = c.exp()
d.label = "d"
for v in (c, d):
    print(
        f"{v.label} = {v.data:+.5f}  op {v.op!r:6}  parents {[p.label for p in v.parents]}  local grads {v.local_grads}"
    )

# %% [markdown]
# $\partial c / \partial a = b = -0.5$ and $\partial d / \partial c = e^c$. The **chain rule** says
# derivatives along a path multiply: $\partial d / \partial a = \partial d / \partial c \cdot \partial c / \partial a$.
# That is all `backward()` does: starting from $\partial d / \partial d = 1$ it walks the graph from the
# output back to the inputs, multiplying each node's gradient by the recorded local derivatives.

# %%
d.backward()
by_hand = d.local_grads[0] * c.local_grads[0]
print(f"a.grad = {a.grad:.8f}   chain rule by hand: {by_hand:.8f}")
print(f"b.grad = {b.grad:.8f}   chain rule by hand: {d.local_grads[0] * c.local_grads[1]:.8f}")

# %% [markdown]
# When a value is used more than once its gradient collects a contribution from every use: the
# multivariable chain rule *adds* the paths. $e = a \cdot a + a$ has $\partial e / \partial a = 2a + 1$:

# %%
a = Value(2.0, label="a")
e = a * a + a
e.backward()
print(f"a.grad = {a.grad}   2a + 1 = {2 * a.data + 1}")

# %% [markdown]
# ## A single neuron
#
# A neuron weighs its inputs, adds a bias and squashes the sum: $o = \tanh(x_1 w_1 + x_2 w_2 + b)$.
# Labels name the nodes in the picture.

# %%
x1, x2 = Value(1.5, label="x1"), Value(-0.5, label="x2")
w1, w2 = Value(0.8, label="w1"), Value(-1.2, label="w2")
bias = Value(0.1, label="b")
x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
n = x1w1 + x2w2 + bias
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()
draw_dot(o)

# %% [markdown]
# Read it from the right. $\partial o / \partial o = 1$; `tanh`'s local derivative is $1 - o^2$, which
# gives $n$'s gradient; a `+` passes its gradient unchanged to both inputs; a `*` sends each input the
# gradient times *the other* input. So `w1.grad` is `x1.data` times `n.grad`: the larger the input, the
# more its weight matters.
#
# Every one of these numbers can be measured by nudging, as at the start. `numerical_grad` nudges each
# input of a function in turn (central differences, $\varepsilon = 10^{-6}$):


# %%
def neuron(x1, x2, w1, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()


measured = numerical_grad(neuron, [1.5, -0.5, 0.8, -1.2, 0.1])
for leaf, slope in zip([x1, x2, w1, w2, bias], measured):
    print(f"{leaf.label:3s} engine {leaf.grad:+.10f}   measured {slope:+.10f}")
print(f"largest difference: {max(abs(v.grad - s) for v, s in zip([x1, x2, w1, w2, bias], measured)):.1e}")

# %% [markdown]
# ## Exercises
#
# 1. Compute the derivative of $f(x) = x^3 / (1 + x^2)$ at $x = 2$ three ways: by hand, by nudging, and
#    with `Value`. How small must $h$ be for the nudge to agree to six digits?
# 2. Write $\tanh$ out as $(e^{2n} - 1) / (e^{2n} + 1)$ with `exp`, `-`, `+` and `/`, rebuild the neuron
#    with it and draw the graph. Are the gradients of the weights the same? Which graph is easier to read?
# 3. Call `o.backward()` a second time and print `w1.grad`. Why has it doubled, and how do you start a
#    fresh computation of gradients?
# 4. Find input values for which `w1.grad` is almost exactly 0 although `x1` is not. What is going on
#    inside the `tanh`?
