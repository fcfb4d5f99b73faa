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
from autograd_tiny.exercises import (
    check_contribution_steps,
    check_depth_first_order_fails,
    check_final_grad_frame,
    check_frame_count,
)
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
# `backward()` first counts, for every node, how many nodes use it. It sets
# $\partial L / \partial L = 1$ and then visits each node once: it multiplies the node's gradient by
# each recorded local derivative and **adds** the result to that parent's gradient. A node's turn
# comes once every node that uses it has been visited (its count has dropped to zero), so by then its
# gradient is complete. This is Kahn's algorithm; the order it gives depends on the graph alone.

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
assert len(frames) == 1 + len(backward_order(L)), "one frame for the seed, then one per node"

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
# Follow `x`: it is reached first by the last `+` (step 1, contributing $1 \cdot 1 = 1$), which turns it
# blue (one of its two users has passed its share), and only later through `x*w` (contributing
# $w \cdot \partial L / \partial(xw)$), which turns it green: both shares have arrived. Now let the
# real `backward()` run and compare with the last frame:

# %%
L.backward()
print(f"x.grad = {x.grad:.4f}, w.grad = {w.grad:.4f}, b.grad = {b.grad:.4f}")
draw_dot(L)

# %% [markdown]
# ## Outside the notebook
#
# `write_steps(L, "steps.html")` writes one self-contained page that plays the forward pass and then
# the backward pass, with buttons, a slider, the arrow keys, zoom and pan, for a browser or a slide;
# `write_steps(L, "steps.gif")` writes the animation shown above. The next cell writes the page beside
# this notebook; open it in your browser (the link works in a live notebook).

# %%
from IPython.display import FileLink

page = write_steps(L, Path("03_steps.html"))
print(f"{page.name}: {page.stat().st_size:,} bytes, one picture and its steps")
# JupyterLab opens the link in its HTML viewer, which blocks the page's script until trusted
advice = (" (in JupyterLab: press <i>Trust HTML</i> in the viewer's toolbar so the buttons work, or "
          "right-click the file in the file browser and choose <i>Open in New Browser Tab</i>)")
display(FileLink(page.name, result_html_suffix=advice))  # relative: the link works in any clone

# %% [markdown]
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
# Frame $k$ is the picture after step $k$ of the loop; frame 0 is the seed.
#
# ### Exercise 1: when is `b` done?
#
# Which frame first shows `b`'s final gradient? Predict it from the printed order before looking.

# %%
# BEGIN SOLUTION
# b's only user is z, the 4th node in the order: z's step (step 4) sends b its whole gradient
b_final_frame = 4
# END SOLUTION

# %%
check_final_grad_frame(b_final_frame, L, b)

# %% [markdown]
# ### Exercise 2: `x` used three times
#
# Replace `L = y**2 + x` by `L = y**2 + x * x`. Which steps of the loop add to `x`'s gradient? List
# each step once per contribution it makes (a step can make two).

# %%
L_twice = y**2 + x * x
print(" -> ".join(v.label or v.op for v in backward_order(L_twice)))
# BEGIN SOLUTION
# step 2 is x * x, which sends x two contributions (one per operand); step 7 is x*w
x_steps = [2, 2, 7]
# END SOLUTION

# %%
check_contribution_steps(x_steps, L_twice, x)

# %% [markdown]
# ### Exercise 3: why the order matters
#
# `backward()` visits a node only once every node using it has been visited. Build an expression where
# visiting the nodes in the order a depth-first search from the output first reaches them (no such
# care) would use a node's gradient before every node using it has sent its share, so that some
# gradient comes out wrong. (A leaf reached early does no harm: it passes nothing on.)


# %%
def expression_where_depth_first_fails():
    # BEGIN SOLUTION
    a = Value(1.0)
    b = a * 2  # b is used by the output directly and through b + 1: the search reaches b first
    return b * (b + 1)
    # END SOLUTION


# %%
check_depth_first_order_fails(expression_where_depth_first_fails())

# %% [markdown]
# ### Exercise 4: counting frames
#
# `MLP(1, [width, 1])` from `autograd_tiny.nn` maps one input through `width` relu units to one output.
# Draw its `backward_steps` on one input for a small width and count the frames; then write the count
# as a formula in `width`. (A neuron computes `relu(b + w_1 x_1 + ...)`: one `*` per input, then a
# single `sum` node adding the products and the bias, however many inputs there are.)

# %%
from autograd_tiny.nn import MLP

print(len(list(backward_steps(MLP(1, [2, 1], seed=0)([Value(0.5)])))), "frames for width 2")


def predicted_frames(width):
    # BEGIN SOLUTION
    # the input; per hidden unit w, b, w*x, the sum b + w*x, relu (5 nodes); the output unit: width
    # weights, width products, one sum node and its bias (2 width + 2); plus the seed frame
    return 1 + 5 * width + 2 * width + 2 + 1
    # END SOLUTION


# %%
check_frame_count(predicted_frames)
