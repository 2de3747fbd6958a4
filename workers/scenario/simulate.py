"""`chibo simulate`: a scenario's timeline through the real system, a year in seconds.

The real domain, projector, dispatcher and workflows run against Temporal's
time-skipping test server and a throw-away store. Each simulated day, first the checks
due that day run (the server's clock is moved to the day's first instant and every
workflow is let finish what is due), then that day's items are applied in file order.
Nothing here judges a rule: the output is read back from what the system recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from projections.compliance import PolicyOn, compliance
from projections.escalations import escalations
from projections.projector import Projector
from projections.registry import all_projections
from projections.reminders import reminders
from projections.scratch import scratch_database
from projections.store import ReadStore
from workers.scenario.feed import ProgressFeed
from workers.scenario.format import Scenario
from workers.scenario.importer import Importer
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities
from workflows.calendar import OrganisationCalendar, calendar_workflow_id
from workflows.dispatcher import RULE_REACTIONS, Dispatcher
from workflows.followup import ResolutionFollowUp
from workflows.models import Clock, Progress

QUERY_TIMEOUT = timedelta(seconds=30)
PAST_MIDNIGHT = timedelta(seconds=1)
"""How far past a day's first instant the clock is moved: the server has fired every
timer due at that instant (and run what they woke) before its clock can get there."""
FEED_PAUSE = 0.05
"""Seconds without a report after which the server is let deliver what it holds."""
FEED_STALL = 90.0
"""Seconds without any report while workflows are not at rest: something is stuck."""
AT_REST_POLLS = 2000
"""About a minute and a half of real time for a workflow task to complete."""
SUBJECT_FIELDS = ("cell", "member", "meeting", "resolution", "inspection")
TASK_QUEUE = "chibo-simulate"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def throwaway_store(kind: str, pg_admin: str = PG_ADMIN) -> Iterator[Settings]:
    """A fresh, initialised store, gone afterwards (projections.scratch makes and drops it)."""
    with scratch_database(pg_admin if kind != "sqlite" else "sqlite://", "sim") as url:
        settings = Settings(database_url=url)
        init_db(settings)
        yield settings


@contextlib.asynccontextmanager
async def time_skipping_server(path: str) -> AsyncIterator[WorkflowEnvironment]:
    # Only errors from the SDK core: the test server lacks capabilities it warns about.
    quiet = Runtime(
        telemetry=TelemetryConfig(logging=LoggingConfig(filter=TelemetryFilter("ERROR", "ERROR")))
    )
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=path, data_converter=pydantic_data_converter, runtime=quiet
    )
    try:
        await _answering(env)
        yield env
    finally:
        await env.shutdown()


async def _answering(env: WorkflowEnvironment, within: float = 30.0) -> None:
    """Returns once the freshly started server answers: its first call once failed with
    "transport error" (in CI), the process still coming up."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            await env.get_current_time()
            return
        except RPCError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class Simulation:
    def __init__(
        self,
        scenario: Scenario,
        settings: Settings,
        env: WorkflowEnvironment,
        progress: Callable[[date], None] | None = None,
        worker: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
        after_day: Callable[[date], Awaitable[None]] | None = None,
    ) -> None:
        """`worker` replaces the in-process worker (e.g. a `chibo worker` process);
        `after_day` runs once each played day is settled."""
        self.scenario = scenario
        self.worker = worker
        self.after_day = after_day
        self.settings = settings
        self.env = env
        self.progress = progress
        self.app = make_app(settings)
        self.store = make_read_store(settings)
        self.importer = Importer(self.app, scenario)
        self.watch: dict[str, Progress] = {}
        self.feed: ProgressFeed | None = None
        self.runs: dict[str, tuple[str, int]] = {}
        """Each workflow's latest run and the workflow tasks it had completed when last asked."""

    @property
    def client(self) -> Client:
        return self.env.client

    async def run(self) -> dict[str, Any]:
        s = self.scenario
        # Business time = server time + offset: the scenario's first day starts now.
        offset = _midnight(s.start) - await self.env.get_current_time()
        self.clock = Clock(offset_seconds=offset.total_seconds())
        # Only what the rules raise (SCENARIOS.md's results): follow-ups and deliveries
        # of notices reach people, and a scenario has nobody to reach.
        self.dispatcher = Dispatcher(
            self.app,
            self.store,
            self.client,
            TASK_QUEUE,
            clock=self.clock,
            reactions=RULE_REACTIONS,
        )
        projector_store = make_read_store(self.settings)
        activities = ChiboActivities(self.app, lambda: make_read_store(self.settings))
        projector = Projector(self.app, projector_store, all_projections())
        # Our own worker reports each workflow's progress as it goes (feed.py); a worker
        # in another process (`worker`) is asked instead.
        if not self.worker:
            self.feed = ProgressFeed(asyncio.get_running_loop())
        items: dict[date, list[int]] = {}
        for index, item in enumerate(s.timeline):
            items.setdefault(item.date, []).append(index)
        try:
            with projector.running(poll_interval=0.005):
                inline = build_worker(
                    self.client,
                    TASK_QUEUE,
                    activities,
                    feed=self.feed,
                    sandboxed=False,
                    build_id=TASK_QUEUE,  # a throw-away server: nothing to tell builds apart
                )
                async with self.worker() if self.worker else inline:
                    self.importer.setup()
                    await self.settle(s.start)
                    day = s.start
                    while day <= s.end:
                        await self.advance_to(day)
                        await self.settle(day)
                        for index in items.get(day, []):
                            self.importer.apply_item(index)
                        await self.settle(day)
                        if self.after_day:
                            await self.after_day(day)
                        if self.progress:
                            self.progress(day)
                        day = self.next_day(day, items)
                    # Wait through our own connection: the projector thread owns its own.
                    head = self.app.recorder.max_notification_id() or 0
                    Projector(self.app, self.store, all_projections()).wait_for(head)
            return self.result()
        finally:
            activities.close()
            projector_store.close()
            self.store.close()
            self.app.close()

    def next_day(self, day: date, items: dict[date, list[int]]) -> date:
        """The next day with anything to do: an item, or work due in some workflow."""
        candidates = [d for d in items if d > day]
        candidates += [p.next_due for p in self.watch.values() if p.next_due and not p.finished]
        following = min(
            (d for d in candidates if d > day), default=self.scenario.end + timedelta(1)
        )
        return max(day + timedelta(days=1), min(following, self.scenario.end + timedelta(1)))

    async def advance_to(self, day: date) -> None:
        """Moves the server's clock to the first instant of `day` in one skip (`next_day`
        chose it: no workflow has anything due before it, so a day at a time only added
        calls). The test server may keep a long skip's call waiting past its deadline
        while workflows run (e.g. a calendar continuing into a new year): then look where
        the clock stands and go on from there."""
        for _ in range(1000):
            business_now = await self.env.get_current_time() + timedelta(
                seconds=self.clock.offset_seconds
            )
            gap = _midnight(day) + PAST_MIDNIGHT - business_now
            if gap <= timedelta(0):
                return
            try:
                await self.env.sleep(gap)
            except RPCError as error:
                if error.status not in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                    raise
        raise TimeoutError(f"the test server's clock did not reach {day}")

    async def settle(self, day: date) -> None:
        """Delivers every stored event to Temporal, then waits until each workflow has
        seen its signals, is idle, and has nothing due on or before `day`."""
        if self.feed is not None:
            await self._settle_by_feed(self.feed, day)
            return
        while True:
            while await self.dispatcher.run_once():
                pass
            pending = [w for w in self.dispatcher.started if w not in self.watch]
            pending += [
                w
                for w, p in self.watch.items()
                if not p.finished
                and (
                    p.busy
                    or p.signals < self.dispatcher.signals_sent.get(w, 0)
                    or (p.next_due is not None and p.next_due <= day)
                )
            ]
            if not pending:
                return
            for workflow_id in pending:
                self.watch[workflow_id] = await self.progress_of(workflow_id, day)
            if all(not self._waiting_on(w, day) for w in pending):
                continue  # all idle now: loop once more to dispatch what they recorded
            # Let workflow tasks and activities run without moving the clock.
            await self.env.sleep(timedelta(0))

    async def _settle_by_feed(self, feed: ProgressFeed, day: date) -> None:
        """`settle` on what the worker reports after each activation: no query, no
        history read. Waits for the next report while any workflow is not at rest; when
        none comes for a moment, lets the server run (a zero sleep), since it fires a
        timer a moment after its clock reached it, and only while let run."""
        quiet = 0.0
        while True:
            while await self.dispatcher.run_once():
                pass
            feed.changed.clear()  # what arrives from here on is news
            pending = [w for w in self.dispatcher.started if not self._at_rest(feed, w, day)]
            if not pending:
                return
            try:
                await asyncio.wait_for(feed.changed.wait(), FEED_PAUSE)
                quiet = 0.0
            except TimeoutError:
                quiet += FEED_PAUSE
                if quiet > FEED_STALL:
                    raise TimeoutError(
                        f"no word from {', '.join(sorted(pending)[:5])} for {quiet:.0f} s"
                    ) from None
                await self.env.sleep(timedelta(0))

    def _at_rest(self, feed: ProgressFeed, workflow_id: str, day: date) -> bool:
        """Whether the workflow's last report leaves nothing for it to do by `day`
        (and notes its progress, for `next_day`)."""
        report = feed.reports.get(workflow_id)
        if report is None or report.continuing:
            return False  # not started yet, or its next run is
        if report.ended:
            self.watch[workflow_id] = Progress(signals=0, busy=False, next_due=None, finished=True)
            return True
        progress = report.progress
        if progress is None:
            return False
        self.watch[workflow_id] = progress
        return progress.finished or not self._waiting_on(workflow_id, day)

    async def progress_of(self, workflow_id: str, day: date) -> Progress:
        """Queries a workflow's progress, once its current run is at rest.

        Why wait: the time-skipping test server holds a query that arrives while a
        workflow task is in flight until that task completes. When the task closes the
        run (the calendar continuing as new when its timer at a year's end fires), the
        held query is never answered and from then on the server's clock no longer
        skips: `chibo simulate` hung across year boundaries (every hang seen here
        followed such a query). So a run is asked only once it has completed every
        workflow task it was given, and, when its last answer said a timer was due by
        now, once it has completed a task since (the timer's, or a signal's that
        replaced the timer): the server fires timers on its own thread, a moment after
        the clock reached them, so until then an empty history tail proves nothing."""
        seen = self.watch.get(workflow_id)
        timer_due = (
            seen is not None
            and not seen.finished
            and not seen.busy
            and seen.next_due is not None
            and seen.next_due <= day
        )
        await self.at_rest(workflow_id, timer_due)
        handle = self.client.get_workflow_handle(workflow_id)
        # Both long workflows answer `progress`; the id says which one this is.
        calendar = workflow_id.startswith(calendar_workflow_id(""))
        query = OrganisationCalendar.progress if calendar else ResolutionFollowUp.progress
        try:
            progress = await handle.query(query, rpc_timeout=QUERY_TIMEOUT)
        except RPCError as error:
            if error.status not in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                raise
            raise TimeoutError(f"{workflow_id} did not answer its progress query") from error
        # Counted after the answer, which may have waited for tasks still in flight: an
        # idle answer (not busy, nothing due) is then the state after exactly these.
        run_id, _, completed, _ = await self.tasks(workflow_id)
        self.runs[workflow_id] = (run_id, completed)
        return progress

    async def tasks(self, workflow_id: str) -> tuple[str, int, int, bool]:
        """The latest run of the workflow: its id, its workflow tasks scheduled and
        completed, and whether it has continued as new."""
        run_id = (await self.client.get_workflow_handle(workflow_id).describe()).run_id
        scheduled = completed = 0
        continued = False
        run = self.client.get_workflow_handle(workflow_id, run_id=run_id)
        async for event in run.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
                scheduled += 1
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                completed += 1
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
                continued = True
        return run_id, scheduled, completed, continued

    async def at_rest(self, workflow_id: str, timer_due: bool) -> None:
        """Returns once the latest run of the workflow has completed every workflow task
        it was given and, if `timer_due`, has completed one more since it was last asked
        (its worker is working meanwhile: this waits in real time)."""
        for attempt in range(AT_REST_POLLS):
            run_id, scheduled, completed, continued = await self.tasks(workflow_id)
            before = self.runs.get(workflow_id)
            moved_on = before is None or before[0] != run_id or completed > before[1]
            # A run that continued as new: the next look finds the new one.
            if not continued and scheduled == completed and (moved_on or not timer_due):
                return
            await asyncio.sleep(0.001 * 2 ** min(attempt, 6))
        raise TimeoutError(f"{workflow_id} did not come to rest")

    def _waiting_on(self, workflow_id: str, day: date) -> bool:
        p = self.watch[workflow_id]
        if p.finished:
            return False
        return (
            p.busy
            or p.signals < self.dispatcher.signals_sent.get(workflow_id, 0)
            or (p.next_due is not None and p.next_due <= day)
        )

    def result(self) -> dict[str, Any]:
        s = self.scenario
        return {
            "name": s.name,
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "escalations": [escalation_json(row) for row in escalations(self.store)],
            "reminders": [reminder_json(row) for row in reminders(self.store)],
            "errors": self.importer.report.errors,
            "compliance": compliance_json(self.store, s, self.app.policy_on),
        }


