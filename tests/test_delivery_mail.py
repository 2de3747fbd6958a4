"""Reminders and escalations reach people by e-mail, exactly once (issue 13).

A real SMTP server (aiosmtpd on a free port) started here receives what the real worker
sends; every expectation below (addresses, Message-IDs) is written out by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from api.contacts import ContactStore
from domain import commands as c
from domain.application import ChiboApplication
from domain.notices import Escalation, Reminder
from projections.deliveries import deliveries
from projections.projector import Projector
from projections.registry import all_projections
from tests.factories import cmd, draft, hold, seed_ward
from workers.settings import Settings
from workers.wiring import make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities, MailConfig
from workflows.dispatcher import Dispatcher
from workflows.messages import Envelope as MailEnvelope
from workflows.messages import NoticeView, compose

ROOT = Path(__file__).resolve().parent.parent
ADDRESSES = {m: f"{m}@example.org" for m in ("m01", "m03", "m10", "m11", "m12")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def mid(text: str) -> str:
    """The Message-ID of `key|round|recipient`, computed here, not by the code tested."""
    return f"<{hashlib.sha256(text.encode()).hexdigest()[:32]}@chibo>"


@dataclass
class Received:
    message_id: str
    rcpt: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """The SMTP handler: keeps every message it answered 250 to."""

    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(  # noqa: N802 (aiosmtpd calls the hook by this name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.content
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append(
                Received(str(message["Message-ID"]), list(envelope.rcpt_tos), message)
            )
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def no_follow_up(app: ChiboApplication, on: date) -> None:
    """Escalations are neither sent again nor raised within these tests' months (the
    follow-up has its own tests: tests/test_escalation_followup.py): every message here
    is a first notification, once."""
    app.handle(
        cmd(
            c.AdoptPolicy,
            on,
            organisation="tb",
            name="Không nhắc lại trong thử nghiệm",
            effective_from=on,
            values={"escalation_renotify_days": 365, "escalation_raise_days": 365},
        )
    )


def set_contacts(settings: Settings) -> None:
    store = make_read_store(settings)
    try:
        book = ContactStore(store)
        for member, address in ADDRESSES.items():
            book.set("tb", member, address, digest=False, by=member)
        # m13 is no recipient here; m14 has no address at all: neither gets anything.
        book.set("tb", "m13", "m13@example.org", digest=False, by="m13", kinds=["removal_review"])
    finally:
        store.close()


async def until(condition: Any, what: str, seconds: float = 60.0, step: Any = None) -> None:
    """Polls `condition` (running `step` between polls) until true or the deadline."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        if step is not None:
            await step()
        await asyncio.sleep(0.05)


def expected_messages(key: str, deadline: date) -> dict[str, str]:
    """Message-ID → address, by hand: reminders 7 and 1 days before to the executor
    (m12) and inspector (m11); overdue level 1 to the cell secretary (m10) and the
    inspector, level 2 to the member in charge (m03), level 3 to the secretary (m01)."""
    found: dict[str, str] = {}
    for days in (7, 1):
        on = (deadline - timedelta(days=days)).isoformat()
        reminder = f"resolution_deadline_approaching/cell=c1/resolution={key}/{on}"
        for member in ("m11", "m12"):
            found[mid(f"{reminder}|0|{member}")] = ADDRESSES[member]
    chain = f"resolution_overdue/cell=c1/deadline={deadline.isoformat()}/resolution={key}/-"
    for level, members in ((1, ("m10", "m11")), (2, ("m03",)), (3, ("m01",))):
        for member in members:
            found[mid(f"{chain}/{level}|0|{member}")] = ADDRESSES[member]
    return found


pytestmark = pytest.mark.temporal


