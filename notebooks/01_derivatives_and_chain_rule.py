# %% [markdown]
# # 1. Derivatives and the chain rule with `Value`
#
# A derivative answers one question: *if I nudge this input a little, how much does the output move,
# and in which direction?* In this notebook we measure that by nudging, compute it exactly with the
# engine, and see how the engine gets exact answers for long expressions: by the chain rule, one
# operation at a time. We finish with a single artificial neuron and a picture of its computation
# graph.

# %%

import inspect
import math

import matplotlib.pyplot as plt

from autograd_tiny import Value, backward_order, numerical_grad
from autograd_tiny.exercises import (
    check_backward_from_scratch,
    check_derivative,
    check_manual_grads,
    check_saturated_neuron,
    check_value_function,
)
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
assert x.grad == 14.0, "the text says 14, exactly"

# %%
xs = [i / 20 for i in range(-20, 61)]
fig, ax = plt.subplots(figsize=(4.5, 3))
ax.plot(xs, [f(v) for v in xs], label="f(x)")
ax.plot(xs, [f(x0) + x.grad * (v - x0) for v in xs], "--", label=f"tangent at x = 3, slope {x.grad:g}")
ax.scatter([x0], [f(x0)], color="black", zorder=3)
ax.set_ylim(-5, 25)
ax.legend()
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
# The numbers are chosen so that you can follow every gradient in your head: the bias makes the sum
# $n = \operatorname{artanh}(1/\sqrt 2) \approx 0.8814$, so that $o = 1/\sqrt 2 \approx 0.7071$ and
# $1 - o^2 = 1/2$ exactly. Labels name the nodes in the picture.
#
# (Here $x_1, x_2$ name the neuron's inputs, as texts on a single neuron do. From notebook 2 on, the
# layered derivation uses one notation throughout: $x_n$ is what *enters* the units of layer $n$
# (their weighted sums), $y_n = f(x_n)$ what leaves them. In it, this neuron's inputs are $y_1$, its
# sum $n$ is $x_2$ and its output $o$ is $y_2 = \tanh(x_2)$.)

# %%
x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(3.0, label="w2")
bias = Value(math.atanh(math.sqrt(0.5)) + 9.0, label="b")  # x1*w1 + x2*w2 = -9, so n = 0.8814
x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
s = x1w1 + x2w2
s.label = "x1*w1 + x2*w2"
n = s + bias
n.label = "n"
o = n.tanh()
o.label = "o"
print(f"n = {n.data:.4f}, o = {o.data:.4f}, 1 - o^2 = {1 - o.data**2:.4f}")
draw_dot(o, show_grad=False)

# %% [markdown]
# ### Backpropagation by hand
#
# Before the engine does it, do it yourself: set the `.grad` of every node, from the output back.
# Four rules are all you need: $\partial o / \partial o = 1$; `tanh` multiplies by its local
# derivative $1 - o^2$; a `+` passes its gradient unchanged to both inputs; a `*` sends each input
# the gradient times *the other* input. `check_manual_grads(o)` compares every node with the chain
# rule and names the first wrong one, from the output down.
#
# (How to work the exercises in these notebooks: each *answer cell* is for your answer; the stored
# notebook shows a worked solution there. Replace it with your own, or get a copy with every answer
# blanked: `python notebooks/build.py --starter DIR`. The check cell after it answers in red, saying
# what is wrong and where to look, until your answer is right, and then in green.)

# %%
# BEGIN SOLUTION
o.grad = 1.0
n.grad = (1 - o.data**2) * o.grad  # tanh
s.grad = n.grad  # + passes the gradient on
bias.grad = n.grad
x1w1.grad = s.grad
x2w2.grad = s.grad
w1.grad = x1.data * x1w1.grad  # * sends the other input times the gradient
x1.grad = w1.data * x1w1.grad
w2.grad = x2.data * x2w2.grad
x2.grad = w2.data * x2w2.grad
# END SOLUTION

# %%
check_manual_grads(o)

# %% [markdown]
# Now let the engine do the same. `backward()` *adds* to every `.grad` (exercise 3 shows why), so we
# reset the hand-made ones first, then compare:

# %%
by_hand = {v.label: v.grad for v in backward_order(o)}
for v in backward_order(o):
    v.grad = 0.0
o.backward()
print("every .grad as by hand:", all(v.grad == by_hand[v.label] for v in backward_order(o)))
# the numbers the text reads off the picture below
read_off = zip([o.grad, n.grad, w1.grad, x1.grad, w2.grad, x2.grad], [1.0, 0.5, 1.0, -1.5, -0.5, 1.5])
assert all(abs(got - said) < 1e-12 for got, said in read_off)
draw_dot(o)

