"""What the query routes share: the cells a caller may read, and the read-side errors.
Access itself is decided in `domain/access.py` (through `api/guard.py`)."""

from __future__ import annotations

from datetime import date

from api.deps import Services, cells_of
from api.problems import errors
from domain.access import ABOVE, Caller, may_read, organisation_roles
from domain.cell import Cell
from domain.organisation import Organisation

READ_ERRORS = errors(401, 422)
"""Errors of a list: no credentials, a bad parameter."""
RECORD_ERRORS = errors(401, 404, 422)
"""Errors of one record: also unknown or not readable (404)."""


def readable_cells(svc: Services, org: Organisation, caller: Caller, on: date) -> list[Cell]:
    """The organisation's cells the caller may read on `on`, by key."""
    found = [cell for cell in cells_of(svc, org) if may_read(org, cell, caller.member, on)]
    return sorted(found, key=lambda cell: cell.key)


def above(org: Organisation, caller: Caller) -> bool:
    """Whether the caller reads every cell of the organisation (leaders, committee,
    inspection commission, auditors)."""
    return bool(organisation_roles(org, caller.member) & ABOVE)
