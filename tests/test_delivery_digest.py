"""The daily digest (issue 13): a member who chose it gets the day's notices in one
message shortly after midnight, recorded once on each notice; everyone else keeps their
own messages. A notice that reaches the dispatcher after its day's digest went out is in
the next day's digest, and so is a re-notification. Every expectation (addresses,
Message-IDs, subjects) is written out by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from api.contacts import ContactStore
from domain import commands as c
from domain.application import ChiboApplication
from domain.notices import Escalation, Reminder
from projections.projector import Projector
from projections.registry import all_projections
from projections.store import ReadStore
from tests.factories import cmd, seed_ward
from tests.test_delivery_mail import Inbox, Received, free_port, mid, until
from workers.settings import Settings
from workers.wiring import make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities, MailConfig
from workflows.dispatcher import Dispatcher
from workflows.models import DigestInput, DigestResult

OVERDUE = "Nghị quyết quá hạn chưa hoàn thành"
APPROACHING = "Sắp đến hạn thực hiện nghị quyết"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def set_contacts(settings: Settings) -> None:
    """m11 chose the digest; m10 and m12 want each notice as it comes."""
    store = make_read_store(settings)
    try:
        book = ContactStore(store)
        book.set("tb", "m10", "m10@example.org", digest=False, by="m10")
        book.set("tb", "m11", "m11@example.org", digest=True, by="m11")
        book.set("tb", "m12", "m12@example.org", digest=False, by="m12")
    finally:
        store.close()


def remind(app: ChiboApplication, on: date, resolution: str, recipients: list[str]) -> str:
    """A deadline reminder of `resolution`, dated `on`; its key, written by hand."""
    app.handle(
        cmd(
            c.SendReminder,
            on,
            organisation="tb",
            kind="resolution_deadline_approaching",
            rule="R24",
            subject={"cell": "c1", "resolution": resolution},
            recipients=recipients,
        )
    )
    return f"resolution_deadline_approaching/cell=c1/resolution={resolution}/{on.isoformat()}"


def overdue(app: ChiboApplication, on: date, resolution: str, recipients: list[str]) -> str:
    """Level 1 of an overdue `resolution`, raised `on`; its key, written by hand."""
    app.handle(
        cmd(
            c.RaiseEscalation,
            on,
            organisation="tb",
            kind="resolution_overdue",
            rule="R24",
            subject={"cell": "c1", "resolution": resolution},
            level=1,
            recipients=recipients,
            evidence=[f"resolution:{resolution}"],
        )
    )
    return f"resolution_overdue/cell=c1/resolution={resolution}/-/1"


def digest_id(member: str, day: date) -> str:
    return mid(f"digest|tb|{member}|{day.isoformat()}")


def to(inbox: Inbox, address: str) -> list[Received]:
    with inbox.lock:
        return [r for r in inbox.received if r.rcpt == [address]]


def text_of(received: Received) -> str:
    body = received.message.get_body(("plain",))
    assert body is not None
    content: str = body.get_content()
    return content


def recorded(app: ChiboApplication, notice: str, key: str) -> list[tuple[str, str, int]]:
    cls: Any = Escalation if notice == "escalation" else Reminder
    record: Any = app.repository.get(cls.id_for(key))
    return sorted((d.recipient, d.message_id, d.round) for d in record.deliveries)


pytestmark = pytest.mark.temporal


async def test_a_day_of_notices_arrives_as_one_digest_after_midnight(
    temporal_skipping: WorkflowEnvironment, settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    env, (inbox, port) = temporal_skipping, smtp
    app = make_app(settings)
    store = make_read_store(settings)
    projector_store = make_read_store(settings)
    mail = MailConfig(f"smtp://127.0.0.1:{port}", "chibo <chibo@localhost>", "http://chibo.test")
    activities = ChiboActivities(
        app, lambda: make_read_store(settings), mail=mail, contacts=ContactStore
    )
    day = (await env.get_current_time()).date()
    seed_ward(app, day)
    set_contacts(settings)
    tag = uuid.uuid4().hex[:6]
    res_a, res_b, res_c = f"nq-a-{tag}", f"nq-b-{tag}", f"nq-c-{tag}"
    # Day D: m11 (inspector of both) is reminded of A and escalated B, with m12 and m10.
    reminder_a = remind(app, day, res_a, ["m11", "m12"])
    escalation_b = overdue(app, day, res_b, ["m10", "m11"])
    dispatcher = Dispatcher(app, store, env.client, settings.task_queue)
    digests = [f"digest-tb-{(day + timedelta(days=n)).isoformat()}" for n in range(3)]

    async def dispatch() -> None:
        while await dispatcher.run_once():
            pass

    async def skip_to(on: date, hour: int, minute: int) -> None:
        now = await env.get_current_time()
        target = datetime(on.year, on.month, on.day, hour, minute, tzinfo=UTC)
        assert target > now
        await env.sleep(target - now)

    async def waiting(workflow_id: str) -> bool:
        """Whether the digest `workflow_id` has been started and waits for its hour."""
        with contextlib.suppress(RPCError):
            description = await env.client.get_workflow_handle(workflow_id).describe()
            return description.status == WorkflowExecutionStatus.RUNNING
        return False

    async def digest_waits(workflow_id: str) -> None:
        """Polls (bounded) until the delivery workflows have started `workflow_id`. Never
        awaits a result here: that would let the test server skip past the digest's hour."""
        deadline = time.monotonic() + 60
        while not await waiting(workflow_id):
            assert time.monotonic() < deadline, f"{workflow_id} was never started"
            await dispatch()
            await asyncio.sleep(0.05)

    def ids() -> set[str]:
        return set(inbox.ids())

    try:
        with Projector(app, projector_store, all_projections()).running():
            async with build_worker(env.client, settings.task_queue, activities):
                await dispatch()
                await digest_waits(digests[0])
                immediate = {
                    mid(f"{reminder_a}|0|m12"): "m12@example.org",
                    mid(f"{escalation_b}|0|m10"): "m10@example.org",
                }
                await until(lambda: set(immediate) <= ids(), "the immediate messages")
                assert {r.message_id: r.rcpt for r in inbox.received} == {
                    m: [a] for m, a in immediate.items()
                }

                # 00:04 the next day: the digest still waits.
                await skip_to(day + timedelta(days=1), 0, 4)
                digest_d = env.client.get_workflow_handle(digests[0], result_type=DigestResult)
                assert (await digest_d.describe()).status == WorkflowExecutionStatus.RUNNING
                assert to(inbox, "m11@example.org") == []
                # Past 00:05: one message to m11 with both notices.
                await skip_to(day + timedelta(days=1), 0, 6)
                assert await digest_d.result() == DigestResult(sent=["m11"])
                first = to(inbox, "m11@example.org")
                assert [r.message_id for r in first] == [digest_id("m11", day)]
                message = first[0].message
                assert message["Subject"] == (
                    f"[chibo] Thông báo trong ngày {day.isoformat()} (2 việc): "
                    f"{OVERDUE}; {APPROACHING}"
                )
                text = text_of(first[0])
                assert f"1. Cảnh báo: {OVERDUE} — chi bộ c1" in text
                assert f"2. Nhắc việc: {APPROACHING} — chi bộ c1" in text
                assert f"Nghị quyết: {res_a}" in text and f"Nghị quyết: {res_b}" in text
                assert f"http://chibo.test/escalations/{escalation_b}" in text

                # Day D+1: a reminder dated D reaches the dispatcher only now, after D's
                # digest went out: it is in D+1's digest, alone.
                reminder_c = remind(app, day, res_c, ["m11"])
                await dispatch()
                await digest_waits(digests[1])
                await skip_to(day + timedelta(days=2), 0, 6)
                late = env.client.get_workflow_handle(digests[1], result_type=DigestResult)
                assert await late.result() == DigestResult(sent=["m11"])
                second = to(inbox, "m11@example.org")[1:]
                assert [r.message_id for r in second] == [digest_id("m11", day + timedelta(1))]
                assert second[0].message["Subject"] == (
                    f"[chibo] Thông báo trong ngày {(day + timedelta(1)).isoformat()}"
                    f" (1 việc): {APPROACHING}"
                )
                text = text_of(second[0])
                assert f"Nghị quyết: {res_c}" in text
                assert res_a not in text and res_b not in text

                # Day D+2: B is notified again; m10 at once (round 1), m11 in the digest.
                app.handle(
                    cmd(
                        c.NotifyEscalation,
                        day + timedelta(days=2),
                        escalation=escalation_b,
                        recipients=["m10", "m11"],
                        channel="email",
                    )
                )
                await dispatch()
                await digest_waits(digests[2])
                await until(lambda: mid(f"{escalation_b}|1|m10") in ids(), "the re-notification")
                await skip_to(day + timedelta(days=3), 0, 6)
                renotified = env.client.get_workflow_handle(digests[2], result_type=DigestResult)
                assert await renotified.result() == DigestResult(sent=["m11"])
                third = to(inbox, "m11@example.org")[2:]
                assert [r.message_id for r in third] == [digest_id("m11", day + timedelta(2))]
                text = text_of(third[0])
                assert f"1. Cảnh báo (nhắc lại lần 1): {OVERDUE} — chi bộ c1" in text
                assert f"Nghị quyết: {res_b}" in text
                assert res_a not in text and res_c not in text
                # Every delivery workflow has ended (the digests' starters with them).
                for workflow_id in dispatcher.started:
                    if workflow_id.startswith("delivery-"):
                        await env.client.get_workflow_handle(workflow_id).result()
    finally:
        # End whatever still runs, or the shared time-skipping server would wait on it.
        for workflow_id in [*dispatcher.started, *digests]:
            with contextlib.suppress(RPCError):
                await env.client.get_workflow_handle(workflow_id).terminate("test over")
        activities.close()
        projector_store.close()

    try:
        received = inbox.ids()
        assert len(received) == len(set(received)) == 6, "each message arrives once"
        assert to(inbox, "m12@example.org")[0].message_id == mid(f"{reminder_a}|0|m12")
        # Each notice records each message once, under the id its recipient received.
        assert recorded(app, "reminder", reminder_a) == [
            ("m11", digest_id("m11", day), 0),
            ("m12", mid(f"{reminder_a}|0|m12"), 0),
        ]
        assert recorded(app, "escalation", escalation_b) == sorted(
            [
                ("m10", mid(f"{escalation_b}|0|m10"), 0),
                ("m10", mid(f"{escalation_b}|1|m10"), 1),
                ("m11", digest_id("m11", day), 0),
                ("m11", digest_id("m11", day + timedelta(2)), 1),
            ]
        )
        assert recorded(app, "reminder", reminder_c) == [
            ("m11", digest_id("m11", day + timedelta(1)), 0)
        ]
        # A digest is recorded as delivered the day it went out.
        record: Reminder = app.repository.get(Reminder.id_for(reminder_c))
        assert [d.delivered_on for d in record.deliveries] == [day + timedelta(days=2)]
    finally:
        store.close()
        app.close()


