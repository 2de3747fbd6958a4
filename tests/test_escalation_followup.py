"""Escalations that follow up (issue 13, item 5) on the time-skipping server, with the
real worker and dispatcher: sent again after `escalation_renotify_days`, raised one
level up after `escalation_raise_days`, stopped by acknowledgement or resolution."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain import commands as c
from domain.application import ChiboApplication
from domain.escalation_ladder import raised_to
from domain.notices import Escalation, Leaders, escalation_key
from tests.factories import cmd, seed_ward
from tests.temporal_support import advance_to, stop_all
from workers.settings import Settings
from workers.wiring import make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities
from workflows.dispatcher import Dispatcher
from workflows.escalation import escalation_workflow_id, plan
from workflows.models import EscalationInfo

pytestmark = pytest.mark.temporal

DEADLINE = 20.0
"""Seconds a poll waits for what the worker is doing (a bound, not an ordering)."""


@dataclass
class Run:
    env: WorkflowEnvironment
    app: ChiboApplication
    dispatcher: Dispatcher
    day0: date
    tag: str

    def raise_(self, recipients: list[str], kind: str = "meeting_missed") -> str:
        """A level-1 escalation raised today; its subject is this test's own (workflow
        ids are shared by every test on the session's server)."""
        subject = {"cell": "c1", "run": self.tag}
        self.app.handle(
            cmd(
                c.RaiseEscalation,
                self.day0,
                actor="chibo",
                organisation="tb",
                kind=kind,
                rule="R1",
                subject=subject,
                period="2026-02",
                level=1,
                recipients=recipients,
                evidence=["e1"],
            )
        )
        return escalation_key(kind, subject, "2026-02", 1)

    def escalation(self, key: str) -> Escalation | None:
        try:
            esc: Escalation = self.app.repository.get(Escalation.id_for(key))
        except Exception:
            return None
        return esc

    def handle(self, key: str) -> WorkflowHandle[Any, Any]:
        return self.env.client.get_workflow_handle(escalation_workflow_id(key))

    async def at(self, days: float) -> None:
        """Moves the server's clock to day0 + `days` (the dispatcher delivers first)."""
        while await self.dispatcher.run_once():
            pass
        midnight = datetime(self.day0.year, self.day0.month, self.day0.day, tzinfo=UTC)
        await advance_to(self.env, midnight + timedelta(days=days))


async def until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {DEADLINE}s: {what}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running(env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Run]:
    app = make_app(settings)
    store = make_read_store(settings)
    activities = ChiboActivities(app, lambda: make_read_store(settings))
    # Business dates are the server's own clock (offset 0), moved on by every test.
    day0 = (await env.get_current_time()).date()
    seed_ward(app, day0)
    dispatcher = Dispatcher(app, store, env.client, settings.task_queue)
    try:
        async with build_worker(env.client, settings.task_queue, activities):
            try:
                yield Run(env, app, dispatcher, day0, uuid.uuid4().hex[:10])
            finally:
                await stop_all(env, dispatcher.started)
    finally:
        activities.close()
        store.close()
        app.close()


def notified_on(esc: Escalation | None) -> list[date]:
    return [n.notified_on for n in esc.notices] if esc else []


async def test_sent_again_at_7_days_raised_at_14_then_stops_at_the_top(
    temporal_skipping: WorkflowEnvironment, settings: Settings
) -> None:
    async with running(temporal_skipping, settings) as run:
        key = run.raise_(["m03"])  # the member in charge of c1
        level2 = key.removesuffix("/1") + "/2"

        await run.at(6.5)
        assert notified_on(run.escalation(key)) == []

        await run.at(7.5)
        await until(lambda: bool(notified_on(run.escalation(key))), "re-notified")
        esc = run.escalation(key)
        assert esc is not None
        assert notified_on(esc) == [run.day0 + timedelta(days=7)]
        assert esc.notices[0].recipients == ["m03"]
        assert run.escalation(level2) is None

        await run.at(14.5)
        await until(lambda: run.escalation(level2) is not None, "raised to level 2")
        up = run.escalation(level2)
        assert up is not None
        assert (up.level, up.recipients, up.raised_on) == (
            2,
            ["m01"],  # the organisation secretary
            run.day0 + timedelta(days=14),
        )
        assert up.details["raised_from"] == key
        assert up.evidence[0] == "e1"
        assert await run.handle(key).result() == "raised"
        assert notified_on(run.escalation(key)) == [run.day0 + timedelta(days=7)]

        # Level 2 is at the top (no body above is recorded): sent again, never raised.
        await run.at(21.5)
        await until(lambda: bool(notified_on(run.escalation(level2))), "level 2 re-notified")
        assert notified_on(run.escalation(level2)) == [run.day0 + timedelta(days=21)]
        assert await run.handle(level2).result() == "followed"
        assert run.escalation(key.removesuffix("/1") + "/3") is None


