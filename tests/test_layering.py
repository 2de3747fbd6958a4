"""The house's rules: dependencies point one way, no import circle, pure rooms stay pure.

domain ← projections ← audit ← workflows ← api ← web ← workers (a room may skip floors,
never point up). Every import counts, at any depth: inside functions, under
`TYPE_CHECKING`, and through the modules it imports in turn.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
ROOMS = ("domain", "projections", "audit", "documents", "workflows", "api", "web", "workers")
"""Lowest first: a room may import only from rooms before it."""

THIRD_PARTY = {
    "domain": {"temporalio", "psycopg", "psycopg_pool", "fastapi", "starlette", "uvicorn"},
    "projections": {"temporalio", "fastapi", "starlette", "uvicorn"},
    "audit": {"temporalio", "fastapi", "starlette", "uvicorn"},
    "documents": {"temporalio", "fastapi", "starlette", "uvicorn"},
    "workflows": {"fastapi", "starlette", "uvicorn"},
}

IO_MODULES = {
    "sqlite3",
    "psycopg",
    "psycopg_pool",
    "eventsourcing.sqlite",
    "eventsourcing.postgres",
    "eventsourcing.popo",
    "socket",
    "ssl",
    "http",
    "urllib",
    "smtplib",
    "subprocess",
    "shutil",
    "tempfile",
    "httpx",
    "requests",
    "aiosmtpd",
}
"""Libraries that reach a database, the network, processes or files."""

WORKFLOW_DEFINITIONS = ("workflows.followup", "workflows.calendar", "workflows.delivery")
"""Modules Temporal's sandbox re-imports: deterministic, so no I/O at any depth."""

SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WITH)\s", re.IGNORECASE)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def our_modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for room in ROOMS
        if (ROOT / room).is_dir()
        for path in (ROOT / room).rglob("*.py")
    }


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every module `module` names in an import statement, wherever the statement is."""
    path = our_modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return imported_names(path.read_text(encoding="utf-8"), package)


def imported_names(source: str, package: str) -> frozenset[str]:
    """The modules `source` (of `package`) imports, at any depth of its syntax tree."""
    tree = ast.parse(source)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            # `from package import module` names the module itself.
            names.update(
                f"{base}.{alias.name}"
                for alias in node.names
                if f"{base}.{alias.name}" in our_modules()
            )
    return frozenset(names)


def internal_edges(module: str) -> set[str]:
    return {name for name in imports_of(module) if name in our_modules()}


def closure(start: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(internal_edges(module))
    return seen


def _matches(name: str, banned: set[str]) -> str | None:
    return next((b for b in banned if name == b or name.startswith(b + ".")), None)


def _room(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("room", ROOMS)
def test_room_imports_nothing_above_it(room: str) -> None:
    above = set(ROOMS[ROOMS.index(room) + 1 :])
    banned = THIRD_PARTY.get(room, set())
    offenders = {
        module: sorted(
            name for name in imports_of(module) if _room(name) in above or _matches(name, banned)
        )
        for module in our_modules()
        if _room(module) == room
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_import_cycle() -> None:
    """Tarjan's strongly connected components over every import between our modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(internal_edges(module)):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(our_modules()):
        if module not in index:
            visit(module)
    assert cycles == []


def _pure_modules() -> list[str]:
    domain = [m for m in our_modules() if _room(m) == "domain"]
    return sorted(set(domain) | closure(WORKFLOW_DEFINITIONS))


@pytest.mark.parametrize("module", _pure_modules())
def test_pure_module_does_no_io_at_any_depth(module: str) -> None:
    """The module and everything it imports, transitively, import no I/O library."""
    reached = closure([module])
    offenders = {
        m: sorted(name for name in imports_of(m) if _matches(name, IO_MODULES)) for m in reached
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("module", _pure_modules())
def test_pure_module_runs_no_sql(module: str) -> None:
    tree = ast.parse(our_modules()[module].read_text(encoding="utf-8"))
    statements = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value)
    ]
    assert statements == []


def test_the_checker_sees_imports_inside_functions() -> None:
    """The checker itself: an import in a function body, or a relative one under
    `TYPE_CHECKING`, is found."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .application import X\n"
        "def f():\n    from eventsourcing.sqlite import Y\n"
    )
    found = imported_names(source, "domain")
    assert found >= {"domain.application", "eventsourcing.sqlite"}
    assert _matches("eventsourcing.sqlite", IO_MODULES) == "eventsourcing.sqlite"


def test_activity_definitions_match_their_implementations() -> None:
    """Workflows call `workflows.activity_defs`; the worker runs `ChiboActivities`: every
    definition has one implementation under its name, with the same argument and result."""
    import inspect

    from temporalio.activity import _Definition

    from workflows import activity_defs
    from workflows.activities import ChiboActivities

    implemented = {
        str(_Definition.must_from_callable(method).name): method
        for method in ChiboActivities.__new__(ChiboActivities).all()
    }
    assert sorted(implemented) == sorted(d.__name__ for d in activity_defs.ALL)
    for definition in activity_defs.ALL:
        wanted = inspect.signature(definition)
        got = inspect.signature(implemented[definition.__name__])
        assert [p.annotation for p in got.parameters.values()] == [
            p.annotation for p in wanted.parameters.values()
        ]
        assert got.return_annotation == wanted.return_annotation


def test_every_activity_definition_is_declared_to_temporal() -> None:
    """Each stub the workflows call is an `@activity.defn` (a lost decorator fails every
    workflow task that calls it, and the time-skipping server then stalls, silently)."""
    from temporalio import activity

    from workflows import activity_defs

    for definition in activity_defs.ALL:
        assert activity._Definition.from_callable(definition) is not None, definition.__name__
