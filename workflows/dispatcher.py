"""The dispatcher: stored events start and steer workflows, never a write to two places.

It follows the global log with its own position. Each event maps (by the table in
`actions_for`) to Temporal calls whose workflow ids derive from record ids, so
repeating a call is harmless: delivery is at least once, effects exactly once. The
position advances only after the calls succeeded; while Temporal is down it retries
with backoff and never skips an event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.cell import Cell
from domain.meeting import Meeting
from domain.organisation import Organisation
from domain.resolution import Resolution
from projections.store import ReadStore
from projections.tracking import get_position, set_position
from workflows.calendar import calendar_workflow_id
from workflows.followup import followup_workflow_id
from workflows.models import CalendarInput, Change, Check, Clock, FollowUpInput

log = logging.getLogger("chibo.dispatcher")

TRACKING_NAME = "dispatcher"


@dataclass(frozen=True)
class StartWorkflow:
    workflow: str
    workflow_id: str
    arg: Any


@dataclass(frozen=True)
class Signal:
    workflow_id: str
    signal: str
    arg: Any


Action = StartWorkflow | Signal

RESOLUTION_CHANGES: dict[type[Any], str] = {
    Resolution.ProgressReported: "progress",
    Resolution.Completed: "completed",
    Resolution.DeadlineExtended: "extended",
    Resolution.Cancelled: "cancelled",
}


def actions_for(
    event: Any,
    clock: Clock,
    key_of: Callable[[UUID], str],
    org_of: Callable[[UUID], str],
) -> list[Action]:
    """The behaviour map: what each stored event asks of Temporal.

    `key_of` names a record by its user-facing id (workflow ids use those); `org_of`
    names the organisation a cell's record belongs to."""
    if isinstance(event, Organisation.Registered):
        calendar = CalendarInput(
            organisation=event.key,
            year=event.occurred_on.year,
            since=event.occurred_on,
            clock=clock,
        )
        return [StartWorkflow("OrganisationCalendar", calendar_workflow_id(event.key), calendar)]
    if isinstance(event, Meeting.Held | Meeting.HeldAsAnnounced):
        meeting = key_of(event.originator_id)
        check = Check(on=event.occurred_on, id=f"meeting:{meeting}")
        return [Signal(calendar_workflow_id(org_of(event.originator_id)), "schedule", [check])]
    if isinstance(event, Cell.MemberTransferredIn):
        cell = key_of(event.originator_id)
        day = event.occurred_on
        check = Check(on=day, id=f"transfer:{cell}:{event.member}:{day.isoformat()}")
        return [Signal(calendar_workflow_id(org_of(event.originator_id)), "schedule", [check])]
    if isinstance(event, Resolution.Adopted):
        followup = FollowUpInput(resolution=event.key, clock=clock)
        return [StartWorkflow("ResolutionFollowUp", followup_workflow_id(event.key), followup)]
    change = RESOLUTION_CHANGES.get(type(event))
    if change is not None:
        key = key_of(event.originator_id)
        return [
            Signal(followup_workflow_id(key), "changed", Change(kind=change, on=event.occurred_on))
        ]
    return []


class Dispatcher:
    def __init__(
        self,
        app: Application[Any],
        store: ReadStore,
        client: Client,
        task_queue: str,
        batch_size: int = 100,
        clock: Clock | None = None,
    ) -> None:
        self.app = app
        self.store = store
        self.client = client
        self.task_queue = task_queue
        self.batch_size = batch_size
        self.clock = clock or Clock()
        self.started: set[str] = set()
        self.signals_sent: dict[str, int] = {}
        """What this dispatcher asked of Temporal (a driver waits for workflows on it)."""

    def key_of(self, originator_id: UUID) -> str:
        key: str = self.app.repository.get(originator_id).key
        return key

    def org_of(self, originator_id: UUID) -> str:
        record: Any = self.app.repository.get(originator_id)
        cell: Cell = (
            record
            if isinstance(record, Cell)
            else self.app.repository.get(Cell.id_for(record.cell))
        )
        return cell.organisation

    def position(self) -> int:
        with self.store.transaction() as cur:
            return get_position(cur, TRACKING_NAME)

    async def run_once(self) -> int:
        """Delivers the next batch; returns how many events it held (0: caught up)."""
        position = self.position()
        notifications = self.app.recorder.select_notifications(
            start=position + 1, limit=self.batch_size
        )
        for notification in notifications:
            event = self.app.mapper.to_domain_event(notification)
            for action in actions_for(event, self.clock, self.key_of, self.org_of):
                await self.execute(action)
        if notifications:
            # After the whole batch: a crash re-delivers it, and every effect is idempotent
            # (starts by workflow id; a repeated "changed" signal only makes it re-read).
            with self.store.transaction() as cur:
                set_position(cur, TRACKING_NAME, notifications[-1].id)
        return len(notifications)

    async def execute(self, action: Action) -> None:
        if isinstance(action, Signal):
            handle = self.client.get_workflow_handle(action.workflow_id)
            try:
                await handle.signal(action.signal, action.arg)
            except RPCError as error:
                if error.status != RPCStatusCode.NOT_FOUND:
                    raise
                return  # the workflow has already ended: nothing left to steer
            count = self.signals_sent.get(action.workflow_id, 0) + 1
            self.signals_sent[action.workflow_id] = count
            return
        try:
            await self.client.start_workflow(
                action.workflow,
                action.arg,
                id=action.workflow_id,
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            return  # started (and perhaps finished) before: that is success
        self.started.add(action.workflow_id)
        log.info("started %s", action.workflow_id)

    async def run_forever(
        self,
        stop: threading.Event,
        sleep: Callable[[float], Awaitable[None]],
        poll_interval: float = 0.2,
    ) -> None:
        backoff = poll_interval
        while not stop.is_set():
            try:
                count = await self.run_once()
            except Exception as error:  # Temporal or the database is away: retry
                log.warning("dispatch failed (%s); retrying in %.1fs", error, backoff)
                await sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = poll_interval
            if not count:
                await sleep(poll_interval)
