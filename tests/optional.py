"""Optional packages for the tests, imported when a test first uses one: only that test is skipped without it.

The engine, nn, trust and compile suites also run on Pythons that have no PyTorch wheel here
(tools/test_versions.sh); there the comparisons with PyTorch are skipped and the rest runs.
"""

from __future__ import annotations

from typing import Any

import pytest


class OnFirstUse:
    """Stands for the module ``name``; the first attribute a test reads imports it, or skips that test."""

    def __init__(self, name: str) -> None:
        self._module_name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):  # pytest's collection probes (__test__, __wrapped__, ...) import nothing
            raise AttributeError(attr)
        return getattr(pytest.importorskip(self._module_name), attr)
