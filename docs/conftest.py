"""Run the guide pages' code blocks (pytest --markdown-docs) in a scratch directory.

Blocks that write files (pictures, model files) write them into a fresh temporary directory, not
into the repository, and operations a block adds with `define_op` leave `RULES` again afterwards,
so no block sees another's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _in_a_scratch_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    from autograd_tiny import RULES

    before = set(RULES)
    yield
    for name in set(RULES) - before:
        del RULES[name]
