"""signage.core stays pure: standard library and dateutil only (core/README.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import signage.core

ALLOWED_THIRD_PARTY = {"dateutil"}
CORE = Path(signage.core.__file__).parent


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_only_the_standard_library_dateutil_and_itself() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert files
    for path in files:
        foreign = {
            root
            for root in imported_roots(path)
            if root not in sys.stdlib_module_names
            and root not in ALLOWED_THIRD_PARTY
            and root != "signage"
        }
        assert not foreign, f"{path.name} imports {foreign}"
        inner = {root for root in imported_roots(path) if root == "signage"}
        if inner:
            text = path.read_text()
            assert "from signage.core" in text, path.name
            assert "import signage." not in text, path.name


def test_core_never_reads_the_clock() -> None:
    for path in CORE.rglob("*.py"):
        text = path.read_text()
        for call in ("datetime.now(", "date.today(", "time.time(", "datetime.utcnow("):
            assert call not in text, f"{path.name} calls {call}"
