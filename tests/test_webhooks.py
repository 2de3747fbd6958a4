"""Webhooks (issue 13, item 4): each notice POSTed, signed, to a real local HTTP server
that checks every signature; a failing receiver gets it once it recovers, exactly once."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from domain import commands as c
from domain.application import ChiboApplication
from domain.notices import escalation_key, reminder_key
from projections import webhooks
from projections.store import ReadStore
from tests.factories import START, cmd, seed_ward
from tests.test_api_actions import api  # noqa: F401 - the API with a client per member
from workers.settings import Settings
from workers.wiring import make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities
from workflows.dispatcher import Dispatcher, StartWorkflow
from workflows.models import WebhookInput
from workflows.webhook import WebhookDelivery, webhook_workflow_id

SECRET = "bí-mật-của-phường"


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    # By hand: `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac topsecret`
    expected = "sha256=6a939b0c71853d606167625a15168ee9188c6a511c773ef4f42d307f3849e50f"
    assert webhooks.sign("topsecret", 1700000000, b'{"a":1}') == expected
    assert webhooks.verify("topsecret", "1700000000", b'{"a":1}', expected)
    assert not webhooks.verify("wrong", "1700000000", b'{"a":1}', expected)
    assert not webhooks.verify("topsecret", "1700000001", b'{"a":1}', expected)
    assert not webhooks.verify("topsecret", "1700000000", b'{"a":2}', expected)
    assert not webhooks.verify("topsecret", "soon", b'{"a":1}', expected)


@dataclass
class Receiver:
    """A webhook receiver that verifies every request and refuses the first `failures`."""

    secret: str
    failures: int
    seen: int = 0
    bad_signatures: int = 0
    accepted: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def receiver(secret: str, failures: int) -> Iterator[tuple[Receiver, str]]:
    state = Receiver(secret, failures)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            ok = webhooks.verify(
                state.secret,
                self.headers.get(webhooks.TIMESTAMP_HEADER, ""),
                body,
                self.headers.get(webhooks.SIGNATURE_HEADER, ""),
            )
            with state.lock:
                state.seen += 1
                failing = state.seen <= state.failures
                if not ok:
                    state.bad_signatures += 1
                elif not failing:
                    state.accepted.append(json.loads(body))
                    state.deliveries.append(self.headers[webhooks.DELIVERY_HEADER])
            self.send_response(500 if failing or not ok else 204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.temporal
async def test_failing_receiver_gets_each_notice_once_after_it_recovers(
    temporal_skipping: WorkflowEnvironment, settings: Settings
) -> None:
    env = temporal_skipping
    app = make_app(settings)
    store = make_read_store(settings)
    activities = ChiboActivities(
        app, lambda: make_read_store(settings), site_url="https://chibo.example"
    )
    day0 = (await env.get_current_time()).date()
    tag = uuid.uuid4().hex[:10]
    subject = {"cell": "c1", "run": tag}
    seed_ward(app, day0)
    dispatcher = Dispatcher(app, store, env.client, settings.task_queue)
    with receiver(SECRET, failures=3) as (got, url):
        webhooks.set_webhook(store, "tb", url, SECRET, by="m01")
        common: dict[str, Any] = {
            "actor": "chibo",
            "organisation": "tb",
            "rule": "R1",
            "subject": subject,
        }
        app.handle(
            cmd(
                c.RaiseEscalation,
                day0,
                kind="meeting_missed",
                period="2026-02",
                recipients=["m03"],
                evidence=["e1"],
                **common,
            )
        )
        key = escalation_key("meeting_missed", subject, "2026-02", 1)
        app.handle(cmd(c.NotifyEscalation, day0, actor="chibo", escalation=key, recipients=["m03"]))
        app.handle(
            cmd(c.SendReminder, day0, kind="task_assignment_due", recipients=["m10"], **common)
        )
        reminder = reminder_key("task_assignment_due", subject, day0)
        expected = [
            WebhookInput(notice="escalation", key=key, version=1),  # raised: round 0
            WebhookInput(notice="escalation", key=key, version=2),  # sent again: round 1
            WebhookInput(notice="reminder", key=reminder, version=1),
        ]
        try:
            async with build_worker(env.client, settings.task_queue, activities):
                while await dispatcher.run_once():
                    pass
                for inp in expected:
                    handle = env.client.get_workflow_handle(webhook_workflow_id(inp))
                    assert await handle.result() == "delivered"
                # The event delivered again (a dispatcher crash): the same workflow id.
                again = expected[0]
                await dispatcher.execute(
                    StartWorkflow(WebhookDelivery.run, webhook_workflow_id(again), again)
                )
                # A retried activity after success sends nothing.
                assert activities.deliver_webhook(expected[0]) == "already delivered"
        finally:
            await stop_running(env, dispatcher.started)
            activities.close()

        assert got.bad_signatures == 0
        assert got.seen == 3 + 3  # three refused, then each notice once
        assert sorted(got.deliveries) == sorted([f"tb/{key}/0", f"tb/{key}/1", f"tb/{reminder}/0"])
        by_round = {(n["key"], n["round"]): n for n in got.accepted}
        assert by_round[(key, 0)] == {
            "kind": "escalation",
            "key": key,
            "rule": "R1",
            "type": "meeting_missed",
            "subject": subject,
            "period": "2026-02",
            "level": 1,
            "recipients": ["m03"],
            "evidence": ["e1"],
            "round": 0,
            "on": day0.isoformat(),
            "link": f"https://chibo.example/escalations/{key}",
        }
        assert by_round[(key, 1)]["round"] == 1
        assert by_round[(reminder, 0)]["kind"] == "reminder"
        assert by_round[(reminder, 0)]["recipients"] == ["m10"]
        rows = [
            webhooks.delivery(store, "tb", k, r) for k, r in ((key, 0), (key, 1), (reminder, 0))
        ]
        assert all(row is not None and row.delivered_at for row in rows)
        assert sum(row.attempts for row in rows if row) == 6
    store.close()
    app.close()


async def stop_running(env: WorkflowEnvironment, workflow_ids: set[str]) -> None:
    """Ends what the test started (the calendar, the escalation's follow-up): a workflow
    left with timers on a queue nobody serves would hold the next test's clock."""
    for workflow_id in workflow_ids:
        handle = env.client.get_workflow_handle(workflow_id)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test over")


def test_no_webhook_no_post(settings: Settings) -> None:
    app = make_app(settings)
    activities = ChiboActivities(app, lambda: make_read_store(settings))
    try:
        seed_ward(app)
        subject = {"cell": "c1"}
        app.handle(
            cmd(
                c.SendReminder,
                actor="chibo",
                organisation="tb",
                kind="task_assignment_due",
                rule="R30",
                subject=subject,
                recipients=["m10"],
            )
        )
        key = reminder_key("task_assignment_due", subject, START)
        inp = WebhookInput(notice="reminder", key=key, version=1)
        assert activities.deliver_webhook(inp) == "no webhook"
    finally:
        activities.close()
        app.close()


def test_put_webhook_by_the_organisation_secretary_only(
    api: Any,  # noqa: F811 - the fixture imported above
) -> None:
    _, store, client = api
    body = {"url": "https://hook.example.vn/chibo", "secret": SECRET}
    answer = client("m01").put("/api/organisations/tb/webhook", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "organisation": "tb",
        "url": "https://hook.example.vn/chibo",
        "secret_set": True,
    }
    assert SECRET not in answer.text
    assert webhooks.webhook_of(store, "tb") == webhooks.Webhook(
        "tb", "https://hook.example.vn/chibo", SECRET
    )
    # A committee member in charge of a cell, a cell secretary, a member: 403.
    for member in ("m03", "m10", "m12"):
        refused = client(member).put("/api/organisations/tb/webhook", json=body)
        assert refused.status_code == 403, member
    assert client("m01").put("/api/organisations/xx/webhook", json=body).status_code == 404
    bad = client("m01").put(
        "/api/organisations/tb/webhook", json={"url": "ftp://x", "secret": SECRET}
    )
    assert bad.status_code == 422
    short = client("m01").put(
        "/api/organisations/tb/webhook", json={"url": body["url"], "secret": "short"}
    )
    assert short.status_code == 422


def test_chibo_webhooks_set_reads_the_secret_from_stdin(
    ward: tuple[ChiboApplication, ReadStore],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from workers.cli import app as cli

    _, store = ward
    monkeypatch.setenv("CHIBO_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    url = "https://hook.example.vn/chibo"
    done = runner.invoke(
        cli, ["webhooks", "set", "tb", "--url", url, "--secret-stdin"], input=SECRET + "\n"
    )
    assert done.exit_code == 0, done.output
    assert SECRET not in done.output
    assert webhooks.webhook_of(store, "tb") == webhooks.Webhook("tb", url, SECRET)
    no_stdin = runner.invoke(cli, ["webhooks", "set", "tb", "--url", url])
    assert no_stdin.exit_code != 0
    unknown = runner.invoke(
        cli, ["webhooks", "set", "xx", "--url", url, "--secret-stdin"], input=SECRET + "\n"
    )
    assert unknown.exit_code != 0
