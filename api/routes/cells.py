"""The cells a caller may read, and one cell's register on a date."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CallerDep, OrganisationDep, ServicesDep, today
from api.guard import not_found, readable_cell
from api.pages import DEFAULT_LIMIT, Cursor, Limit, Page, page
from api.reading import READ_ERRORS, RECORD_ERRORS, readable_cells
from projections import cells as register
from projections.cells import CellInfo, RosterEntry

router = APIRouter(tags=["cells"])


class CellSummary(BaseModel):
    """A cell as listed."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "c1",
                    "name": "Chi bộ Tổ dân phố số 1",
                    "secretary": "m10",
                    "in_charge": "m03",
                }
            ]
        }
    }

    id: str
    name: str
    secretary: str
    in_charge: str | None
    """The member in charge today, else the organisation secretary."""


class CellRegister(CellInfo):
    """The cell's register on `on`: its members with their status that day, roles and
    who is in charge."""

    on: date
    member_in_charge: str | None = Field(
        description="The committee member in charge on `on` (null: none assigned)."
    )
    members: list[RosterEntry]


@router.get("/cells", response_model=Page[CellSummary], responses=READ_ERRORS)
def list_cells(
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[CellSummary]:
    """The cells the caller may read (R80)."""
    day = today()
    store = svc.store()
    items = []
    for cell in readable_cells(svc, org, caller, day):
        info = register.cell_info(store, cell.key, day)
        if info is not None:
            items.append(
                CellSummary(
                    id=info.cell, name=info.name, secretary=info.secretary, in_charge=info.in_charge
                )
            )
    return page(items, limit, cursor)


@router.get("/cells/{cell}", response_model=CellRegister, responses=RECORD_ERRORS)
def get_cell(
    cell: str,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    on: Annotated[date | None, Query(description="business date (default today)")] = None,
) -> CellRegister:
    """The register on a date: members with their status, roles, the member in charge."""
    readable_cell(svc, org, caller, cell, today())
    day = on or today()
    store = svc.store()
    info = register.cell_info(store, cell, day)
    if info is None:
        raise not_found("chi bộ (cell)", cell)
    return CellRegister(
        **info.model_dump(),
        on=day,
        member_in_charge=register.member_in_charge_on(store, cell, day),
        members=register.roster(store, cell, day),
    )
