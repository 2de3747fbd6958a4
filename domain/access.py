"""R80: party records stay within the body concerned and the levels above it."""

from __future__ import annotations

from datetime import date

from domain.cell import Cell
from domain.errors import DomainError
from domain.organisation import Organisation


def may_read(org: Organisation, cell: Cell, reader: str, on: date) -> bool:
    """Members of the cell on that day, and the committee and commission above it."""
    above = {org.secretary, *org.committee, *org.standing_committee, *org.inspection_commission}
    return reader in above or cell.is_member_on(reader, on)


def require_read(org: Organisation, cell: Cell, reader: str, on: date) -> None:
    if not may_read(org, cell, reader, on):
        raise DomainError(
            "R80", f"{reader} may not read the records of cell {cell.key}: not a member or above"
        )
