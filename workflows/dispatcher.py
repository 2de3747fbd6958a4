"""The dispatcher: stored events start and steer workflows, never a write to two places.

It follows the global log with its own position. Each event maps (by the table
`REACTIONS`) to Temporal calls whose workflow ids derive from record ids, so
repeating a call is harmless: delivery is at least once, effects exactly once. The
position advances only after the calls succeeded; while Temporal is down it retries
with backoff and never skips an event.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, Literal
from uuid import UUID

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from audit.moves import history
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.meeting import Meeting
from domain.notices import Escalation, Reminder
from domain.organisation import Organisation
from domain.policy import Policy
from domain.resolution import Resolution
from projections.store import ReadStore
from projections.tracking import get_position, set_position
from workflows.calendar import OrganisationCalendar, calendar_workflow_id
from workflows.delivery import NoticeDelivery, delivery_workflow_id
from workflows.escalation import EscalationFollowUp, escalation_workflow_id
from workflows.followup import ResolutionFollowUp, followup_workflow_id
from workflows.models import (
    CalendarInput,
    Change,
    ChangeKind,
    Check,
    Clock,
    DeliveryInput,
    EscalationChange,
    EscalationInput,
    FollowUpInfo,
    FollowUpInput,
    MeetingCheck,
    MemberCheck,
    WebhookInput,
)
from workflows.webhook import WebhookDelivery, webhook_workflow_id

log = logging.getLogger("chibo.dispatcher")

TRACKING_NAME = "dispatcher"
CACHED_FACTS = 100_000
"""Records whose key and organisation the dispatcher keeps (about 10 MB at most)."""

WorkflowRun = Callable[[Any, Any], Awaitable[Any]]
"""A workflow's `@workflow.run` method, e.g. `ResolutionFollowUp.run`."""
WorkflowSignal = Callable[[Any, Any], None]
"""A workflow's `@workflow.signal` method, e.g. `ResolutionFollowUp.changed`."""


@dataclass(frozen=True)
class StartWorkflow:
    run: WorkflowRun
    workflow_id: str
    arg: Any


@dataclass(frozen=True)
class Signal:
    workflow_id: str
    signal: WorkflowSignal
    arg: Any


Action = StartWorkflow | Signal

CONCURRENT_WORKFLOWS = 16
"""How many workflows a batch's starts and signals reach at once."""


@dataclass(frozen=True)
class Context:
    """What a reaction reads besides its event: the clock workflows run on, a record's
    user-facing id (`key_of`, workflow ids use those), the organisation a cell's
    record belongs to (`org_of`) and a record as it stood at a version (`record_at`)."""

    clock: Clock
    key_of: Callable[[UUID], str]
    org_of: Callable[[UUID], str]
    record_at: Callable[[UUID, int], Any] | None = None
    policy_on: Callable[[str, date], Policy] | None = None
    """An organisation's policy in force on a day."""

    def followup_info(self, event: Any) -> FollowUpInfo | None:
        """The follow-up's plan inputs from the record as `event` left it (None when
        this context cannot read records: the workflow then reads them itself)."""
        if self.record_at is None or self.policy_on is None:
            return None
        res: Resolution = self.record_at(event.originator_id, event.originator_version)
        return FollowUpInfo.of(res, partial(self.policy_on, self.org_of(event.originator_id)))


@dataclass(frozen=True)
class Starts:
    """The event starts the workflow whose run is `run`; `given` derives its id and
    input from the event (one id per record: starting it again is harmless)."""

    run: WorkflowRun
    given: Callable[[Any, Context], tuple[str, Any]]

    def actions(self, event: Any, ctx: Context) -> list[Action]:
        return [StartWorkflow(self.run, *self.given(event, ctx))]

    def describe(self) -> str:
        return f"start {self.run.__qualname__.split('.')[0]}"


@dataclass(frozen=True)
class Signals:
    """The event sends `signal` to a running workflow; `given` derives the workflow id
    and the signal's argument from the event."""

    signal: WorkflowSignal
    given: Callable[[Any, Context], tuple[str, Any]]

    def actions(self, event: Any, ctx: Context) -> list[Action]:
        workflow_id, arg = self.given(event, ctx)
        return [Signal(workflow_id, self.signal, arg)]

    def describe(self) -> str:
        return f"signal {self.signal.__qualname__}"


