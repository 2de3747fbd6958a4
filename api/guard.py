"""The access table applied to a request: a record the caller may not read is 404
exactly like an unknown one; an action the caller may not take on a readable record is
403. Every route reads and acts through these, and `domain/access.py` decides."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from api.deps import Services
from api.problems import ProblemError
from domain.access import Caller, CellAction, may_act, may_read
from domain.aggregate import Aggregate
from domain.cell import Cell
from domain.ids import aggregate_id
from domain.organisation import Organisation

A = TypeVar("A", bound=Aggregate)


def not_found(what: str, key: str) -> ProblemError:
    return ProblemError(404, f"không tìm thấy {what} (not found): {key}")


def record(svc: Services, cls: type[A], key: str) -> A | None:
    found: Any = svc.app.view(aggregate_id(cls.KIND, key))
    return found if isinstance(found, cls) else None


def readable_cell(svc: Services, org: Organisation, caller: Caller, key: str, on: date) -> Cell:
    """The cell, if the caller may read it on `on` (R80); else 404 as if unknown."""
    cell = record(svc, Cell, key)
    if cell is None or not may_read(org, cell, caller.member, on):
        raise not_found("chi bộ (cell)", key)
    _log_outside_read(svc, caller, cell, key, on)
    return cell


def readable(
    svc: Services, org: Organisation, caller: Caller, cls: type[A], key: str, on: date
) -> tuple[A, Cell]:
    """A cell's record (meeting, resolution, inspection, …) and its cell, if readable."""
    found = record(svc, cls, key)
    cell = record(svc, Cell, str(getattr(found, "cell", ""))) if found is not None else None
    if found is None or cell is None or not may_read(org, cell, caller.member, on):
        raise not_found(cls.KIND, key)
    _log_outside_read(svc, caller, cell, key, on)
    return found, cell


def require_action(
    org: Organisation, cell: Cell, caller: Caller, on: date, action: CellAction
) -> None:
    if not may_act(org, cell, caller.member, on, action):
        raise ProblemError(403, f"không được phép (not allowed): {action} in cell {cell.key}")


def _log_outside_read(svc: Services, caller: Caller, cell: Cell, key: str, on: date) -> None:
    """Reads of a cell's records by someone outside that cell are recorded for auditors."""
    if not cell.is_member_on(caller.member, on):
        svc.accounts().log_read(caller, cell.key, key, f"{cell.key}/{key}")
