# %% [markdown]
# # 10. Handwritten digits: one sample's graph, replayed over the data
#
# A scalar engine makes one Python object per operation. A network reading 8x8 images,
# `MLP(64, [32, 10])`, builds 5,004 of them per image with its loss (counted below), so one pass
# over scikit-learn's 1,797 digits is some 9 million nodes: slow eagerly (a cell below times 20 images
# on this machine and works out an epoch from them).
#
# Yet every image goes through the *same* graph; only the 64 pixel values and the label change.
# `compile_replay(loss, parameters, samples)` compiles one image's graph once, from the rules in
# `RULES`, and replays it over the rows of data: row by row on floats (the eager engine's numbers,
# to the last bit), or on NumPy arrays holding every row of a batch at once (`.batched`).
#
# You need the `digits` extra for this notebook: `pip install 'autograd_tiny[digits]'`.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from autograd_tiny import Value, backward_order, compile_replay, nn, optim
from autograd_tiny.data import load_digits, train_test_split
from autograd_tiny.exercises import check_grads_apart, check_raises
from autograd_tiny.replay_training import replay_cross_entropy
from autograd_tiny.train import accuracy, fit

X, y = load_digits()
X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=1337)
print(f"{len(X)} images of {len(X[0])} pixels in [0, 1]; {len(X_train)} to train on, {len(X_test)} held out")

fig, axes = plt.subplots(2, 5, figsize=(6.4, 3.4), dpi=100)  # each 8x8 image about 85 px square
for k, ax in enumerate(axes.flat):
    ax.imshow(np.array(X_train[k]).reshape(8, 8), cmap="gray_r")
    ax.set_title(str(y_train[k]))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## One image's graph
#
# The leaves that change from image to image are the 64 pixels and the label, written as ten
# one-hot values so that the loss is made of operations only (a Python `if` on a label would be
# taken once, while recording, and then hold for every row). The loss is softmax cross-entropy,
# `log sum_j e^(z_j) - sum_j t_j z_j`, shifted by the largest logit (built from `relu`s) so that
# `exp` never overflows.

# %%
model = nn.MLP(64, [32, 10], seed=1337)
params = model.parameters()
pixels = [Value(0.0) for _ in range(64)]
onehot = [Value(0.0) for _ in range(10)]
logits = model(pixels)
loss = replay_cross_entropy(logits, onehot)
print(f"{len(params)} parameters; one image's graph has {len(backward_order(loss)):,} nodes")
assert len(backward_order(loss)) == 5_004, "the first cell says 5,004"
print(f"one pass over the {len(X):,} images: {len(X) * len(backward_order(loss)):,} nodes")
assert round(len(X) * len(backward_order(loss)) / 1e6) == 9, "the first cell says some 9 million"

start = time.perf_counter()
replay = compile_replay(loss, params, [*pixels, *onehot], watch=logits)
print(f"compiled in {time.perf_counter() - start:.2f} s ({replay.lines:,} lines of Python)")

# %% [markdown]
# ## The replay gives the eager engine's numbers
#
# Recording 20 images eagerly and adding their losses in order, `backward()` adds each
# parameter's contributions last image first. The replay loops over the rows in that order and
# adds each contribution straight into the running total, so its gradients are the same floats.
# The batched replay sums the rows with NumPy instead (pairwise), and agrees to within 1e-13
# (relative).

# %%
rows = [x + [float(j == t) for j in range(10)] for x, t in zip(X_train[:20], y_train[:20])]
weights = [p.data for p in params]

start = time.perf_counter()
eager_terms = [replay_cross_entropy(model(x), [Value(float(j == t)) for j in range(10)])
               for x, t in zip(X_train[:20], y_train[:20])]  # fmt: skip
total = eager_terms[0]
for term in eager_terms[1:]:
    total = total + term
model.zero_grad()
total.backward()
eager_grads = [p.grad for p in params]
eager_seconds = time.perf_counter() - start
print(f"on this machine: 20 images eagerly in {eager_seconds:.2f} s, so about "
      f"{eager_seconds / 20 * len(X_train):.0f} s for an eager epoch over the {len(X_train):,} training images")

by_rows = replay(weights, rows)
by_arrays = replay.batched(weights, np.array(rows))
print("row by row equals eager, bit for bit:", by_rows.grads == eager_grads)
assert by_rows.grads == eager_grads, "the text above says the same floats"
worst = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(by_arrays.grads, eager_grads) if b)
print(f"batched: largest relative difference {worst:.1e}")
assert worst < 1e-13, "the text above says within 1e-13"
losses_gap = max(abs(a - b) for a, b in zip(by_rows.outputs, by_arrays.outputs.tolist()))
print(f"each row's loss, row by row against batched: largest difference {losses_gap:.1e}")
assert losses_gap < 1e-13, "exercise 1 says each row's loss agrees to within a few units in its last digits"

