# %% [markdown]
# # 8. Speed: the eager engine and a compiled replay
#
# Every operation on a `Value` costs a Python object: it records its parents and its local
# derivatives so that `backward()` can apply the chain rule later. That is what makes the graph
# easy to look at, and what makes a training step slow: micrograd's moons demo builds about 65,000
# nodes per step.
#
# Yet the *shape* of that graph is the same at every step; only the numbers change.
# `compile_graph(loss, parameters)` records it once and writes a plain-float Python function that
# computes the loss and its gradients for new parameter values, with the same numbers as
# `backward()`. Replay is valid as long as the decisions are operations (`relu`, `abs`), not Python
# `if`s on `.data`, which are taken once while recording.

# %%
import time

from autograd_tiny import Value, compile_graph, nn
from autograd_tiny.data import make_moons

xs, labels = make_moons(100, noise=0.1, seed=1)
ys = [2.0 * c - 1.0 for c in labels]


def moons_loss(model: nn.MLP) -> Value:
    """micrograd's demo loss: mean hinge loss plus a little L2 on the weights."""
    scores = [model([Value(a) for a in row]) for row in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())


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

eager, compiled = min(eager_seconds), min(compiled_seconds)
print(f"eager step    {eager * 1e3:7.1f} ms")
print(f"compiled step {compiled * 1e3:7.1f} ms   ({eager / compiled:.0f}x faster)")
print(f"compiling     {compile_seconds * 1e3:7.1f} ms   (= {compile_seconds / eager:.1f} eager steps)")

# %% [markdown]
# `benchmarks/bench.py` (`make bench`) runs the same comparison against micrograd and PyTorch,
# alternating the engines; the README quotes its figures.
#
# ## Exercises
#
# 1. Compile `moons_loss(recorded)` with respect to the parameters of a *different* fresh model and
#    read the error. Why is silently returning zero gradients the wrong answer there?
# 2. Replace `.relu()` in the hinge loss by `max(0, 1 - y s)` written with a Python `if` on
#    `.data`. Compile, train a few steps, and compare with the eager losses. Why do they drift apart?
# 3. The replay takes less time per step, but compiling costs a few eager steps. After how many
#    steps does compiling pay off on this machine?
