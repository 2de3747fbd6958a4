"""Compliance per cell over a window (SCENARIOS.md "compliance"), and an organisation's
figures against its targets (R13, R30, R51). Queries only: computed from the registers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import BaseModel

from domain.attendance import attendance_rate, owes_tasks, speaker_share, twelve_regular
from domain.periods import months_checked, quarters_checked
from domain.policy import Policy
from domain.resolution import communicated_in_time
from projections import cells as cell_register
from projections import meetings as meeting_register
from projections import resolutions as resolution_register
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


class CellComplianceV2(CellCompliance):
    """Version 2's fields too (SCENARIOS.md): R17, R61, R22."""

    speaker_share: float | None
    twelve_regular: dict[str, bool]
    communicated_on_time: int


class Compliance(BaseModel):
    start: date
    end: date
    cells: dict[str, CellComplianceV2 | CellCompliance]


PolicyOn = Callable[[str, date], Policy]
"""An organisation's policy in force on a day. The read models keep no policy: callers
pass the command side's (`ChiboApplication.policy_on`)."""


def cell_compliance(
    store: ReadStore, cell: str, start: date, end: date, policy: Policy
) -> CellCompliance:
    """One cell's figures over the window, judged under `policy` (R2, R3, R13)."""
    regular_months = late = 0
    for first, last in months_checked(start, end):
        regular = [
            m for m in meeting_register.meetings_in(store, cell, first, last) if m.is_regular
        ]
        if regular:
            regular_months += 1
            late += regular[0].held_on.day > policy.first_week_days
    thematic_quarters = sum(
        sum(m.is_thematic for m in meeting_register.meetings_in(store, cell, first, last))
        >= policy.thematic_per_quarter
        for first, last in quarters_checked(start, end)
    )
    figures = CellCompliance(
        regular_months=regular_months,
        late_regular=late,
        thematic_quarters=thematic_quarters,
        attendance_rate=meeting_register.attendance_rate(store, cell, start, end),
        resolutions=resolution_counts(store, cell, start, end),
        inspections=len(inspections_of(store, cell, start, end)),
    )
    if policy.rules_version < 2:
        return figures
    sessions = [
        record
        for m in meeting_register.meetings_in(store, cell, start, end)
        if m.is_regular and (record := meeting_register.meeting(store, m.meeting)) is not None
    ]
    years = {}
    for year in range(start.year, end.year + 1):
        if date(year, 1, 1) >= start and date(year, 12, 31) <= end:
            months = {m.held_on.month for m in sessions if m.held_on and m.held_on.year == year}
            years[str(year)] = twelve_regular(months)
    adopted = [
        r
        for r in resolution_register.board(store, cell=cell, as_of=end)
        if r.origin == "meeting" and start <= r.adopted_on <= end
    ]
    return CellComplianceV2(
        **figures.model_dump(),
        speaker_share=speaker_share([(m.present, m.speakers) for m in sessions]),
        twelve_regular=years,
        communicated_on_time=sum(
            communicated_in_time(r.adopted_on, r.communicated_on, policy.communicate_days)
            for r in adopted
        ),
    )


def compliance(
    store: ReadStore,
    start: date,
    end: date,
    policy_on: PolicyOn,
    *,
    organisation: str | None = None,
    cell: str | None = None,
) -> Compliance:
    """Every cell (or one, or an organisation's), over the window from `start` to `end`
    inclusive, each under its organisation's policy in force on `end`. The one
    computation behind `chibo compliance` and `chibo simulate`."""
    sql = "SELECT cell, organisation FROM rm_cells"
    if cell is not None:
        rows = store.query(f"{sql} WHERE cell = %s", (cell,)) or [(cell, None)]
    elif organisation is not None:
        rows = [(c, organisation) for c in cell_register.cells_of(store, organisation)]
    else:
        rows = store.query(f"{sql} ORDER BY cell")
    policies: dict[str | None, Policy] = {None: Policy()}
    for _, org in rows:
        if org not in policies:
            policies[org] = policy_on(org, end)
    return Compliance(
        start=start,
        end=end,
        cells={c: cell_compliance(store, c, start, end, policies[org]) for c, org in rows},
    )


class OrganisationFigures(BaseModel):
    """An organisation's figures against its targets for a window."""

    attendance_rate: float | None
    attendance_target: float
    task_coverage: float
    inspection_coverage: float
    ratings: dict[str, int]


def organisation_figures(
    store: ReadStore,
    organisation: str,
    start: date,
    end: date,
    policy_on: PolicyOn,
    *,
    attendance_target: float | None = None,
) -> OrganisationFigures:
    """The figures against the targets of the policy in force on `end` (R13's attendance
    target unless `attendance_target` overrides it)."""
    if attendance_target is None:
        attendance_target = policy_on(organisation, end).attendance_target
    cells = cell_register.cells_of(store, organisation)
    present, counted = meeting_register.organisation_attendance(store, organisation, start, end)
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