# %% [markdown]
# ## Training
#
# `fit(..., compile="batched")` builds the replay above for the model and the loss, and runs each
# mini-batch of 64 images through it at once; the optimizer then reads `.grad` as usual. The cell
# prints how long fifteen epochs of Adam took on this machine: compare it with the eager epoch
# estimated above.

# %%
model = nn.MLP(64, [32, 10], seed=1337)
start = time.perf_counter()
history = fit(model, X_train, y_train, optim.Adam(model.parameters(), lr=0.01), loss="cross_entropy",
              epochs=15, batch_size=64, seed=1337, verbose=False, compile="batched")
seconds = time.perf_counter() - start
test = accuracy(model, X_test, y_test, "cross_entropy")
print(f"trained in {seconds:.0f} s; training accuracy {history.accuracy[-1]:.1%}, test accuracy {test:.1%}")

fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
ax.plot(range(1, 16), history.loss, marker="o")
ax.set_xlabel("epoch")
ax.set_ylabel("mean cross-entropy")
ax.set_title("digits, MLP(64, [32, 10])")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## What it still gets wrong
#
# The held-out images the model misreads, with what it said.

# %%
predictions = [max(range(10), key=lambda j: out[j].data) for out in (model(x) for x in X_test)]
wrong = [k for k, (p, t) in enumerate(zip(predictions, y_test)) if p != t]
print(f"{len(wrong)} of {len(X_test)} held-out images misread")
fig, axes = plt.subplots(2, 4, figsize=(5.2, 3.4), dpi=100)  # each 8x8 image about 85 px square
for ax in axes.flat:
    ax.axis("off")
for ax, k in zip(axes.flat, wrong[:8]):
    ax.imshow(np.array(X_test[k]).reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{y_test[k]} as {predictions[k]}")
plt.show()

# %% [markdown]
# ## Exercises
#
# Each exercise: an answer cell for your answer, then a check cell that answers in one line, red
# with what is wrong and where to look until the answer is right, then a green "correct".
#
# ### Exercise 1: rows or arrays
#
# Replay the first 20 training rows (`rows`, at the starting `weights`) both with `replay` (row by row)
# and with `replay.batched`. Each row's output (its loss) agrees both ways to within a few units in
# its last digits (NumPy's functions on arrays need not round every last bit as `math`'s do; the cell
# above printed the gap). The gradients are, besides, sums over the rows, added in two different
# orders. Set `grads_apart` to the largest absolute difference between the two runs' gradients
# (`.grads`). How many digits do they share?

# %%
# BEGIN SOLUTION
one_by_one = replay(weights, rows).grads
all_at_once = replay.batched(weights, np.array(rows)).grads
grads_apart = max(abs(a - b) for a, b in zip(one_by_one, all_at_once))
print(f"{grads_apart:.1e}, against gradients as large as {max(abs(g) for g in one_by_one):.1f}")
# END SOLUTION

# %%
check_grads_apart(grads_apart, replay, weights, rows)

# %% [markdown]
# ### Exercise 2: a loss that cannot replay
#
# `fit(..., loss="bce", compile=True)` cannot replay binary cross-entropy: it warns and trains eagerly.
# Catch the warning (`warnings.catch_warnings(record=True)`) while fitting a fresh `nn.MLP(64, [8, 1])`
# for one epoch on the first 40 images labelled 0 or 1 (`y` as 0/1), and keep the warning itself
# (`.message` of what was caught) in `fallback`. Then read `binary_cross_entropy_with_logits` in `autograd_tiny/losses.py`: which
# line makes the graph depend on the data?

# %%
import warnings

# BEGIN SOLUTION
pairs = [(x, t) for x, t in zip(X_train, y_train) if t in (0, 1)][:40]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    small = nn.MLP(64, [8, 1], seed=0)
    fit(small, [x for x, _ in pairs], [t for _, t in pairs], optim.SGD(small.parameters(), lr=0.1),
        loss="bce", epochs=1, verbose=False, compile=True)  # fmt: skip
fallback = caught[0].message
print(fallback)
# END SOLUTION

# %%
check_raises("fallback", fallback, UserWarning, "cannot replay")
