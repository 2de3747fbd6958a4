"""Roll-ups across partitions: each partition's read models give its own totals, and a
province's or the nation's figures are their sum (no transaction, no query, crosses a
partition). Rates are recomputed from the summed counts, never averaged."""

from __future__ import annotations

from pydantic import BaseModel

from domain.attendance import attendance_rate
from projections.compliance import Compliance
from projections.meetings import organisation_attendance
from projections.store import ReadStore


class Totals(BaseModel):
    """What adds up: cells, months, quarters, resolutions, inspections, attendance."""

    organisations: int = 0
    cells: int = 0
    regular_months: int = 0
    late_regular: int = 0
    thematic_quarters: int = 0
    counted_present: int = 0
    counted: int = 0
    adopted: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    open: int = 0
    overdue_open: int = 0
    inspections: int = 0

    @property
    def attendance_rate(self) -> float | None:
        """Σ counted present ÷ Σ counted over every regular meeting (R13)."""
        return attendance_rate(self.counted_present, self.counted)

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            **{name: getattr(self, name) + getattr(other, name) for name in Totals.model_fields}
        )


def totals(store: ReadStore, organisation: str, figures: Compliance) -> Totals:
    """An organisation's totals: its compliance (`figures`) summed over its cells, and
    the attendance counts of its cells' regular meetings in the same window."""
    present, counted = organisation_attendance(store, organisation, figures.start, figures.end)
    found = Totals(organisations=1, counted_present=present, counted=counted)
    for cell in figures.cells.values():
        found += Totals(
            cells=1,
            regular_months=cell.regular_months,
            late_regular=cell.late_regular,
            thematic_quarters=cell.thematic_quarters,
            adopted=cell.resolutions.adopted,
            completed_on_time=cell.resolutions.completed_on_time,
            completed_late=cell.resolutions.completed_late,
            open=cell.resolutions.open,
            overdue_open=cell.resolutions.overdue_open,
            inspections=cell.inspections,
        )
    return found
