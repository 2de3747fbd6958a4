"""Organisation calendar: one workflow per organisation and year, continued as new each year.

It runs the period checks at the first instant after each month, quarter, half-year
and the January deadlines (R1, R3, R4, R30, R40, R41, R50, and their reminders), and
the dated checks that events bring (a meeting held: R11, R13–R15; a member
transferred in: R31). Every wait is a durable timer on workflow time, so the same code
runs a year in seconds on the time-skipping server.
"""

from __future__ import annotations

from datetime import date, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import activity_defs as defs
    from workflows.clock import until
    from workflows.models import (
        CalendarInput,
        CalendarState,
        Check,
        CheckRequest,
        ChecksRequest,
        PlanRequest,
        Progress,
    )

ACTIVITY_TIMEOUT = timedelta(minutes=5)
CHECKS_OF_A_DAY_TOGETHER = "calendar-checks-of-a-day-together"
"""Runs recorded since run every check due on one day in one activity (`run_checks`),
not one activity each: a round trip to the server for each check was most of a
simulated year's wait on the calendar."""


def calendar_workflow_id(organisation: str) -> str:
    # One id for all years: continue-as-new keeps it, so a year never runs twice.
    return f"calendar-{organisation}"


@workflow.defn(name="OrganisationCalendar")
class OrganisationCalendar:
    def __init__(self) -> None:
        self._organisation = ""
        self._year = 0
        self._pending: dict[str, Check] = {}
        self._done = 0
        self._signals = 0
        self._seen = 0
        self._busy = True
        self._next_due: date | None = None

    def _changed(self) -> bool:
        return self._signals != self._seen

    def _add(self, checks: list[Check]) -> None:
        for check in checks:
            self._pending.setdefault(check.id, check)

    @workflow.run
    async def run(self, inp: CalendarInput) -> None:
        self._organisation, self._year = inp.organisation, inp.year
        self._signals = self._seen = inp.signals
        self._add(inp.pending)
        self._add(
            await workflow.execute_activity(
                defs.calendar_plan,
                PlanRequest(organisation=inp.organisation, year=inp.year, since=inp.since),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
            )
        )
        year_end = date(inp.year + 1, 1, 1)
        while True:
            self._seen = self._signals
            due = sorted(
                (c for c in self._pending.values() if c.on < year_end), key=lambda c: (c.on, c.id)
            )
            target = due[0].on if due else year_end
            self._next_due = target
            delay = until(inp.clock, target)
            if delay > timedelta(0):
                self._busy = False
                try:
                    await workflow.wait_condition(self._changed, timeout=delay)
                    continue  # new checks arrived first: plan again
                except TimeoutError:
                    pass
                finally:
                    self._busy = True
            if not due:
                break
            if workflow.patched(CHECKS_OF_A_DAY_TOGETHER):
                batch = [c for c in due if c.on == due[0].on]
                result = await workflow.execute_activity(
                    defs.run_checks,
                    ChecksRequest(
                        organisation=inp.organisation,
                        checks=batch,
                        workflow_id=workflow.info().workflow_id,
                    ),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                )
            else:
                batch = due[:1]
                result = await workflow.execute_activity(
                    defs.run_check,
                    CheckRequest(
                        organisation=inp.organisation,
                        check=batch[0],
                        workflow_id=workflow.info().workflow_id,
                    ),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                )
            for check in batch:
                del self._pending[check.id]
            self._done += len(batch)
            self._add(result.schedule)
        workflow.continue_as_new(
            CalendarInput(
                organisation=inp.organisation,
                year=inp.year + 1,
                since=inp.since,
                clock=inp.clock,
                pending=list(self._pending.values()),
                signals=self._signals,
            )
        )

    @workflow.signal
    def schedule(self, checks: list[Check]) -> None:
        """Dated checks brought by events (a meeting held, a member transferred in)."""
        self._add(checks)
        self._signals += 1

    @workflow.query
    def progress(self) -> Progress:
        return Progress(signals=self._signals, busy=self._busy, next_due=self._next_due)

    @workflow.query
    def year(self) -> int:
        return self._year

    @workflow.query
    def state(self) -> CalendarState:
        return CalendarState(
            organisation=self._organisation,
            year=self._year,
            pending=sorted(self._pending.values(), key=lambda c: (c.on, c.id)),
            done=self._done,
        )
