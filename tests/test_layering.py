"""Dependencies point one way: domain ← projections ← audit ← workflows ← workers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
FORBIDDEN = {
    "domain": {
        "temporalio",
        "psycopg",
        "fastapi",
        "projections",
        "audit",
        "workflows",
        "workers",
        "api",
    },
    "projections": {"temporalio", "fastapi", "audit", "workflows", "workers", "api"},
    "audit": {"temporalio", "fastapi", "workflows", "workers", "api"},
    "workflows": {"fastapi", "workers", "api"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_downstream(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
