"""The organisation's report for a period: compliance of every cell (R1–R3, R13, the
resolutions and inspections), committee visits (R40, R41), inspections (R50, R51) and the
figures against their targets (R13, R30, R51, R60), for the annual report before
20 December (R63).

The figures are `projections/compliance.py`'s, computed by the same functions as
`chibo compliance` and `chibo figures`, over read models seen at one moment (a
`Snapshot`) and under the organisation's policy as it stood at that log position.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from documents.papers import DocumentNotFoundError, Header, Person, locality, party_body
from documents.sources import record_at
from domain.application import ChiboApplication
from domain.organisation import Organisation
from domain.periods import months_checked, quarter_of, quarters_checked
from domain.policy import Policy
from projections import cells as cell_register
from projections.compliance import Compliance, OrganisationFigures, compliance
from projections.compliance import organisation_figures as figures_of
from projections.inspections import InspectionRow, inspections_of
from projections.meetings import committee_attendance
from projections.store import ReadStore


class CellLine(BaseModel):
    cell: str
    name: str
    in_charge: Person | None


class Visit(BaseModel):
    """A committee member's visits to cell meetings in one quarter (R40, R41)."""

    member: Person
    quarter: str
    visits: int
    cells: list[str]


class ReportPaper(BaseModel):
    header: Header
    organisation: str
    organisation_name: str
    period: str
    start: date
    end: date
    """The day the period is judged on (as `chibo compliance` judges it)."""
    months_checked: int
    quarters_checked: int
    cells: list[CellLine]
    compliance: Compliance
    figures: OrganisationFigures
    visits: list[Visit]
    inspections: list[InspectionRow]
    annual_report_due: date
    """R63: the annual report reaches the committee before 20 December of the year."""


REPORT_PROJECTIONS = ("cells", "inspections", "meetings", "organisations", "resolutions", "tasks")
"""The read models a report reads (their positions are the report's provenance)."""


def report_paper(
    app: ChiboApplication,
    view: ReadStore,
    chain: ReadStore,
    organisation: str,
    period: str,
    start: date,
    end: date,
    position: int,
) -> ReportPaper:
    """`view`: the read models (a live snapshot, or a scratch store rebuilt to the same
    positions); `chain`: the store holding the log's chain, for the organisation's
    register and policy as they stood at `position`."""
    org = record_at(app, chain, Organisation, organisation, position)
    if org is None:
        raise DocumentNotFoundError(f"đảng ủy (organisation) {organisation}")

    def policy_on(key: str, day: date) -> Policy:
        found = org if key == organisation else record_at(app, chain, Organisation, key, position)
        return Policy() if found is None else found.policy_on(day)

    def person(member: str) -> Person:
        record = org.members.get(member)
        return Person(id=member, name=record.name if record is not None else member)

    keys = cell_register.cells_of(view, organisation)
    lines = []
    for key in keys:
        info = cell_register.cell_info(view, key, end)
        lines.append(
            CellLine(
                cell=key,
                name=info.name if info is not None else key,
                in_charge=person(info.in_charge) if info and info.in_charge else None,
            )
        )
    committee = sorted({*org.standing_committee, *org.committee})
    quarters = [quarter_of(first) for first, _ in quarters_checked(start, end)]
    visits = []
    for member in committee:
        for quarter in quarters:
            seen = committee_attendance(view, member=member, quarter=quarter)
            visits.append(
                Visit(
                    member=person(member),
                    quarter=quarter,
                    visits=len(seen),
                    cells=sorted({v.cell for v in seen if v.cell in keys}),
                )
            )
    return ReportPaper(
        header=Header(
            party=party_body(org.name).upper(),
            cell=org.name.upper(),
            place=locality(org.name),
            day=end,
        ),
        organisation=organisation,
        organisation_name=org.name,
        period=period,
        start=start,
        end=end,
        months_checked=len(months_checked(start, end)),
        quarters_checked=len(quarters),
        cells=lines,
        compliance=compliance(view, start, end, policy_on, organisation=organisation),
        figures=figures_of(view, organisation, start, end, policy_on),
        visits=visits,
        inspections=[i for i in inspections_of(view, None, start, end) if i.cell in keys],
        annual_report_due=date(start.year, 12, 19),
    )