@dataclass(frozen=True)
class Each:
    """The event asks several things, in this order (each harmless to repeat)."""

    reactions: tuple[Starts | Signals, ...]

    def actions(self, event: Any, ctx: Context) -> list[Action]:
        return [a for reaction in self.reactions for a in reaction.actions(event, ctx)]

    def describe(self) -> str:
        return "; ".join(reaction.describe() for reaction in self.reactions)


Reaction = Starts | Signals | Each


def _calendar(event: Organisation.Registered, ctx: Context) -> tuple[str, CalendarInput]:
    day = event.occurred_on
    inp = CalendarInput(organisation=event.key, year=day.year, since=day, clock=ctx.clock)
    return calendar_workflow_id(event.key), inp


def _meeting_held(
    event: Meeting.Held | Meeting.HeldAsAnnounced, ctx: Context
) -> tuple[str, list[Check]]:
    """R11, R13–R15: the meeting's checks, on the day it was held."""
    check = Check.of(MeetingCheck("meeting", ctx.key_of(event.originator_id)), event.occurred_on)
    return calendar_workflow_id(ctx.org_of(event.originator_id)), [check]


def _transferred_in(event: Cell.MemberTransferredIn, ctx: Context) -> tuple[str, list[Check]]:
    """R31: the new member's check, counted from the day they came."""
    cell, day = ctx.key_of(event.originator_id), event.occurred_on
    check = Check.of(MemberCheck("transfer", cell, event.member, day), day)
    return calendar_workflow_id(ctx.org_of(event.originator_id)), [check]


def _followup(event: Resolution.Adopted, ctx: Context) -> tuple[str, FollowUpInput]:
    """The record as adopted goes with the start: planning needs no activity."""
    inp = FollowUpInput(resolution=event.key, clock=ctx.clock, info=ctx.followup_info(event))
    return followup_workflow_id(event.key), inp


def _changed(kind: ChangeKind) -> Callable[[Any, Context], tuple[str, Change]]:
    """What changed, with the record as the change left it (the signals reach the
    workflow in the log's order, so the last one holds the record as it stands)."""

    def given(event: Any, ctx: Context) -> tuple[str, Change]:
        key = ctx.key_of(event.originator_id)
        change = Change(kind=kind, on=event.occurred_on, info=ctx.followup_info(event))
        return followup_workflow_id(key), change

    return given


def _deliver_sent(
    event: Reminder.Sent | Escalation.Raised, ctx: Context
) -> tuple[str, DeliveryInput]:
    """A notice's first notification (round 0) to the recipients it was raised for."""
    notice = "reminder" if isinstance(event, Reminder.Sent) else "escalation"
    inp = DeliveryInput(
        notice=notice,
        key=event.key,
        organisation=event.organisation,
        round=0,
        recipients=event.recipients,
        on=event.occurred_on,
        clock=ctx.clock,
    )
    return delivery_workflow_id(notice, event.key, 0), inp


def _deliver_notified(event: Escalation.Notified, ctx: Context) -> tuple[str, DeliveryInput]:
    """A re-notification: round n is the escalation's n-th `Notified` event."""
    if ctx.record_at is None:
        raise ValueError("delivering a re-notification needs the record (Context.record_at)")
    esc: Escalation = ctx.record_at(event.originator_id, event.originator_version)
    round_ = len(esc.notices)
    inp = DeliveryInput(
        notice="escalation",
        key=esc.key,
        organisation=esc.organisation,
        round=round_,
        recipients=event.recipients,
        on=event.occurred_on,
        clock=ctx.clock,
    )
    return delivery_workflow_id("escalation", esc.key, round_), inp


def _escalation(event: Escalation.Raised, ctx: Context) -> tuple[str, EscalationInput]:
    return escalation_workflow_id(event.key), EscalationInput(escalation=event.key, clock=ctx.clock)


def _escalation_changed(
    kind: Literal["acknowledged", "resolved"],
) -> Callable[[Any, Context], tuple[str, EscalationChange]]:
    def given(event: Any, ctx: Context) -> tuple[str, EscalationChange]:
        key = ctx.key_of(event.originator_id)
        return escalation_workflow_id(key), EscalationChange(kind=kind, on=event.occurred_on)

    return given


