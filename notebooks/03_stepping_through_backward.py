# %% [markdown]
# # 3. Stepping through `backward()`
#
# `backward()` is a short loop, but it runs fast and all at once. This notebook slows it down: we take
# a small expression and look at the graph after *each* step of the loop, watching gradients flow
# from the output back to the inputs and pile up where a value is used twice.

# %%
import importlib.util
import os
import tempfile
from pathlib import Path

from IPython.display import display

from autograd_tiny import Value, backward_order
from autograd_tiny.viz import backward_steps, draw_dot, steps_widget, write_steps

# %% [markdown]
# ## The expression
#
# A neuron-like computation followed by a loss that uses the input `x` a second time:
# $z = x w + b$, $y = \tanh z$, $L = y^2 + x$. Since $x$ feeds both $z$ and $L$, its gradient will
# arrive in two pieces.

# %%
x = Value(0.5, label="x")
w = Value(-1.5, label="w")
b = Value(2.0, label="b")
xw = x * w
xw.label = "x*w"
z = xw + b
z.label = "z"
y = z.tanh()
y.label = "y"
y2 = y**2
y2.label = "y^2"
L = y2 + x
L.label = "L"
draw_dot(L, show_grad=False)

# %% [markdown]
# ## The loop
#
# `backward()` first puts the nodes in an order where every node comes before the nodes it was
# computed from (newest first), sets $\partial L / \partial L = 1$, and then visits each node once:
# it multiplies the node's gradient by each recorded local derivative and **adds** the result to that
# parent's gradient. When a node's turn comes, every node that uses it has already been visited, so
# its gradient is complete.

# %%
print(" -> ".join(v.label for v in backward_order(L)))

# %% [markdown]
# `backward_steps(L)` draws the graph after each step of that loop, without touching any `.grad`:
# frame 0 is the seed; in frame $k$ the node of step $k$ is outlined in red, each arrow into its operation
# shows local derivative $\times$ gradient, and each receiving box its running sum. A gradient is green once
# every consumer has passed its contribution, blue while some have not, grey before any has.

# %%
frames = list(backward_steps(L))
print(f"{len(frames)} frames: the seed and one per node")

# %% [markdown]
# In a live notebook with `ipywidgets`, the next cell shows a slider to move through the frames. When
# the notebook is executed without anyone watching (as for the stored copy you may be reading on a
# code host), or `ipywidgets` is not installed, it shows the whole backward pass as an animation.

# %%
interactive = importlib.util.find_spec("ipywidgets") is not None and not os.environ.get(
    "AUTOGRAD_TINY_HEADLESS"
)
if interactive:
    display(steps_widget(L))
else:
    from IPython.display import Image

    with tempfile.TemporaryDirectory() as tmp:
        display(Image(data=write_steps(L, Path(tmp) / "backward.gif", forward=False).read_bytes()))

# %% [markdown]
# Follow `x`: it is reached first by the last `+` (step 1, contributing $1 \cdot 1 = 1$) and only much
# later through `x*w` (contributing $w \cdot \partial L / \partial(xw)$); it stays blue until both have
# arrived. Now let the real `backward()` run and compare with the last frame:

# %%
L.backward()
print(f"x.grad = {x.grad:.4f}, w.grad = {w.grad:.4f}, b.grad = {b.grad:.4f}")
draw_dot(L)

# %% [markdown]
# ## Outside the notebook
#
# `write_steps(L, "steps.html")` writes one self-contained page that plays the forward pass and then
# the backward pass, with buttons, a slider, the arrow keys, zoom and pan, for a browser or a slide;
# `write_steps(L, "steps.gif")` writes the animation shown above.

# %%
with tempfile.TemporaryDirectory() as tmp:
    page = write_steps(L, Path(tmp) / "steps.html")
    print(f"{page.name}: {page.stat().st_size:,} bytes, one picture and its steps")

# %% [markdown]
# ## Exercises
#
# 1. Which frame first shows `b`'s final gradient? Predict it from the printed order before looking.
# 2. Replace `L = y**2 + x` by `L = y**2 + x * x`. How many contributions does `x`'s gradient collect
#    now, and in which steps?
# 3. `backward()` visits nodes newest first. Construct an expression where visiting them in the order
#    of a depth-first search from `L` (without sorting) would use a gradient before it is complete.
# 4. Draw a one-hidden-layer `MLP` from `autograd_tiny.nn` on one input with `backward_steps` and
#    count the frames. How does the number grow with the width of the layer?