def _subject(subject: dict[str, str]) -> dict[str, Any]:
    return {k: subject[k] for k in SUBJECT_FIELDS if k in subject}


def escalation_json(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": row.kind, "rule": row.rule, **_subject(row.subject)}
    if row.period is not None:
        out["period"] = row.period
    for key in ("members", "rate", "minutes", "resolutions"):
        if key in row.details:
            out[key] = row.details[key]
    out |= {
        "raised_on": row.raised_on.isoformat(),
        "level": row.level,
        "to": sorted(row.recipients),
    }
    return out


def reminder_json(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": row.kind, "rule": row.rule, **_subject(row.subject)}
    if row.period is not None:
        out["period"] = row.period
    return out | {"on": row.sent_on.isoformat(), "to": sorted(row.recipients)}


def compliance_json(store: ReadStore, s: Scenario, policy_on: PolicyOn) -> dict[str, Any]:
    figures = compliance(store, s.start, s.end, policy_on, organisation=s.organization.id)
    return {"cells": {c: f.model_dump(mode="json") for c, f in figures.cells.items()}}


async def simulate(
    scenario: Scenario,
    store: str = "sqlite",
    test_server: str = "temporal-test-server",
    progress: Callable[[date], None] | None = None,
    pg_admin: str = PG_ADMIN,
) -> dict[str, Any]:
    """Runs the scenario; returns SCENARIOS.md's result (same on both stores, every run)."""
    with throwaway_store(store, pg_admin) as settings:
        async with time_skipping_server(test_server) as env:
            return await Simulation(scenario, settings, env, progress).run()