# %% [markdown]
# Read it from the right: `o` 1, `n` 0.5 (the `tanh` step), then 0.5 along every `+`, and at the
# `*` nodes each input gets the other input times 0.5: `w1.grad` $= x_1 \cdot 0.5 = 1$, `x1.grad`
# $= w_1 \cdot 0.5 = -1.5$, `w2.grad` $= x_2 \cdot 0.5 = -0.5$, `x2.grad` $= w_2 \cdot 0.5 = 1.5$.
# The larger the input, the more its weight matters; were $x_2$ 0, `w2.grad` would be 0 too: a
# weight on an input that is zero cannot change the output. (The numbers are chosen so that no
# wrong rule gives the right gradient by accident: treat a `*` like a `+` and the check notices.)
#
# Every one of these numbers can be measured by nudging, as at the start. `numerical_grad` nudges each
# input of a function in turn (central differences, $\varepsilon = 10^{-6}$):


# %%
def neuron(x1, x2, w1, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()


leaves = [x1, x2, w1, w2, bias]
measured = numerical_grad(neuron, [v.data for v in leaves])
for leaf, slope in zip(leaves, measured):
    print(f"{leaf.label:3s} engine {leaf.grad:+.8f}   measured {slope:+.8f}")
print(f"largest difference below 1e-8: {max(abs(v.grad - s) for v, s in zip(leaves, measured)) < 1e-8}")
assert inspect.signature(numerical_grad).parameters["eps"].default == 1e-6, "the text says epsilon = 1e-6"

# %% [markdown]
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: a derivative three ways
#
# Work out the derivative of $f(x) = x^3 / (1 + x^2)$ by hand (the quotient rule) and write it as
# `f_prime`. The check compares it with the engine's slope at several points. Then compare both with
# the nudged slope `(f(2 + h) - f(2)) / h`: how small must $h$ be for six digits to agree?


# %%
def f_prime(x):
    # BEGIN SOLUTION
    # the quotient rule (u/v)' = (u'v - uv')/v^2. The nudge agrees to six digits once h is about 1e-6
    # (its error is about h times a constant); much smaller h loses digits to rounding (notebook 6).
    return (3 * x**2 * (1 + x**2) - x**3 * 2 * x) / (1 + x**2) ** 2
    # END SOLUTION


# %%
check_derivative("f_prime", f_prime, lambda x: x**3 / (1 + x**2), [2.0, -1.0, 0.5, 3.0])

# %% [markdown]
# ### Exercise 2: tanh from exponentials
#
# Rebuild the neuron with $\tanh n$ written out as $(e^{2n} - 1) / (e^{2n} + 1)$, using `exp`, `-`,
# `+` and `/` (the check refuses a `tanh` node). Its gradients must be those of `neuron` above. Draw
# its graph: which one is easier to read?


# %%
def neuron_via_exp(x1, x2, w1, w2, b):
    # BEGIN SOLUTION
    e = (2 * (x1 * w1 + x2 * w2 + b)).exp()
    return (e - 1) / (e + 1)
    # END SOLUTION


# %%
check_value_function("neuron_via_exp", neuron_via_exp, neuron,
                     [[2.0, 0.0, -3.0, 1.0, 6.8814], [1.5, -0.5, 0.8, -1.2, 0.1]], forbidden_ops=["tanh"])  # fmt: skip

# %% [markdown]
# ### Exercise 3: backward twice
#
# Call `o.backward()` a second time and `w1.grad` doubles: each call *adds* its gradients, as in
# PyTorch. Write `backward_from_scratch(root)`, which sets the `.grad` of every node below `root`
# to 0 (`backward_order(root)` lists them) before calling `root.backward()`, so that calling it
# twice gives the same gradients as once.


# %%
def backward_from_scratch(root):
    # BEGIN SOLUTION
    for node in backward_order(root):
        node.grad = 0.0
    root.backward()
    # END SOLUTION


# %%
check_backward_from_scratch(backward_from_scratch)

# %% [markdown]
# ### Exercise 4: a saturated neuron
#
# Find inputs for which `w1.grad` is below $10^{-4}$ in size although $|x_1| \ge 0.5$. What is
# going on inside the `tanh`?

# %%
# BEGIN SOLUTION
# n = 10: tanh'(10) = 1 - tanh(10)^2 ~ 8e-9. The tanh is flat there (saturated), so the gradient reaching
# n, and everything below it, is almost 0 however large the inputs: this unit has stopped learning.
saturating = {"x1": 1.0, "x2": 0.0, "w1": 10.0, "w2": 0.0, "b": 0.0}
# END SOLUTION

# %%
check_saturated_neuron(saturating)