async def test_acknowledged_at_3_days_is_neither_sent_again_nor_raised(
    temporal_skipping: WorkflowEnvironment, settings: Settings
) -> None:
    async with running(temporal_skipping, settings) as run:
        key = run.raise_(["m03"])
        await run.at(3.5)
        on = run.day0 + timedelta(days=3)
        run.app.handle(
            cmd(c.AcknowledgeEscalation, on, actor="m03", escalation=key, by="m03", note="đã nhận")
        )
        await run.at(3.6)  # delivers the acknowledgement
        assert await run.handle(key).result() == "acknowledged"
        await run.at(20)
        assert notified_on(run.escalation(key)) == []
        assert run.escalation(key.removesuffix("/1") + "/2") is None


async def test_resolution_stops_it(
    temporal_skipping: WorkflowEnvironment, settings: Settings
) -> None:
    async with running(temporal_skipping, settings) as run:
        key = run.raise_(["m03"])
        await run.at(7.5)
        await until(lambda: bool(notified_on(run.escalation(key))), "re-notified")
        on = run.day0 + timedelta(days=8)
        await run.at(8.5)
        run.app.handle(
            cmd(c.ResolveEscalation, on, actor="m03", escalation=key, by="m03", action="đã họp")
        )
        await run.at(8.6)
        assert await run.handle(key).result() == "resolved"
        await run.at(20)
        assert notified_on(run.escalation(key)) == [run.day0 + timedelta(days=7)]
        assert run.escalation(key.removesuffix("/1") + "/2") is None


async def test_policy_in_force_is_followed(
    temporal_skipping: WorkflowEnvironment, settings: Settings
) -> None:
    async with running(temporal_skipping, settings) as run:
        run.app.handle(
            cmd(
                c.AdoptPolicy,
                run.day0,
                organisation="tb",
                name="Nhắc lại nhanh",
                effective_from=run.day0,
                values={"escalation_renotify_days": 2, "escalation_raise_days": 5},
            )
        )
        key = run.raise_(["m03"])
        level2 = key.removesuffix("/1") + "/2"
        await run.at(5.5)
        await until(lambda: run.escalation(level2) is not None, "raised to level 2")
        # Rounds 1 and 2 (days 2 and 4), then raised on day 5.
        assert notified_on(run.escalation(key)) == [
            run.day0 + timedelta(days=2),
            run.day0 + timedelta(days=4),
        ]
        up = run.escalation(level2)
        assert up is not None and up.raised_on == run.day0 + timedelta(days=5)
        assert await run.handle(key).result() == "raised"


def test_plan_rounds_then_raise() -> None:
    info = EscalationInfo(
        escalation="k",
        status="open",
        raised_on=date(2026, 3, 1),
        renotify_days=7,
        raise_days=14,
        climbs=True,
    )
    assert [(s.kind, s.on.isoformat(), s.round) for s in plan(info)] == [
        ("renotify", "2026-03-08", 1),
        ("raise", "2026-03-15", 0),
    ]
    top = info.model_copy(update={"climbs": False, "renotify_days": 3})
    assert [(s.kind, s.on.isoformat(), s.round) for s in plan(top)] == [
        ("renotify", "2026-03-04", 1),
        ("renotify", "2026-03-07", 2),
        ("renotify", "2026-03-10", 3),
        ("renotify", "2026-03-13", 4),
    ]


def test_one_rung_up() -> None:
    leaders = Leaders(organisation_secretary="m01", cell_secretary="m10", in_charge="m03")
    assert raised_to("meeting_missed", ["m03"], leaders) == ["m01"]
    assert raised_to("absent_streak", ["m03", "m10"], leaders) == ["m01"]
    assert raised_to("inspection_overdue", ["m01"], leaders) is None
    assert raised_to("resolution_overdue", ["m03"], leaders) is None
