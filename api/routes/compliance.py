"""Compliance per cell for a month, quarter, half-year or year (SCENARIOS.md)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from api.deps import CallerDep, OrganisationDep, ServicesDep, today
from api.guard import readable_cell
from api.pages import DEFAULT_LIMIT, Cursor, Limit, Page, window
from api.problems import ProblemError
from api.reading import RECORD_ERRORS, readable_cells
from domain.periods import bounds, judged_on, month_of
from projections.compliance import CellCompliance, compliance

router = APIRouter(tags=["compliance"])

PERIOD = re.compile(r"\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?")


class CellComplianceItem(CellCompliance):
    """One cell's compliance fields (SCENARIOS.md) over the period; the version 2 fields
    (R17, R61, R22) are null for an organisation whose policy has `rules_version` 1."""

    cell: str
    period: str
    start: date
    end: date
    speaker_share: float | None = Field(
        default=None, description="R17: the share of those present who spoke (version 2)."
    )
    twelve_regular: dict[str, bool] | None = Field(
        default=None, description="R61: per whole year of the period, twelve regular meetings."
    )
    communicated_on_time: int | None = Field(
        default=None, description="R22: the period's resolutions communicated in time."
    )


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of `period`; 422 naming `period` when it is not one."""
    if PERIOD.fullmatch(period) is None:
        raise ProblemError(
            422,
            "trường không hợp lệ (invalid field) period: tháng, quý, nửa năm hoặc năm"
            " (expected YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY)",
        )
    return bounds(period)


@router.get(
    "/compliance",
    response_model=Page[CellComplianceItem],
    responses=RECORD_ERRORS,
)
def get_compliance(
    svc: ServicesDep,
    caller: CallerDep,
    org: OrganisationDep,
    cell: Annotated[
        str | None, Query(max_length=100, description="one cell (default: every readable)")
    ] = None,
    period: Annotated[
        str | None,
        Query(
            max_length=16,
            description="`2026-02`, `2026-Q1`, `2026-H1` or `2026`",
            examples=["2026-Q1"],
        ),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[CellComplianceItem]:
    """Each readable cell's figures over the period (default: this month), judged under
    the organisation's policy in force at its end."""
    day = today()
    name = period or month_of(day)
    start, end = period_bounds(name)
    if cell is not None:
        keys = [readable_cell(svc, org, caller, cell, day).key]
    else:
        keys = [c.key for c in readable_cells(svc, org, caller, day)]
    first, stop, following = window(len(keys), limit, cursor)
    store, items = svc.store(), []
    for key in keys[first:stop]:
        on = judged_on(start, end, day)  # as `chibo compliance`: the day after the period
        figures = compliance(store, start, on, svc.app.policy_on, cell=key).cells[key]
        items.append(
            CellComplianceItem(**figures.model_dump(), cell=key, period=name, start=start, end=end)
        )
    return Page[CellComplianceItem](items=items, next_cursor=following)
