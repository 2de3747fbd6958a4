"""Resolution follow-up (R24, R25) on the time-skipping server: reminders before the
deadline, the overdue chain after it, restarted by an extension, ended by completion,
and a policy adopted meanwhile followed from the next step."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from domain import commands as c
from domain.application import ChiboApplication
from domain.notices import Escalation, Reminder, escalation_key, reminder_key
from projections.backends import open_read_store
from projections.projector import Projector
from projections.registry import all_projections
from tests.factories import cmd, draft, hold, seed_ward
from tests.temporal_support import advance_to, scheduled_activities, stop_all
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities
from workflows.dispatcher import Dispatcher
from workflows.followup import ResolutionFollowUp, followup_workflow_id
from workflows.models import Change, FollowUpState

pytestmark = pytest.mark.temporal


def _exists(app, cls, key: str) -> bool:
    try:
        app.repository.get(cls.id_for(key))
    except Exception:
        return False
    return True


@dataclass
class Followed:
    """A resolution of ward tb adopted today, its deadline in 20 days, its follow-up
    started by the dispatcher; a worker and the projector running."""

    app: ChiboApplication
    dispatcher: Dispatcher
    start: datetime
    key: str
    deadline: date


@asynccontextmanager
async def followed(env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Followed]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'chibo.db'}", task_queue=f"t-{uuid.uuid4().hex[:8]}"
    )
    init_db(settings)
    app = make_app(settings)
    store = open_read_store(settings.database_url)
    # Business dates here are the server's own clock: production runs at offset 0.
    start = await env.get_current_time()
    key = f"nq-{uuid.uuid4().hex[:6]}"
    seed_ward(app, start.date())
    hold(app, "m-1", on=start.date())
    deadline = start.date() + timedelta(days=20)
    app.handle(
        cmd(
            c.AdoptResolution, start.date(), meeting="m-1", resolution=draft(key, deadline=deadline)
        )
    )
    dispatcher = Dispatcher(app, store, env.client, settings.task_queue)
    projector_store = open_read_store(settings.database_url)
    projector = Projector(app, projector_store, all_projections())  # the calendar reads it
    try:
        with projector.running():
            async with build_worker(
                env.client,
                settings.task_queue,
                ChiboActivities(app, lambda: make_read_store(settings)),
            ):
                await dispatcher.run_once()
                try:
                    yield Followed(app, dispatcher, start, key, deadline)
                finally:
                    await stop_all(env, dispatcher.started)
    finally:
        projector_store.close()
        store.close()
        app.close()


async def test_reminders_overdue_chain_extension_and_completion(
    temporal_skipping: WorkflowEnvironment, tmp_path: Path
) -> None:
    env = temporal_skipping
    async with followed(env, tmp_path) as f:
        app, client, dispatcher, key, deadline = f.app, env.client, f.dispatcher, f.key, f.deadline
        handle = client.get_workflow_handle(followup_workflow_id(key))
        subject = {"cell": "c1", "resolution": key}
        # Each deadline's overdue chain is its own escalation (extensions restart it).
        overdue = {**subject, "deadline": deadline.isoformat()}

        await env.sleep(timedelta(days=19, hours=12))  # past both reminders
        for days in (7, 1):
            reminder: Reminder = app.repository.get(
                Reminder.id_for(
                    reminder_key(
                        "resolution_deadline_approaching",
                        subject,
                        deadline - timedelta(days=days),
                    )
                )
            )
            assert reminder.recipients == ["m11", "m12"]  # executors and inspector
        assert not _exists(app, Escalation, escalation_key("resolution_overdue", overdue, None, 1))

        await env.sleep(timedelta(days=2))  # deadline + 1: level 1
        level1: Escalation = app.repository.get(
            Escalation.id_for(escalation_key("resolution_overdue", overdue, None, 1))
        )
        assert level1.raised_on == deadline + timedelta(days=1)
        assert level1.recipients == ["m10", "m11"]  # cell secretary and inspector

        # An extension decided at a meeting of the cell starts the chain again (R25).
        today = (await env.get_current_time()).date()
        hold(app, "m-2", on=today)
        new_deadline = today + timedelta(days=10)
        app.handle(
            cmd(
                c.ExtendDeadline,
                today,
                resolution=key,
                new_deadline=new_deadline,
                meeting="m-2",
            )
        )
        await dispatcher.run_once()
        await env.sleep(timedelta(days=4))  # past new deadline − 7
        state: FollowUpState = await handle.query(ResolutionFollowUp.state)
        assert state.deadline == new_deadline
        assert _exists(
            app,
            Reminder,
            reminder_key(
                "resolution_deadline_approaching", subject, new_deadline - timedelta(days=7)
            ),
        )
        # Level 2 of the old deadline (deadline + 15) never comes.
        assert not _exists(app, Escalation, escalation_key("resolution_overdue", overdue, None, 2))

        done_on = (await env.get_current_time()).date()
        app.handle(cmd(c.CompleteResolution, done_on, resolution=key, by="m12"))
        await dispatcher.run_once()
        assert await handle.result() == "completed"
        assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
        # The start and each change carried the record as it stood: the workflow never
        # had to read it in an activity of its own. Its steps: reminders at 7 and 1 day,
        # level 1, the new deadline's reminder at 7 days.
        assert await scheduled_activities(handle) == ["followup_step_then_info"] * 4


def test_plan_skips_reminders_not_after_adoption() -> None:
    from workflows.followup import plan
    from workflows.models import FollowUpInfo

    info = FollowUpInfo(
        resolution="nq",
        cell="c1",
        status="open",
        adopted_on=date(2026, 2, 25),
        deadline=date(2026, 2, 28),
        reminder_days=[7, 1],
        escalation_days=[1, 15, 30],
    )
    steps = [(s.kind, s.on.isoformat(), s.level) for s in plan(info)]
    assert steps == [
        ("reminder", "2026-02-27", 0),
        ("overdue", "2026-03-01", 1),
        ("overdue", "2026-03-15", 2),
        ("overdue", "2026-03-30", 3),
    ]


async def test_a_policy_adopted_after_the_start_reaches_the_plan_at_the_next_step(
    temporal_skipping: WorkflowEnvironment, tmp_path: Path
) -> None:
    """A policy change signals no follow-up: the step's activity reads the record again,
    so reminder days adopted meanwhile plan the steps after it (R24)."""
    env = temporal_skipping
    async with followed(env, tmp_path) as f:  # planned under the defaults: 7 and 1 days
        app, dispatcher, start, deadline = f.app, f.dispatcher, f.start, f.deadline
        day0 = start.date()
        subject = {"cell": "c1", "resolution": f.key}

        def reminded(days: int) -> bool:
            on = deadline - timedelta(days=days)
            return _exists(
                app, Reminder, reminder_key("resolution_deadline_approaching", subject, on)
            )

        await advance_to(env, start + timedelta(days=1))
        app.handle(
            cmd(
                c.AdoptPolicy,
                day0 + timedelta(days=1),
                organisation="tb",
                name="Nhắc thêm",
                effective_from=day0,
                values={"reminder_days": [7, 3, 1]},
            )
        )
        await dispatcher.run_once()  # nothing to signal
        await advance_to(env, start + timedelta(days=13, hours=12))  # past deadline − 7
        assert reminded(7) and not reminded(3)
        await advance_to(env, start + timedelta(days=17, hours=12))  # past deadline − 3
        assert reminded(3)
        reminder: Reminder = app.repository.get(
            Reminder.id_for(
                reminder_key(
                    "resolution_deadline_approaching", subject, deadline - timedelta(days=3)
                )
            )
        )
        assert reminder.sent_on == deadline - timedelta(days=3)


async def test_a_change_signalled_without_the_record_has_it_read(
    temporal_skipping: WorkflowEnvironment, tmp_path: Path
) -> None:
    """A signal that does not carry the record (sent by a dispatcher of before) makes
    the follow-up read it in an activity of its own, and plan from what it read."""
    env = temporal_skipping
    async with followed(env, tmp_path) as f:
        app, start, key = f.app, f.start, f.key
        today = start.date()
        hold(app, "m-2", on=today)
        new_deadline = f.deadline + timedelta(days=10)
        app.handle(
            cmd(c.ExtendDeadline, today, resolution=key, new_deadline=new_deadline, meeting="m-2")
        )
        handle = env.client.get_workflow_handle(followup_workflow_id(key))
        await handle.signal(ResolutionFollowUp.changed, Change(kind="extended", on=today))
        await advance_to(env, start + timedelta(hours=1))  # the server ran what it held
        state: FollowUpState = await handle.query(ResolutionFollowUp.state)
        assert state.deadline == new_deadline
        assert state.next is not None and state.next.deadline == new_deadline
        assert await scheduled_activities(handle) == ["followup_info"]
