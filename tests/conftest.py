"""Test-wide settings: hypothesis explores new examples locally, replays a fixed set in CI; one browser;
odd collector thresholds for the tests of blocks that change them."""

import gc
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium per test module, for modules that import `chromium` (its skips)."""
    from chromium import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def own_rules() -> Iterator[None]:
    """Operations a test defines with define_op are taken out of RULES and of define_op's list after it."""
    from autograd_tiny import RULES
    from autograd_tiny.ops import USER_OPS

    rules, user_ops = dict(RULES), set(USER_OPS)
    yield
    RULES.clear()
    RULES.update(rules)
    USER_OPS.clear()
    USER_OPS.update(user_ops)


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    """Odd collector thresholds for the test to find again, and the process's own put back after it."""
    saved, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(555, 7, 3)
    yield (555, 7, 3)
    gc.set_threshold(*saved)
    if enabled:
        gc.enable()
