"""Who may read and do what (R80 and API.md's table), decided once, from the record.

Roles are not stored apart: they follow from the organisation's and the cell's
recorded state on the day concerned (leadership, cell roles, membership, the member
in charge), plus the auditor role the organisation secretary grants and withdraws by
recorded commands. Relations to one record (executor or inspector of a resolution,
recipient of an escalation) are passed in by the caller that holds the record.

Nobody reads or acts across organisations: every function here is given the caller's
own organisation, and a cell of another organisation is never readable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from domain.cell import Cell
from domain.errors import DomainError
from domain.organisation import Organisation

Role = Literal[
    "organisation_secretary",
    "standing_committee",
    "committee",
    "inspection_commission",
    "auditor",
    "cell_member",
    "cell_leader",
    "in_charge",
]

CellAction = Literal["cell_business", "inspection", "fees"]
"""`cell_business`: announce and hold meetings, minutes, resolutions, extensions,
cancellations, communication of resolutions, the thematic plan, tasks, pledges,
transfers. `fees`: the party fees register of the cell's members (R74), kept by the
cell's leaders (not the committee member in charge)."""
OrganisationAction = Literal["organisation_business", "grant_auditor"]


@dataclass(frozen=True)
class Caller:
    """An authenticated member of one organisation."""

    organisation: str
    member: str


def organisation_roles(org: Organisation, member: str) -> set[Role]:
    roles: set[Role] = set()
    if member == org.secretary:
        roles.add("organisation_secretary")
    if member in org.standing_committee:
        roles.add("standing_committee")
    if member in org.committee:
        roles.add("committee")
    if member in org.inspection_commission:
        roles.add("inspection_commission")
    if member in org.auditors:
        roles.add("auditor")
    return roles


def cell_roles(cell: Cell, member: str, on: date) -> set[Role]:
    roles: set[Role] = set()
    if cell.is_member_on(member, on):
        roles.add("cell_member")
        if member in cell.leaders():
            roles.add("cell_leader")
    if cell.in_charge_on(on) == member:
        roles.add("in_charge")
    return roles


ABOVE: frozenset[Role] = frozenset(
    {
        "organisation_secretary",
        "standing_committee",
        "committee",
        "inspection_commission",
        "auditor",
    }
)
"""Roles that read every cell of their organisation."""
LEADERS: frozenset[Role] = frozenset({"organisation_secretary", "standing_committee"})


def may_read(org: Organisation, cell: Cell, reader: str, on: date) -> bool:
    """R80: members of the cell on that day, and the bodies above it."""
    if cell.organisation != org.key:
        return False
    return bool(organisation_roles(org, reader) & ABOVE) or cell.is_member_on(reader, on)


def may_act(org: Organisation, cell: Cell, caller: str, on: date, action: CellAction) -> bool:
    """What API.md's table lets `caller` do in `cell` (relations to one record, such as
    executing a resolution, are checked by `may_report` and `may_handle_notice`)."""
    if cell.organisation != org.key:
        return False
    above = organisation_roles(org, caller)
    here = cell_roles(cell, caller, on)
    if above & LEADERS:
        return True  # the organisation's leaders may do anything a cell does
    if action == "inspection":
        return bool(above & {"committee", "inspection_commission"})
    if action == "fees":
        return "cell_leader" in here
    return "cell_leader" in here or ("committee" in above and "in_charge" in here)


def may_keep_fees(org: Organisation, cells: Sequence[Cell], caller: str, on: date) -> bool:
    """R74's register of a member: the leaders of the member's cells (`cells`, those the
    member belongs to on `on`) and the organisation's leaders (alone for a member in no
    cell)."""
    if organisation_roles(org, caller) & LEADERS:
        return True
    return any(may_act(org, cell, caller, on, "fees") for cell in cells)


def may_act_on_organisation(org: Organisation, caller: str, action: OrganisationAction) -> bool:
    """Founding cells, roles, members, the member in charge, policy: the organisation
    secretary and the standing committee; the auditor role is the secretary's to grant
    and withdraw (API.md)."""
    if action == "grant_auditor":
        return caller == org.secretary
    return bool(organisation_roles(org, caller) & LEADERS)


def may_report(
    org: Organisation, cell: Cell, caller: str, on: date, executors: list[str], inspector: str
) -> bool:
    """Progress or completion of a resolution: its executors and inspector, and whoever
    may do the cell's business."""
    if cell.organisation != org.key:
        return False
    if caller in executors or caller == inspector:
        return True
    return may_act(org, cell, caller, on, "cell_business")


def may_handle_notice(org: Organisation, caller: str, recipients: list[str]) -> bool:
    """Acknowledge or resolve an escalation: its recipients, and the organisation's
    leaders (who supervise every cell)."""
    return caller in recipients or bool(organisation_roles(org, caller) & LEADERS)


def require_read(org: Organisation, cell: Cell, reader: str, on: date) -> None:
    if not may_read(org, cell, reader, on):
        raise DomainError(
            "R80", f"{reader} may not read the records of cell {cell.key}: not a member or above"
        )