async def test_reminders_and_overdue_escalations_arrive_once_each(
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
    day0 = (await env.get_current_time()).date()
    key = f"nq-{uuid.uuid4().hex[:6]}"
    deadline = day0 + timedelta(days=20)
    seed_ward(app, day0)
    no_follow_up(app, day0)
    set_contacts(settings)
    hold(app, "m-1", on=day0)
    app.handle(
        cmd(c.AdoptResolution, day0, meeting="m-1", resolution=draft(key, deadline=deadline))
    )
    dispatcher = Dispatcher(app, store, env.client, settings.task_queue)

    async def dispatch() -> None:
        while await dispatcher.run_once():
            pass

    expected = expected_messages(key, deadline)
    try:
        with Projector(app, projector_store, all_projections()).running():
            async with build_worker(env.client, settings.task_queue, activities):
                await dispatch()
                # Past both reminders, then past each overdue level (deadline + 1, 15, 30).
                for days in (19, 2, 14, 15):
                    await env.sleep(timedelta(days=days, hours=12))
                    await dispatch()
                await until(
                    lambda: set(expected) <= set(inbox.ids()), "every message", step=dispatch
                )
                # Every delivery workflow has ended: nothing more is on its way.
                started = [w for w in dispatcher.started if w.startswith("delivery-")]
                for workflow_id in started:
                    handle = env.client.get_workflow_handle(workflow_id)
                    await handle.result()
                    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    finally:
        # The calendar and the follow-up run on: end them, or the shared time-skipping
        # server would wait on their activities (nobody polls this queue) in later tests.
        for workflow_id in dispatcher.started:
            with contextlib.suppress(RPCError):
                await env.client.get_workflow_handle(workflow_id).terminate("test over")
        activities.close()
        projector_store.close()

    try:
        ids = inbox.ids()
        assert len(ids) == len(set(ids)), "no Message-ID arrives twice"
        by_id = {r.message_id: r for r in inbox.received}
        for message_id, address in expected.items():
            assert by_id[message_id].rcpt == [address]
            assert by_id[message_id].message["To"] == address
        # Nobody without an address, nor m13 (who wants only removal reviews), got any.
        addresses = {a for r in inbox.received for a in r.rcpt}
        assert addresses <= set(ADDRESSES.values())

        # Each delivery is recorded on its notice, once.
        reminder = f"resolution_deadline_approaching/cell=c1/resolution={key}/"
        reminder += (deadline - timedelta(days=7)).isoformat()
        rec: Reminder = app.repository.get(Reminder.id_for(reminder))
        assert sorted((d.recipient, d.message_id, d.round) for d in rec.deliveries) == [
            ("m11", mid(f"{reminder}|0|m11"), 0),
            ("m12", mid(f"{reminder}|0|m12"), 0),
        ]
        level1 = f"resolution_overdue/cell=c1/deadline={deadline.isoformat()}/resolution={key}/-/1"
        esc: Escalation = app.repository.get(Escalation.id_for(level1))
        assert [(d.channel, d.recipient) for d in esc.deliveries] in (
            [("email", "m10"), ("email", "m11")],
            [("email", "m11"), ("email", "m10")],
        )
        # The running projector may have stopped short of the last deliveries: catch up here.
        Projector(app, store, all_projections()).run_until_caught_up()
        shown = deliveries(store, "escalation", level1)
        assert sorted(r.recipient for r in shown) == ["m10", "m11"]
        # Recorded on the day it went out: here the day the test dispatched (deadline + 2).
        assert {r.delivered_on for r in shown} == {deadline + timedelta(days=2)}

        # The level-1 message: Vietnamese, the evidence, and where to act.
        msg = by_id[mid(f"{level1}|0|m10")].message
        assert msg["Subject"] == (
            "[chibo] Cảnh báo: Nghị quyết quá hạn chưa hoàn thành — chi bộ c1"
        )
        body = msg.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert f"Nghị quyết: {key}" in text
        assert f"Hạn: {deadline.isoformat()}" in text
        assert f"http://chibo.test/escalations/{level1}" in text
        html = msg.get_body(("html",))
        assert html is not None and "Xem và xử lý" in html.get_content()
    finally:
        store.close()
        app.close()


def test_record_delivery_is_once_per_message(ward: Any) -> None:
    app, _ = ward
    key = "resolution_deadline_approaching/cell=c1/resolution=nq1/2026-02-21"
    app.handle(
        cmd(
            c.SendReminder,
            date(2026, 2, 21),
            organisation="tb",
            kind="resolution_deadline_approaching",
            rule="R24",
            subject={"cell": "c1", "resolution": "nq1"},
            recipients=["m11", "m12"],
        )
    )
    fields = {"notice": "reminder", "key": key, "channel": "email", "recipient": "m11"}
    first = app.handle(cmd(c.RecordDelivery, date(2026, 2, 21), message_id="<a@chibo>", **fields))
    again = app.handle(cmd(c.RecordDelivery, date(2026, 2, 22), message_id="<a@chibo>", **fields))
    assert (first["recorded"], again["recorded"]) == (True, False)
    rec: Reminder = app.repository.get(Reminder.id_for(key))
    assert [(d.recipient, d.message_id, d.delivered_on) for d in rec.deliveries] == [
        ("m11", "<a@chibo>", date(2026, 2, 21))
    ]


def test_message_names_kind_cell_and_evidence() -> None:
    view = NoticeView(
        notice="reminder",
        key="resolution_deadline_approaching/cell=c1/resolution=nq1/2026-02-21",
        organisation="tb",
        kind="resolution_deadline_approaching",
        rule="R24",
        subject={"cell": "c1", "resolution": "nq1"},
        period=None,
        on=date(2026, 2, 21),
        recipients=["m11", "m12"],
    )
    msg = compose(
        view, "m11", MailEnvelope("chibo <c@x>", "m11@example.org", "<x@chibo>", "http://h/")
    )
    assert msg["Subject"] == "[chibo] Nhắc việc: Sắp đến hạn thực hiện nghị quyết — chi bộ c1"
    assert msg["Message-ID"] == "<x@chibo>"
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Nghị quyết: nq1" in text and "Người nhận: m11, m12" in text
    assert "Xem và xử lý tại: http://h/me" in text


# --- the worker SIGKILLed in the middle of sending ------------------------------------------


@dataclass
class StallingInbox(Inbox):
    """Holds one message inside DATA (before answering 250) until its client is gone,
    then drops it: a careful server takes responsibility only once it has answered."""

    stall: str = ""
    stalled: threading.Event = field(default_factory=threading.Event)
    dropped: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(  # noqa: N802 (aiosmtpd calls the hook by this name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.content
        assert isinstance(raw, bytes)
        message_id = str(email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"])
        if message_id == self.stall and not self.stalled.is_set():
            self.stalled.set()
            try:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    transport = server.transport
                    if transport is None or transport.is_closing():
                        break
                    await asyncio.sleep(0.05)
            finally:
                # Gone (or cancelled by aiosmtpd when the connection was lost): not ours.
                self.dropped.set()
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


def start_worker(settings: Settings, temporal: str, port: int) -> subprocess.Popen[bytes]:
    """`chibo worker` in a process of its own, on the test's database and queue."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CHIBO_DATABASE_URL": settings.database_url,
        "CHIBO_TASK_QUEUE": settings.task_queue,
        "CHIBO_TEMPORAL_ADDRESS": temporal,
        "CHIBO_DATA_DIR": str(settings.data_dir),
        "CHIBO_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "CHIBO_PUBLIC_URL": "http://chibo.test",
    }
    code = "from workers.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_worker_killed_mid_send_loses_and_duplicates_nothing(
    temporal_dev: WorkflowEnvironment, settings: Settings
) -> None:
    env = temporal_dev
    today = date.today()
    app = make_app(settings)
    store = make_read_store(settings)
    seed_ward(app, today - timedelta(days=30))
    no_follow_up(app, today - timedelta(days=30))
    set_contacts(settings)
    subject = {"cell": "c1", "resolution": f"nq-{uuid.uuid4().hex[:6]}"}
    common: dict[str, Any] = {"organisation": "tb", "rule": "R24", "subject": subject}
    app.handle(
        cmd(
            c.SendReminder,
            today,
            kind="resolution_deadline_approaching",
            recipients=["m11", "m12"],
            **common,
        )
    )
    app.handle(
        cmd(
            c.RaiseEscalation,
            today,
            kind="resolution_overdue",
            level=1,
            recipients=["m10", "m11"],
            evidence=["ev"],
            **common,
        )
    )
    reminder = f"resolution_deadline_approaching/cell=c1/resolution={subject['resolution']}"
    reminder += f"/{today.isoformat()}"
    overdue = f"resolution_overdue/cell=c1/resolution={subject['resolution']}/-/1"
    expected = {
        mid(f"{reminder}|0|m11"): ("reminder", reminder, "m11"),
        mid(f"{reminder}|0|m12"): ("reminder", reminder, "m12"),
        mid(f"{overdue}|0|m10"): ("escalation", overdue, "m10"),
        mid(f"{overdue}|0|m11"): ("escalation", overdue, "m11"),
    }
    inbox, port = StallingInbox(stall=mid(f"{reminder}|0|m12")), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    address = env.client.service_client.config.target_host
    dispatcher = Dispatcher(app, store, env.client, settings.task_queue)
    worker = start_worker(settings, address, port)
    try:
        while await dispatcher.run_once():
            pass
        deliveries_started = [w for w in dispatcher.started if w.startswith("delivery-")]
        assert len(deliveries_started) == 2
        await until(inbox.stalled.is_set, "the message to stall", seconds=90)

        def recorded_so_far() -> int:
            found = 0
            for cls, key in ((Reminder, reminder), (Escalation, overdue)):
                record: Any = app.repository.get(cls.id_for(key))
                found += len(record.deliveries)
            return found

        # The other three are sent and recorded: the kill lands on the stalled message
        # alone (a message answered 250 but not yet recorded is docs/failure-model.md's
        # one remaining window, not what this test is about).
        await until(lambda: recorded_so_far() == len(expected) - 1, "the others recorded")
        worker.send_signal(signal.SIGKILL)  # while the message is inside DATA
        worker.wait(timeout=30)
        await until(inbox.dropped.is_set, "the server to drop the orphaned message")
        assert mid(f"{reminder}|0|m12") not in inbox.ids()

        worker = start_worker(settings, address, port)
        # The killed attempt is retried once its timeout (30 s) has passed.
        await until(lambda: set(expected) <= set(inbox.ids()), "every message", seconds=150)
        for workflow_id in deliveries_started:
            await env.client.get_workflow_handle(workflow_id).result()
        ids = inbox.ids()
        assert sorted(ids) == sorted(expected), "each message arrives exactly once"
        by_id = {r.message_id: r for r in inbox.received}
        for message_id, (_, _, member) in expected.items():
            assert by_id[message_id].rcpt == [ADDRESSES[member]]
        recorded = set()
        for notice, key in (("reminder", reminder), ("escalation", overdue)):
            cls = Reminder if notice == "reminder" else Escalation
            record: Any = app.repository.get(cls.id_for(key))
            recorded |= {(d.message_id, d.recipient) for d in record.deliveries}
            assert len(record.deliveries) == 2
        assert recorded == {(m, member) for m, (_, _, member) in expected.items()}
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
        for workflow_id in dispatcher.started:
            with contextlib.suppress(RPCError):
                await env.client.get_workflow_handle(workflow_id).terminate("test over")
        controller.stop()
        store.close()
        app.close()
