# %% [markdown]
# # 0. Build it yourself: a `Value` in fifty lines
#
# Before using autograd_tiny, write the heart of it yourself. A reverse-mode autodiff engine needs
# surprisingly little: a number that remembers which numbers it was made from and the derivative
# of itself with respect to each of them, a way to put the nodes of a graph in order, and a loop that
# applies the chain rule in that order. Four steps, about fifty lines of code, each followed by a **check
# cell** that runs your code against autograd_tiny and says in one red line what is wrong and
# where to look (which node, too large or too small), or in green that it is correct.
#
# **How to work through it.** Each step has an *answer cell* for your code; the stored copy of this
# notebook shows a worked solution there, so that it runs and its checks pass. To do it yourself,
# replace that code with `...` (a check rejects `...` as "not answered yet"), or get a copy with
# every answer blanked and the solutions folded away after their checks:
# `python notebooks/build.py --starter my_notebooks/` (see `notebooks/README.md`). Then write, run
# the check, repeat until it passes.

# %%
import importlib.util
import inspect
import math

from autograd_tiny import Value as TinyValue
from autograd_tiny.exercises import (
    check_backward,
    check_new_operation,
    check_operations,
    check_topological_sort,
    check_value_basics,
)

# %% [markdown]
# ## Step 1: a number that remembers where it came from
#
# A `Value` holds its number in `data` and, later, the derivative of the final output with respect
# to it in `grad` (0 until `backward()` fills it in). A value made by an operation also keeps
# `parents`, the values it was computed from, and `local_grads`, the derivative of itself with respect
# to each parent, computed right away while the numbers are at hand:
#
# - $c = a + b$: $\partial c / \partial a = 1$ and $\partial c / \partial b = 1$;
# - $c = a \cdot b$: $\partial c / \partial a = b$ and $\partial c / \partial b = a$ (the *other* factor).
#
# A plain number on the right (`a + 1.5`) is wrapped in a `Value` first. Fill in `__init__`,
# `__add__` and `__mul__`:


# %%
class Value:
    """A number that remembers how it was computed, for the chain rule."""

    def __init__(self, data, parents=(), local_grads=()):
        # BEGIN SOLUTION
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.local_grads = local_grads
        # END SOLUTION

    def __repr__(self):
        return f"Value(data={self.data:.4f}, grad={self.grad:.4f})"

    def __add__(self, other):
        # BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))
        # END SOLUTION

    def __mul__(self, other):
        # BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))
        # END SOLUTION


# %%
check_value_basics(Value)

# %%
a, b = Value(2.0), Value(-3.0)
c = a * b + 1.5
print(c, "made from", c.parents, "with local derivatives", c.local_grads)

# %% [markdown]
# ## Step 2: more operations
#
# Every operation follows the same pattern: compute the result, and record each parent with its
# local derivative. Three need a derivative of their own:
#
# - $\tanh$: $\dfrac{d}{dx} \tanh x = 1 - \tanh^2 x$, so the result $t$ itself gives it: $1 - t^2$;
# - $\exp$: $\dfrac{d}{dx} e^x = e^x$, the result again;
# - $x^k$ for a number $k$: $k\, x^{k - 1}$.
#
# The rest are built from those, so they need no derivative at all: $-x = x \cdot (-1)$,
# $x - y = x + (-y)$, $x / y = x \cdot y^{-1}$, and the reflected forms (`2 * a` calls `a.__rmul__(2)`).
# Functions defined outside the class become methods when attached to it.


# %%
def tanh(self):
    # BEGIN SOLUTION
    t = math.tanh(self.data)
    return Value(t, (self,), (1.0 - t * t,))
    # END SOLUTION


def exp(self):
    # BEGIN SOLUTION
    e = math.exp(self.data)
    return Value(e, (self,), (e,))
    # END SOLUTION


def power(self, k):
    """self ** k for a plain number k."""
    # BEGIN SOLUTION
    return Value(self.data**k, (self,), (k * self.data ** (k - 1),))
    # END SOLUTION


Value.tanh, Value.exp, Value.__pow__ = tanh, exp, power
# built from the operations above: no new derivatives
Value.__neg__ = lambda self: self * -1.0
Value.__sub__ = lambda self, other: self + (-other)
Value.__truediv__ = lambda self, other: self * other**-1
Value.__radd__ = lambda self, other: self + other
Value.__rmul__ = lambda self, other: self * other
Value.__rsub__ = lambda self, other: (-self) + other
Value.__rtruediv__ = lambda self, other: Value(other) / self

# %%
check_operations(Value)

# %% [markdown]
# ## Step 3: an order for the graph
#
# The chain rule can only pass a node's gradient on to its parents once that gradient is complete,
# that is, once every node that *uses* it has passed its own share back. If the nodes are listed so
# that each comes after all of its parents (a **topological order**), walking the list backwards
# from the output does exactly that.
#
# A depth-first search gives such a list: visit a node's parents first, then append the node. A set
# of visited nodes makes sure a value used twice is listed once. (This recursive version is fine for
# a few thousand nested operations; autograd_tiny walks the graph with a loop instead, so a chain of
# a million operations works too.)


# %%
def topological_order(root):
    """Every node below root once, each after all of its parents (so root comes last)."""
    # BEGIN SOLUTION
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order
    # END SOLUTION


# %%
check_topological_sort(topological_order, Value)

