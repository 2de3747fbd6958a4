"""Compliance per cell over a window (SCENARIOS.md "compliance"), and an organisation's
figures against its targets (R13, R30, R51). Queries only: computed from the registers.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from domain.attendance import attendance_rate, owes_tasks
from domain.periods import months_checked, quarters_checked
from projections import cells as cell_register
from projections import meetings as meeting_register
from projections.inspections import inspection_coverage, inspections_of, ratings
from projections.resolutions import ResolutionCounts, resolution_counts
from projections.store import ReadStore
from projections.tasks import coverage


class CellCompliance(BaseModel):
    regular_months: int
    late_regular: int
    thematic_quarters: int
    attendance_rate: float | None
    resolutions: ResolutionCounts
    inspections: int


class Compliance(BaseModel):
    start: date
    end: date
    cells: dict[str, CellCompliance]


def cell_compliance(
    store: ReadStore,
    cell: str,
    start: date,
    end: date,
    *,
    first_week_days: int = 7,
    thematic_per_quarter: int = 1,
) -> CellCompliance:
    regular_months = late = 0
    for first, last in months_checked(start, end):
        regular = [
            m for m in meeting_register.meetings_in(store, cell, first, last) if m.is_regular
        ]
        if regular:
            regular_months += 1
            late += regular[0].held_on.day > first_week_days
    thematic_quarters = sum(
        sum(m.is_thematic for m in meeting_register.meetings_in(store, cell, first, last))
        >= thematic_per_quarter
        for first, last in quarters_checked(start, end)
    )
    return CellCompliance(
        regular_months=regular_months,
        late_regular=late,
        thematic_quarters=thematic_quarters,
        attendance_rate=meeting_register.attendance_rate(store, cell, start, end),
        resolutions=resolution_counts(store, cell, start, end),
        inspections=len(inspections_of(store, cell, start, end)),
    )


def compliance(
    store: ReadStore,
    start: date,
    end: date,
    *,
    organisation: str | None = None,
    cell: str | None = None,
    first_week_days: int = 7,
    thematic_per_quarter: int = 1,
) -> Compliance:
    """Every cell (or one), over the window from `start` to `end` inclusive."""
    if cell is not None:
        cells = [cell]
    elif organisation is not None:
        cells = cell_register.cells_of(store, organisation)
    else:
        cells = [row[0] for row in store.query("SELECT cell FROM rm_cells ORDER BY cell")]
    return Compliance(
        start=start,
        end=end,
        cells={
            c: cell_compliance(
                store,
                c,
                start,
                end,
                first_week_days=first_week_days,
                thematic_per_quarter=thematic_per_quarter,
            )
            for c in cells
        },
    )


class OrganisationFigures(BaseModel):
    """An organisation's figures against its targets for a window."""

    attendance_rate: float | None
    attendance_target: float
    task_coverage: float
    inspection_coverage: float
    ratings: dict[str, int]


def organisation_figures(
    store: ReadStore, organisation: str, start: date, end: date, attendance_target: float
) -> OrganisationFigures:
    cells = cell_register.cells_of(store, organisation)
    rows = store.query(
        "SELECT SUM(m.counted_present), SUM(m.counted_count) FROM rm_meetings m"
        " JOIN rm_cells c ON c.cell = m.cell WHERE c.organisation = %s AND m.status = 'held'"
        " AND m.is_regular = 1 AND m.held_on >= %s AND m.held_on <= %s",
        (organisation, start.isoformat(), end.isoformat()),
    )
    present, counted = rows[0]
    assigned = total = 0
    for c in cells:
        working = [
            e.member for e in cell_register.roster(store, c, end) if owes_tasks(e.status, e.working)
        ]
        cov = coverage(store, c, end.year, working)
        assigned += len(cov.assigned)
        total += len(working)
    return OrganisationFigures(
        attendance_rate=attendance_rate(int(present or 0), int(counted or 0)),
        attendance_target=attendance_target,
        task_coverage=round(assigned / total, 4) if total else 1.0,
        inspection_coverage=inspection_coverage(store, cells, start, end).rate,
        ratings=ratings(store, start, end),
    )