def _webhook(
    notice: Literal["escalation", "reminder"],
) -> Callable[[Any, Context], tuple[str, WebhookInput]]:
    """One delivery per notice event (raised or sent: round 0; sent again: round n)."""

    def given(event: Any, ctx: Context) -> tuple[str, WebhookInput]:
        key = ctx.key_of(event.originator_id)
        inp = WebhookInput(notice=notice, key=key, version=event.originator_version)
        return webhook_workflow_id(inp), inp

    return given


RULE_REACTIONS: dict[type[Any], Reaction] = {
    Organisation.Registered: Starts(OrganisationCalendar.run, _calendar),
    Meeting.Held: Signals(OrganisationCalendar.schedule, _meeting_held),
    Meeting.HeldAsAnnounced: Signals(OrganisationCalendar.schedule, _meeting_held),
    Cell.MemberTransferredIn: Signals(OrganisationCalendar.schedule, _transferred_in),
    Resolution.Adopted: Starts(ResolutionFollowUp.run, _followup),
    Resolution.ProgressReported: Signals(ResolutionFollowUp.changed, _changed("progress")),
    Resolution.Completed: Signals(ResolutionFollowUp.changed, _changed("completed")),
    Resolution.DeadlineExtended: Signals(ResolutionFollowUp.changed, _changed("extended")),
    Resolution.Cancelled: Signals(ResolutionFollowUp.changed, _changed("cancelled")),
}
"""What the rules ask: checks and the follow-up of resolutions (SCENARIOS.md's results)."""

NOTICE_REACTIONS: dict[type[Any], Reaction] = {
    Escalation.Raised: Each(
        (
            Starts(NoticeDelivery.run, _deliver_sent),
            Starts(EscalationFollowUp.run, _escalation),
            Starts(WebhookDelivery.run, _webhook("escalation")),
        )
    ),
    Escalation.Notified: Each(
        (
            Starts(NoticeDelivery.run, _deliver_notified),
            Starts(WebhookDelivery.run, _webhook("escalation")),
        )
    ),
    Reminder.Sent: Each(
        (
            Starts(NoticeDelivery.run, _deliver_sent),
            Starts(WebhookDelivery.run, _webhook("reminder")),
        )
    ),
    Escalation.Acknowledged: Signals(
        EscalationFollowUp.changed, _escalation_changed("acknowledged")
    ),
    Escalation.Resolved: Signals(EscalationFollowUp.changed, _escalation_changed("resolved")),
}
"""What reaching people asks (issue 13): escalations that follow up, deliveries."""

REACTIONS: dict[type[Any], Reaction] = RULE_REACTIONS | NOTICE_REACTIONS
"""The behaviour map: what each stored event asks of Temporal (by its exact class:
event classes are never subclassed). Every other event asks nothing."""

HISTORY_REACTIONS: dict[type[Any], Reaction] = RULE_REACTIONS | {
    Escalation.Raised: Starts(EscalationFollowUp.run, _escalation),
    Escalation.Acknowledged: NOTICE_REACTIONS[Escalation.Acknowledged],
    Escalation.Resolved: NOTICE_REACTIONS[Escalation.Resolved],
}
"""What history copied from another partition asks (`audit/moves.py`): the duties it
steers go on here, but its notices and webhooks went out from the source already and
are not sent twice."""


def actions_for(
    event: Any,
    clock: Clock,
    key_of: Callable[[UUID], str],
    org_of: Callable[[UUID], str],
    record_at: Callable[[UUID, int], Any] | None = None,
    reactions: Mapping[type[Any], Reaction] = REACTIONS,
    policy_on: Callable[[str, date], Policy] | None = None,
) -> list[Action]:
    """What `event` asks of Temporal, by `reactions` (the whole map unless told)."""
    reaction = reactions.get(type(event))
    if reaction is None:
        return []
    return reaction.actions(event, Context(clock, key_of, org_of, record_at, policy_on))


