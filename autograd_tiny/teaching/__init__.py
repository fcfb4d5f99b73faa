"""The notebooks' exercise checks: each runs a learner's answer against the engine and says what is wrong.

A check returns None when the answer is right and raises `ExerciseError` otherwise, naming the first
thing that is wrong (which node, which input, which point) with the expected and the received value,
so a learner knows where to look; an answer still left as ``...`` is reported as not answered yet.

`feedback` holds ExerciseError and the generic checks, `derivatives` the checks against the engine's
derivatives; then one module per theme of the notebooks (`build_value`, `chain_rule`, `delta_rules`,
`walk_order`, `training`, `own_ops`, `newton`, `compiled_replay`). `exercises` gathers every check under
one name, re-exported as `autograd_tiny.exercises`, the path the notebooks import.

The top layer of the library: it may use everything else; nothing imports it.
"""