@pytest.fixture
def digest_side(
    ward: tuple[ChiboApplication, ReadStore], settings: Settings, smtp: tuple[Inbox, int]
) -> Iterator[tuple[ChiboApplication, ReadStore, ChiboActivities, Inbox]]:
    app, store = ward
    inbox, port = smtp
    set_contacts(settings)
    mail = MailConfig(f"smtp://127.0.0.1:{port}", "chibo <chibo@localhost>", "http://chibo.test")
    activities = ChiboActivities(
        app, lambda: make_read_store(settings), mail=mail, contacts=ContactStore
    )
    try:
        yield app, store, activities, inbox
    finally:
        activities.close()


def run_digest(
    app: ChiboApplication, store: ReadStore, activities: ChiboActivities, day: date
) -> DigestResult:
    """One attempt of the digest activity, once the read models hold everything."""
    Projector(app, store, all_projections()).run_until_caught_up()
    result: DigestResult = ActivityEnvironment().run(
        activities.deliver_digests, DigestInput(organisation="tb", day=day)
    )
    return result


def test_a_retried_digest_sends_nothing_twice(
    digest_side: tuple[ChiboApplication, ReadStore, ChiboActivities, Inbox],
) -> None:
    app, store, activities, inbox = digest_side
    day = date(2026, 3, 10)
    reminder = remind(app, day, "nq1", ["m11", "m12"])
    escalation = overdue(app, day, "nq2", ["m10", "m11"])
    assert run_digest(app, store, activities, day) == DigestResult(sent=["m11"])
    assert run_digest(app, store, activities, day) == DigestResult(sent=[])
    assert inbox.ids() == [digest_id("m11", day)]
    assert recorded(app, "reminder", reminder) == [("m11", digest_id("m11", day), 0)]
    assert recorded(app, "escalation", escalation) == [("m11", digest_id("m11", day), 0)]


def test_a_digest_attempt_that_died_after_sending_is_completed_not_resent(
    digest_side: tuple[ChiboApplication, ReadStore, ChiboActivities, Inbox],
) -> None:
    app, store, activities, inbox = digest_side
    day = date(2026, 3, 10)
    reminder = remind(app, day, "nq1", ["m11"])
    escalation = overdue(app, day, "nq2", ["m11"])
    # The first attempt sent the digest and recorded it on the escalation, then died.
    app.handle(
        cmd(
            c.RecordDelivery,
            day + timedelta(days=1),
            notice="escalation",
            key=escalation,
            channel="email",
            recipient="m11",
            message_id=digest_id("m11", day),
        )
    )
    assert run_digest(app, store, activities, day) == DigestResult(sent=[])
    assert inbox.ids() == []
    assert recorded(app, "reminder", reminder) == [("m11", digest_id("m11", day), 0)]