class Dispatcher:
    def __init__(
        self,
        app: ChiboApplication,
        store: ReadStore,
        client: Client,
        task_queue: str,
        batch_size: int = 100,
        clock: Clock | None = None,
        reactions: Mapping[type[Any], Reaction] = REACTIONS,
    ) -> None:
        """`reactions`: the whole map, or `RULE_REACTIONS` where only what the rules
        raise is asked for (the simulator: SCENARIOS.md's results, nobody to reach)."""
        self.app = app
        self.reactions = reactions
        self.store = store
        self.client = client
        self.task_queue = task_queue
        self.batch_size = batch_size
        self.clock = clock or Clock()
        self.started: set[str] = set()
        self.signals_sent: dict[str, int] = {}
        """What this dispatcher asked of Temporal (a driver waits for workflows on it)."""
        self._known: dict[UUID, tuple[str, str | None]] = {}
        """Each record's key and its cell's organisation, once read (`_facts`)."""

    def key_of(self, originator_id: UUID) -> str:
        return self._facts(originator_id)[0]

    def record_at(self, originator_id: UUID, version: int) -> Any:
        return self.app.repository.get(originator_id, version=version)

    def org_of(self, originator_id: UUID) -> str:
        org = self._facts(originator_id)[1]
        if org is None:
            raise TypeError(f"record {originator_id} belongs to no cell")
        return org

    def _facts(self, originator_id: UUID) -> tuple[str, str | None]:
        """A record's key and its cell's organisation (None: not a cell's record). They
        never change: rebuilding the record on every event for them was most of the
        dispatcher's time, so they are kept (bounded)."""
        found = self._known.get(originator_id)
        if found is not None:
            return found
        record: Any = self.app.repository.get(originator_id)
        org: str | None = None
        if isinstance(record, Cell):
            org = record.organisation
        elif isinstance(getattr(record, "cell", None), str):
            cell_id = Cell.id_for(record.cell)
            org = self._known[cell_id][1] if cell_id in self._known else None
            if org is None:
                cell: Cell = self.app.repository.get(cell_id)
                self._remember(cell_id, (cell.key, cell.organisation))
                org = cell.organisation
        return self._remember(originator_id, (record.key, org))

    def _remember(
        self, originator_id: UUID, facts: tuple[str, str | None]
    ) -> tuple[str, str | None]:
        if len(self._known) >= CACHED_FACTS:
            self._known.clear()
        self._known[originator_id] = facts
        return facts

    def position(self) -> int:
        with self.store.transaction() as cur:
            return get_position(cur, TRACKING_NAME)

    async def run_once(self) -> int:
        """Delivers the next batch; returns how many events it held (0: caught up)."""
        with self.store.reading() as cur:
            position = get_position(cur, TRACKING_NAME)
            moved = history(cur, self.store.backend)
        limit = self.batch_size
        if moved.hold_after is not None:
            # An organisation's history is being copied in: its range is not known yet.
            limit = min(limit, moved.hold_after - position)
            if limit <= 0:
                return 0
        notifications = self.app.recorder.select_notifications(start=position + 1, limit=limit)
        by_workflow: dict[str, list[Action]] = {}
        for notification in notifications:
            event = self.app.mapper.to_domain_event(notification)
            reactions = self.reactions
            if moved.ranges and moved.copied(notification.id):
                reactions = {t: r for t, r in HISTORY_REACTIONS.items() if t in reactions}
            actions = actions_for(
                event,
                self.clock,
                self.key_of,
                self.org_of,
                self.record_at,
                reactions,
                self.app.policy_on,
            )
            for action in actions:
                by_workflow.setdefault(action.workflow_id, []).append(action)
        await self._execute_all(by_workflow)
        if notifications:
            # After the whole batch: a crash re-delivers it, and every effect is idempotent
            # (starts by workflow id; a repeated "changed" signal only makes it re-read).
            with self.store.transaction() as cur:
                set_position(cur, TRACKING_NAME, notifications[-1].id)
        return len(notifications)

    async def _execute_all(self, by_workflow: dict[str, list[Action]]) -> None:
        """Each workflow's actions in the order they were raised; different workflows'
        side by side (at most `CONCURRENT_WORKFLOWS` at once), so their round trips to the
        server overlap instead of adding up. Every action is tried; then the first failure
        is raised (the batch is delivered again, and every effect is idempotent)."""
        if not by_workflow:
            return
        gate = asyncio.Semaphore(CONCURRENT_WORKFLOWS)

        async def in_order(actions: list[Action]) -> None:
            async with gate:
                for action in actions:
                    await self.execute(action)

        outcomes = await asyncio.gather(
            *(in_order(actions) for actions in by_workflow.values()), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

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
                action.run,
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
