# %% [markdown]
# # 8. Speed: the eager engine and a compiled replay
#
# Every operation on a `Value` costs a Python object: it records its parents and its local
# derivatives so that `backward()` can apply the chain rule later. That is what makes the graph
# easy to look at, and what makes a training step slow: micrograd's moons demo builds tens of
# thousands of nodes per step (the first cell below counts them).
#
# Yet the *shape* of that graph is the same at every step; only the numbers change.
# `compile_graph(loss, parameters)` records it once and writes a plain-float Python function that
# computes the loss and its gradients for new parameter values, with the same numbers as
# `backward()`. Replay is valid as long as the decisions are operations (`relu`, `abs`), not Python
# `if`s on `.data`, which are taken once while recording.

# %%
import math
import time

from autograd_tiny import Value, backward_order, compile_graph, nn
from autograd_tiny.data import make_moons
from autograd_tiny.exercises import check_break_even, check_raises, check_replay_goes_stale

xs, labels = make_moons(100, noise=0.1, seed=1)
ys = [2.0 * c - 1.0 for c in labels]


def moons_loss(model: nn.MLP) -> Value:
    """micrograd's demo loss: mean hinge loss plus a little L2 on the weights."""
    scores = [model([Value(a) for a in row]) for row in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())


nodes = len(backward_order(moons_loss(nn.MLP(2, [16, 16, 1], seed=1))))
print(f"{nodes:,} nodes in one step's graph")
assert 10_000 <= nodes < 100_000, "the text above says tens of thousands"


# %% [markdown]
# ## One step each way
#
# The eager step builds the graph, zeroes the gradients, runs `backward()` and updates the
# weights. The compiled step calls the replay on a list of floats and updates that list. Both start
# from the same weights (seed 1), so their losses should agree to the last digits.

# %%
eager_model = nn.MLP(2, [16, 16, 1], seed=1)
params = eager_model.parameters()

recorded = nn.MLP(2, [16, 16, 1], seed=1)
start = time.perf_counter()
replay = compile_graph(moons_loss(recorded), recorded.parameters())
compile_seconds = time.perf_counter() - start
weights = [p.data for p in recorded.parameters()]

eager_seconds, compiled_seconds = [], []
for step in range(5):
    start = time.perf_counter()
    loss = moons_loss(eager_model)
    eager_model.zero_grad()
    loss.backward()
    for p in params:
        p.data -= 0.1 * p.grad
    eager_seconds.append(time.perf_counter() - start)

    start = time.perf_counter()
    value, grads = replay(weights)
    weights = [w - 0.1 * g for w, g in zip(weights, grads)]
    compiled_seconds.append(time.perf_counter() - start)
    print(f"step {step}: eager loss {loss.data:.12f}   compiled loss {value:.12f}")
    assert abs(loss.data - value) < 1e-12, "the text says the two losses agree to the last digits"

eager, compiled = min(eager_seconds), min(compiled_seconds)
print(f"eager step    {eager * 1e3:7.1f} ms")
print(f"compiled step {compiled * 1e3:7.1f} ms   ({eager / compiled:.0f}x faster)")
print(f"compiling     {compile_seconds * 1e3:7.1f} ms   (= {compile_seconds / eager:.1f} eager steps)")

# %% [markdown]
# The printed times and ratios are this machine's, measured while the notebook ran: on another
# machine, or a busy one, they differ, which is why this text quotes none of them. What holds
# everywhere is the shape: the replay does only the float arithmetic, so it is many times faster
# than the eager step, while compiling costs the time of some eager steps, once (the last line above
# says how many here; exercise 3 turns that into the number of steps after which it pays off).
#
# `benchmarks/bench.py` (`make bench`) runs the same comparison against micrograd and PyTorch,
# alternating the engines; the README quotes its figures.
#
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: the wrong parameters
#
# Compile `moons_loss(recorded)` with respect to the parameters of a *different* fresh model, catch
# the error and keep it in `error`. Why is silently returning zero gradients the wrong answer there?

# %%
other = nn.MLP(2, [16, 16, 1], seed=2)
error = None
# BEGIN SOLUTION
# other's parameters are not in the recorded graph: zero gradients would be true, but would hide the bug
# of compiling one model's loss for another, so compile_graph refuses
try:
    compile_graph(moons_loss(recorded), other.parameters())
except ValueError as caught:
    error = caught
# END SOLUTION

# %%
check_raises("error", error, ValueError, "is not in the graph of the output")

# %% [markdown]
# ### Exercise 2: a Python `if` in the loss
#
# Write the hinge $\max(0, 1 - y\,s)$ for a score `Value` $s$ and a label $y = \pm 1$ with a Python
# `if` on `.data` instead of `.relu()`. The check records it at one score, replays it at another
# and expects the replay to be stale: why does it drift away from the eager loss?


# %%
def hinge_with_if(score, y):
    # BEGIN SOLUTION
    margin = 1 - y * score
    # the `if` runs once while recording; the replay keeps whichever branch was taken then
    return margin if margin.data > 0 else margin * 0.0
    # END SOLUTION


# %%
check_replay_goes_stale(hinge_with_if)

# %% [markdown]
# ### Exercise 3: when does compiling pay off?
#
# Compiling costs `compile_seconds` once; each compiled step then saves `eager - compiled` seconds.
# Write `steps_to_pay_off(compile_s, eager_s, compiled_s)`: the fewest steps after which compiling and
# replaying has taken no longer than running eagerly (`math.inf` if never). The cell after the check
# applies it to the times measured above, on this machine.


# %%
def steps_to_pay_off(compile_s, eager_s, compiled_s):
    # BEGIN SOLUTION
    saved = eager_s - compiled_s
    return math.ceil(compile_s / saved) if saved > 0 else math.inf
    # END SOLUTION


# %%
check_break_even(steps_to_pay_off)

# %%
print(f"here: compiling pays off after {steps_to_pay_off(compile_seconds, eager, compiled)} steps")
