"""The resolution board of a cell, and one resolution with its history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CallerDep, OrganisationDep, ServicesDep, today
from api.guard import not_found, readable, readable_cell
from api.pages import DEFAULT_LIMIT, Cursor, Limit, Page, page
from api.reading import RECORD_ERRORS
from domain.resolution import Report, Resolution
from projections import resolutions as boards
from projections.resolutions import BoardStatus, ResolutionRow

router = APIRouter(tags=["resolutions"])


class ResolutionDetail(ResolutionRow):
    """A resolution (or inspection recommendation) with its deadline history and every
    progress report."""

    requirements: str
    measures: str
    progress: list[Report]
    cancel_reason: str | None


@router.get(
    "/cells/{cell}/resolutions", response_model=Page[ResolutionRow], responses=RECORD_ERRORS
)
def resolution_board(
    cell: str,
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    status: Annotated[
        BoardStatus | None,
        Query(description="`overdue`: open with its deadline in force before today"),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[ResolutionRow]:
    """The board, by deadline (R20–R25, R53)."""
    day = today()
    readable_cell(svc, org, caller, cell, day)
    rows = boards.board(svc.store(), cell=cell, status=status, as_of=day)
    return page(rows, limit, cursor)


@router.get("/resolutions/{resolution}", response_model=ResolutionDetail, responses=RECORD_ERRORS)
def get_resolution(
    resolution: str, svc: ServicesDep, caller: CallerDep, org: OrganisationDep
) -> ResolutionDetail:
    """One resolution: its deadline in force and history of extensions, and progress."""
    record, _ = readable(svc, org, caller, Resolution, resolution, today())
    row = boards.resolution(svc.store(), resolution)
    if row is None:
        raise not_found("nghị quyết (resolution)", resolution)
    return ResolutionDetail(
        **row.model_dump(),
        requirements=record.requirements,
        measures=record.measures,
        progress=record.reports,
        cancel_reason=record.cancel_reason,
    )
