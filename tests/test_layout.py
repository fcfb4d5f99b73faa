"""The package's layout keeps its promises: no import circles, and no module reads another's private names.

The layers themselves (each imports only those below it) are import-linter contracts in pyproject.toml,
checked by `lint-imports` in `make test`; these two rules are the ones a layers contract cannot state.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from optional import OnFirstUse

grimp: Any = OnFirstUse("grimp")  # from import-linter; the import-circle test is skipped without it

PACKAGE = Path(__file__).resolve().parent.parent / "autograd_tiny"


def test_no_module_imports_another_modules_private_names() -> None:
    private = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograd_tiny"):
                names = [alias.name for alias in node.names]
                private += [f"{path.relative_to(PACKAGE)}: {node.module}.{name}"
                            for name in names if name.startswith("_") and not name.endswith("__")]
    assert private == []


def test_no_import_circles_between_modules() -> None:
    graph = grimp.build_graph("autograd_tiny", include_external_packages=False)
    circles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                circles.append(" -> ".join((module, *back)))
    assert circles == []
