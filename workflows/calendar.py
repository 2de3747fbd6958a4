"""Organisation calendar: one workflow per organisation and year, continued as new each year.

It owns the period checks of the organisation; every wait is a durable timer on
workflow time, so the same code runs a year in seconds on the time-skipping server.
"""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.models import CalendarInput


def calendar_workflow_id(organisation: str) -> str:
    # One id for all years: continue-as-new keeps it, so a year never runs twice.
    return f"calendar-{organisation}"


@workflow.defn(name="OrganisationCalendar")
class OrganisationCalendar:
    def __init__(self) -> None:
        self._year = 0

    @workflow.run
    async def run(self, inp: CalendarInput) -> None:
        self._year = inp.year
        next_year = datetime(inp.year + 1, 1, 1, tzinfo=UTC)
        remaining = next_year - workflow.now()
        if remaining.total_seconds() > 0:
            await workflow.sleep(remaining)
        workflow.continue_as_new(CalendarInput(organisation=inp.organisation, year=inp.year + 1))

    @workflow.query
    def year(self) -> int:
        return self._year
