"""The notebooks' exercise checks: each runs a learner's answer against the engine and says what is wrong.

A check returns None when the answer is right and raises `ExerciseError` otherwise, naming the first
thing that is wrong (which node, which input, which point) and how it misses (too large, too small,
not the right choice), never the value that would pass; an answer still left as ``...`` is reported
as not answered yet. In a notebook, `cell_feedback` shows that message as one red line, and a
passing check cell as a green "correct".

`feedback` holds ExerciseError and the generic checks, `derivatives` the checks against the engine's
derivatives; then one module per theme of the notebooks (`build_value`, `chain_rule`, `delta_rules`,
`hand_worked`, `walk_order`, `training`, `descent`, `own_ops`, `newton`, `compiled_replay`).
`exercises` gathers every check under one name, re-exported as `autograd_tiny.exercises`, the path
the notebooks import.

The top layer of the library: it may use everything else; nothing imports it.
"""
