"""The notebooks' exercise checks: each runs a learner's answer against the engine and says what is wrong.

The top layer of the library: it may use everything else; nothing imports it.
"""
