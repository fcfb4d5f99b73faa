# %% [markdown]
# # 2b. A network worked by hand
#
# Notebook 2 derived the delta rules for any number of layers. Here is the smallest network where
# every rule shows up, with numbers you can follow on paper: Matt Mazur's "A Step by Step
# Backpropagation Example" (2015), which many learners have checked line by line. Two inputs, two
# logistic hidden units, two logistic outputs:
#
# - inputs $i_1 = 0.05$, $i_2 = 0.10$; targets $t_1 = 0.01$, $t_2 = 0.99$;
# - weights $w_1 \dots w_8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55$ ($w_1, w_2$ into $h_1$,
#   $w_3, w_4$ into $h_2$, $w_5, w_6$ into $o_1$, $w_7, w_8$ into $o_2$);
# - one bias per layer, $b_1 = 0.35$ and $b_2 = 0.60$, held fixed (the post does not train them);
# - error $E = \tfrac12 (t_1 - \text{out}_{o1})^2 + \tfrac12 (t_2 - \text{out}_{o2})^2$, learning rate $0.5$.
#
# In notebook 2's notation this is a network of $N = 3$ layers: $y_1 = (i_1, i_2)$, $x_2$ the hidden
# units' inputs ($\text{net}_{h1}, \text{net}_{h2}$ in the post), $y_2 = (\text{out}_{h1}, \text{out}_{h2})$,
# $x_3 = (\text{net}_{o1}, \text{net}_{o2})$, $y_3 = (\text{out}_{o1}, \text{out}_{o2})$, and
# $w_1 \dots w_4$ are the entries of the matrix $w_1$ of notebook 2 (the post numbers single weights;
# notebook 2 numbers layers). $f$ is the logistic function, $f' = y (1 - y)$.
#
# You will work one training step by hand, then let the engine do it, and compare every number.

# %%
from autograd_tiny import backward_order
from autograd_tiny.exercises import check_all_new_weights, check_mazur_numbers, mazur_network
from autograd_tiny.teaching.hand_worked import INPUTS, LEARNING_RATE, TARGETS
from autograd_tiny.viz import draw_dot

net = mazur_network()
w1, w2, w3, w4, w5, w6, w7, w8 = net.weights
out_h1, out_h2 = net.hidden
out_o1, out_o2 = net.outputs
E = net.error
print(f"out_h1 = {out_h1.data:.9f}   out_h2 = {out_h2.data:.9f}")
print(f"out_o1 = {out_o1.data:.9f}   out_o2 = {out_o2.data:.9f}")
print(f"E = {E.data:.9f}")
draw_dot(E, show_grad=False)

# %% [markdown]
# ## Every edge and its local derivative
#
# Backpropagation multiplies local derivatives along paths. Here is every edge of the graph above
# (from an operand to the node it feeds) with the local derivative the engine recorded on it, at
# these numbers: a `*` node passes the *other* factor, a `sum` or `+` node 1, `sigmoid`
# $\text{out}(1 - \text{out})$, and the error its pieces ($-1$, $2 (t - \text{out})$, $\tfrac12$).
# (A product with an input $i_1$ is a weight times a constant, so the input has no edge of its own.)

# %%
edges = [(parent.label, node.label, local) for node in backward_order(E)
         for parent, local in zip(node.parents, node.local_grads)]  # fmt: skip
for parent, child, local in edges:
    print(f"{parent:>18} -> {child:<18} {local:+.9f}")
print(len(edges), "edges")
# what the text below reads from this list: w5 feeds one node (one path), out_h1 two (a sum over two
# paths), and the inputs i1, i2 have no edge of their own
assert [child for parent, child, _ in edges if parent == "w5"] == ["w5*out_h1"]
assert sorted(child for parent, child, _ in edges if parent == "out_h1") == ["w5*out_h1", "w7*out_h1"]
assert not any(parent in ("i1", "i2") for parent, _, _ in edges)