# %% [markdown]
# ## Step 4: `backward()`
#
# Seed the output with $\partial \text{out} / \partial \text{out} = 1$, then walk the topological
# order from the output end. At each node, send every parent its share: the node's gradient times
# the local derivative on that edge. **Add** it (`+=`): a parent used by several nodes collects a
# share from each (the multivariable chain rule sums over paths).
#
# The check builds random expressions (with values used more than once) with your `Value` and with
# autograd_tiny's, calls `backward()` on both and compares the gradient of every node.


# %%
def backward(self):
    """Fill in d self / d node as .grad for every node below self."""
    # BEGIN SOLUTION
    self.grad = 1.0
    for node in reversed(topological_order(self)):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
    # END SOLUTION


Value.backward = backward

# %%
check_backward(Value)

# %% [markdown]
# That is a complete reverse-mode automatic differentiation engine. Count the lines you wrote (the
# next cell counts them, leaving out blank lines and comments): the class, three operations, the
# order and the loop fit in about fifty. autograd_tiny adds more operations, guards against bad
# input, and a faster layout, but its `backward()` is this loop.


# %%
def code_lines(fn):
    """The lines of fn's source that are neither blank nor comments."""
    return sum(1 for line in inspect.getsource(fn).splitlines() if line.strip() and not line.strip().startswith("#"))


written = [Value.__init__, Value.__repr__, Value.__add__, Value.__mul__, tanh, exp, power, topological_order, backward]
try:  # plus the class line and its docstring, and the 9 lines attaching the operations to Value
    print(f"your engine: {sum(map(code_lines, written)) + 2 + 9} lines of code")
except OSError:  # run outside a notebook (as some tests do), the cells' source is not at hand
    print("the source of your cells is not at hand here, so the lines cannot be counted")
#
# ## The neuron of notebook 1, on your engine
#
# $o = \tanh(x_1 w_1 + x_2 w_2 + b)$ with the numbers of notebook 1, on your `Value` and on
# autograd_tiny's, side by side:


# %%
def neuron(V):
    """The neuron built with the Value class V; returns the output and the inputs by name."""
    x1, x2, w1, w2 = V(2.0), V(0.0), V(-3.0), V(1.0)
    b = V(math.atanh(math.sqrt(0.5)) + 6.0)  # chosen so that n = atanh(1/sqrt 2) = 0.8814
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


mine, mine_inputs = neuron(Value)
ours, our_inputs = neuron(TinyValue)
print(f"o = {mine.data:.4f} (yours)   {ours.data:.4f} (autograd_tiny)")
for name in mine_inputs:
    print(f"d o / d {name:2s}: yours {mine_inputs[name].grad:+.4f}   autograd_tiny {our_inputs[name].grad:+.4f}")

# %% [markdown]
# The numbers can be checked in your head: $o = \tanh(0.8814) = 1/\sqrt 2 = 0.7071$, so
# $\partial o / \partial n = 1 - o^2 = 1/2$; then `w1.grad` $= x_1 \cdot \tfrac12 = 1$, `x1.grad`
# $= w_1 \cdot \tfrac12 = -1.5$, `w2.grad` $= x_2 \cdot \tfrac12 = 0$ and `x2.grad` $= w_2 \cdot \tfrac12 = 0.5$.
#
# ## The same neuron in PyTorch
#
# PyTorch does the same thing with tensors: every operation records how to pass gradients back,
# and `.backward()` walks the graph. With 0-dimensional float64 tensors the numbers are the same.
# (This cell is skipped when PyTorch is not installed.)

# %%
if importlib.util.find_spec("torch") is None:
    print("PyTorch is not installed here: skipping the comparison (pip install torch to see it).")
else:
    import torch

    def leaf(x):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    inputs = {name: leaf(v.data) for name, v in mine_inputs.items()}
    o = (inputs["x1"] * inputs["w1"] + inputs["x2"] * inputs["w2"] + inputs["b"]).tanh()
    o.backward()
    print(f"o = {o.item():.4f} (PyTorch)")
    for name, t in inputs.items():
        print(f"d o / d {name:2s}: PyTorch {t.grad.item():+.4f}   yours {mine_inputs[name].grad:+.4f}")

# %% [markdown]
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: sigmoid
#
# Add `sigmoid`, $\sigma(x) = 1 / (1 + e^{-x})$, to your `Value` as one operation with its own local
# derivative. Hint: like `tanh`, its derivative can be written with its result alone,
# $\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$.


# %%
def sigmoid(self):
    # BEGIN SOLUTION
    s = 1.0 / (1.0 + math.exp(-self.data))
    return Value(s, (self,), (s * (1.0 - s),))
    # END SOLUTION


Value.sigmoid = sigmoid

# %%
check_new_operation(Value, "sigmoid", [-2.0, 0.0, 0.5, 3.0])

# %% [markdown]
# ### Exercise 2: relu
#
# Add `relu`, $\max(0, x)$. Its derivative is 1 for $x > 0$ and 0 for $x < 0$; at the kink $x = 0$
# there is no derivative, and autograd_tiny (like PyTorch) uses 0 there. The check includes $x = 0$.


# %%
def relu(self):
    # BEGIN SOLUTION
    return Value(max(0.0, self.data), (self,), (1.0 if self.data > 0 else 0.0,))
    # END SOLUTION


Value.relu = relu

# %%
check_new_operation(Value, "relu", [-1.5, 0.0, 2.0])