# %% [markdown]
# ## The output layer: one path
#
# $w_5$ reaches $E$ along one path only: $w_5 \to \text{net}_{o1} \to \text{out}_{o1} \to E$. The
# chain rule multiplies the three local derivatives on it:
#
# $$\frac{\partial E}{\partial w_5}
# = \underbrace{(\text{out}_{o1} - t_1)}_{\partial E / \partial \text{out}_{o1}}
# \cdot \underbrace{\text{out}_{o1}(1 - \text{out}_{o1})}_{\partial \text{out}_{o1} / \partial \text{net}_{o1}}
# \cdot \underbrace{\text{out}_{h1}}_{\partial \text{net}_{o1} / \partial w_5} .$$
#
# The first two factors are the output delta of notebook 2, $\delta_{o1} = \partial E / \partial
# \text{net}_{o1} = (y - t) f'(x)$, and the last is the input the weight multiplies.
#
# ## The hidden layer: a sum over paths
#
# $w_1$ reaches $E$ through $\text{out}_{h1}$, and $\text{out}_{h1}$ feeds *both* outputs: through
# $w_5$ into $o_1$ and through $w_7$ into $o_2$. The chain rule adds one product per path:
#
# $$\frac{\partial E}{\partial \text{out}_{h1}} = \delta_{o1}\, w_5 + \delta_{o2}\, w_7, \qquad
# \delta_{h1} = \frac{\partial E}{\partial \text{net}_{h1}}
# = \left(\delta_{o1}\, w_5 + \delta_{o2}\, w_7\right) \text{out}_{h1}(1 - \text{out}_{h1}), \qquad
# \frac{\partial E}{\partial w_1} = \delta_{h1}\, i_1 .$$
#
# That sum over the units a hidden unit feeds is notebook 2's $\sum_k w_n[k][j]\, \delta_{n+1}[k]$,
# written out for $j = h_1$. Each new weight is then $w - 0.5\, \partial E / \partial w$.

# %% [markdown]
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: one step by hand
#
# With plain floats and `math.exp` only (no Values, no `.grad`), work out $E$, $\partial E /
# \partial w_5$, $\partial E / \partial w_1$ and the two weights after one step of gradient descent.
# Keep every digit: rounding a middle result to a few digits moves the later ones.

# %%
import math

i1, i2 = INPUTS
t1, t2 = TARGETS
# BEGIN SOLUTION
def f(x):
    return 1 / (1 + math.exp(-x))


h1 = f(0.15 * i1 + 0.20 * i2 + 0.35)
h2 = f(0.25 * i1 + 0.30 * i2 + 0.35)
o1 = f(0.40 * h1 + 0.45 * h2 + 0.60)
o2 = f(0.50 * h1 + 0.55 * h2 + 0.60)
error = 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2
delta_o1 = (o1 - t1) * o1 * (1 - o1)
delta_o2 = (o2 - t2) * o2 * (1 - o2)
delta_h1 = (delta_o1 * 0.40 + delta_o2 * 0.50) * h1 * (1 - h1)  # the two paths out of h1
answers = {
    "E": error,
    "dE/dw5": delta_o1 * h1,
    "dE/dw1": delta_h1 * i1,
    "w5 after one step": 0.40 - 0.5 * delta_o1 * h1,
    "w1 after one step": 0.15 - 0.5 * delta_h1 * i1,
}
# END SOLUTION

# %%
check_mazur_numbers(answers)

# %% [markdown]
# ## The engine gives the same numbers
#
# `backward()` walks the same edges from $E$ back, multiplying and adding exactly as you did:

# %%
E.backward()
new_weights = [w.data - LEARNING_RATE * w.grad for w in net.weights]
print(f"E  = {E.data:.9f}")
print(f"dE/dw5 = {w5.grad:.9f}   w5 -> {new_weights[4]:.8f}")
print(f"dE/dw1 = {w1.grad:.9f}   w1 -> {new_weights[0]:.9f}")
after = mazur_network(tuple(new_weights)).error.data
print(f"E after one step = {after:.10f}")
assert (round(E.data, 9), round(new_weights[4], 8), round(new_weights[0], 9)) == (0.298371109, 0.35891648, 0.149780716)
assert round(after, 9) == 0.291027774 and round(after, 9) != 0.291027924

# %% [markdown]
# $E = 0.298371109$, $w_5 \to 0.35891648$ and $w_1 \to 0.149780716$, as in the post. One number
# differs: after the step the post gives the error as $0.291027924$, where the engine (and any
# full-precision calculation) gives $0.291027774$. The post's later figures carry its rounding:
# it works with intermediate values rounded to about nine digits, and the small differences add up
# by the time the second forward pass is done. The method is the same; trust the digits you
# compute, not the ones you copy.
#
# ### Exercise 2: all eight at once
#
# Write `all_new_weights()` returning the eight weights after one step, $w_1 \dots w_8$ in order,
# using the engine: build the network with `mazur_network()`, call `backward()` on its error, and
# step every weight. The check compares all eight with the delta rules worked on plain floats.


# %%
def all_new_weights():
    # BEGIN SOLUTION
    fresh = mazur_network()
    fresh.error.backward()
    return [w.data - LEARNING_RATE * w.grad for w in fresh.weights]
    # END SOLUTION


# %%
check_all_new_weights(all_new_weights)
