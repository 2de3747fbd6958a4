"""Workflow histories of a simulated year, of the delivery of one notice by e-mail
(simulations deliver nothing), of one escalation's follow-up (sent again, then raised)
and of one notice POSTed to a webhook (refused once, then delivered): recorded once and
committed under tests/histories/, so the Replayer test fails when a code change would
break workflows already running in production. A file is named by its workflow id
(percent-encoded) and run id.

    .venv/bin/python -m tests.histories              # re-record the year
    .venv/bin/python -m tests.histories year2        # the year under version 2 (its checks)
    .venv/bin/python -m tests.histories deliveries   # re-record the delivery
    .venv/bin/python -m tests.histories escalations  # re-record the escalation follow-up
    .venv/bin/python -m tests.histories webhooks     # re-record the webhook delivery
(only for a deliberate, patched change)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from temporalio.client import WorkflowExecutionStatus, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from api.contacts import ContactStore
from domain import commands as c
from domain.application import ChiboApplication
from domain.notices import escalation_key
from projections import webhooks
from projections.projector import Projector
from projections.registry import all_projections
from tests.factories import cmd, seed_ward
from tests.temporal_support import advance_to
from workers.scenario.format import load_scenario
from workers.scenario.simulate import Simulation, throwaway_store, time_skipping_server
from workers.up import test_server_binary
from workers.wiring import make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities, MailConfig
from workflows.delivery import digest_workflow_id
from workflows.dispatcher import Dispatcher
from workflows.escalation import escalation_workflow_id
from workflows.models import WebhookInput
from workflows.webhook import webhook_workflow_id

HERE = Path(__file__).parent
SCENARIO = HERE / "scenarios" / "ward-year.yaml"
SCENARIO_V2 = HERE / "scenarios" / "ward-year-v2.yaml"
RECORDED = HERE / "histories"


async def simulate_and_fetch(test_server: str, scenario: Path = SCENARIO) -> list[WorkflowHistory]:
    """Runs the year and returns the history of every workflow it started."""
    with throwaway_store("sqlite") as settings:
        async with time_skipping_server(test_server) as env:
            simulation = Simulation(load_scenario(scenario), settings, env)
            await simulation.run()
            histories = []
            for workflow_id in sorted(simulation.dispatcher.started):
                # Every run, back through continue-as-new: the year's run holds most work.
                run_id: str | None = None
                while True:
                    handle = env.client.get_workflow_handle(workflow_id, run_id=run_id)
                    history = await handle.fetch_history()
                    histories.append(history)
                    started = history.events[0].workflow_execution_started_event_attributes
                    run_id = started.continued_execution_run_id or None
                    if run_id is None:
                        break
            return histories


@contextlib.contextmanager
def mail_server() -> Iterator[int]:
    """An SMTP server on a free local port that takes every message and keeps none."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


async def deliver_and_fetch(test_server: str) -> list[WorkflowHistory]:
    """An overdue escalation to m10 (at once) and m11 (who chose the daily digest): the
    history of its `NoticeDelivery` and of the `DailyDigest` it starts and waits for."""
    with throwaway_store("sqlite") as settings, mail_server() as port:
        app, store = make_app(settings), make_read_store(settings)
        projector_store = make_read_store(settings)
        mail = MailConfig(f"smtp://127.0.0.1:{port}", "chibo <chibo@localhost>", "http://h")
        activities = ChiboActivities(
            app, lambda: make_read_store(settings), mail=mail, contacts=ContactStore
        )
        try:
            async with time_skipping_server(test_server) as env:
                day = (await env.get_current_time()).date()
                seed_ward(app, day)
                book = ContactStore(store)
                book.set("tb", "m10", "m10@example.org", digest=False, by="m10")
                book.set("tb", "m11", "m11@example.org", digest=True, by="m11")
                app.handle(
                    cmd(
                        c.RaiseEscalation,
                        day,
                        organisation="tb",
                        kind="resolution_overdue",
                        rule="R24",
                        subject={"cell": "c1", "resolution": "nq-1"},
                        level=1,
                        recipients=["m10", "m11"],
                        evidence=["resolution:nq-1"],
                    )
                )
                dispatcher = Dispatcher(app, store, env.client, settings.task_queue)
                with Projector(app, projector_store, all_projections()).running():
                    async with build_worker(env.client, settings.task_queue, activities):
                        while await dispatcher.run_once():
                            pass
                        ids = [w for w in dispatcher.started if w.startswith("delivery-")]
                        # Past the digest's hour (00:05 the next day), then every run ended.
                        after = datetime.combine(day + timedelta(days=1), time(0, 6), UTC)
                        await env.sleep(after - await env.get_current_time())
                        for workflow_id in ids:
                            await env.client.get_workflow_handle(workflow_id).result()
                        ids.append(digest_workflow_id("tb", day.isoformat()))
                        histories = [
                            await env.client.get_workflow_handle(w).fetch_history() for w in ids
                        ]
                        # The calendar, the follow-up (a webhook delivery has ended).
                        await _end_the_rest(env, dispatcher.started)
                        return histories
        finally:
            activities.close()
            projector_store.close()
            store.close()
            app.close()


async def _move_clock(env: WorkflowEnvironment, dispatcher: Dispatcher, to: datetime) -> None:
    """Delivers what the dispatcher has, then moves the server's clock to `to`, a day at a
    time (the test server may hold a long skip's call past its deadline)."""
    while await dispatcher.run_once():
        pass
    await advance_to(env, to)


async def _end_the_rest(env: WorkflowEnvironment, workflow_ids: set[str]) -> None:
    """Ends what else the run started (the calendar, deliveries): nothing keeps timers."""
    for workflow_id in workflow_ids:
        handle = env.client.get_workflow_handle(workflow_id)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("recorded")


def _raise_escalation(app: ChiboApplication, day: date) -> str:
    """A level-1 missed meeting of cell c1, to m03 (in charge of it); returns its key."""
    subject = {"cell": "c1"}
    app.handle(
        cmd(
            c.RaiseEscalation,
            day,
            actor="chibo",
            organisation="tb",
            kind="meeting_missed",
            rule="R1",
            subject=subject,
            period="2026-02",
            level=1,
            recipients=["m03"],
            evidence=["e1"],
        )
    )
    return escalation_key("meeting_missed", subject, "2026-02", 1)


async def escalate_and_fetch(test_server: str) -> list[WorkflowHistory]:
    """A level-1 escalation nobody acknowledges: the history of its `EscalationFollowUp`,
    which sends it again after `escalation_renotify_days` (7), raises it one level up
    after `escalation_raise_days` (14) and ends."""
    with throwaway_store("sqlite") as settings:
        app, store = make_app(settings), make_read_store(settings)
        activities = ChiboActivities(app, lambda: make_read_store(settings))
        try:
            async with time_skipping_server(test_server) as env:
                day = (await env.get_current_time()).date()
                midnight = datetime.combine(day, time(0), UTC)
                seed_ward(app, day)
                key = _raise_escalation(app, day)
                dispatcher = Dispatcher(app, store, env.client, settings.task_queue)
                async with build_worker(env.client, settings.task_queue, activities):
                    try:
                        handle = env.client.get_workflow_handle(escalation_workflow_id(key))
                        for days in (7.5, 14.5):
                            await _move_clock(env, dispatcher, midnight + timedelta(days=days))
                        outcome = await handle.result()
                        assert outcome == "raised", outcome
                        return [await handle.fetch_history()]
                    finally:
                        await _end_the_rest(env, dispatcher.started)
        finally:
            activities.close()
            store.close()
            app.close()


@contextlib.contextmanager
def webhook_receiver(failures: int) -> Iterator[str]:
    """A local HTTP receiver that refuses the first `failures` POSTs, then takes each one;
    yields its URL."""
    seen = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                seen[0] += 1
                failing = seen[0] <= failures
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


async def post_webhook_and_fetch(test_server: str) -> list[WorkflowHistory]:
    """An escalation raised for an organisation with a webhook that refuses the first
    POST: the history of its `WebhookDelivery` (round 0), delivered on the retry."""
    with throwaway_store("sqlite") as settings, webhook_receiver(failures=1) as url:
        app, store = make_app(settings), make_read_store(settings)
        activities = ChiboActivities(
            app, lambda: make_read_store(settings), site_url="https://chibo.example"
        )
        try:
            async with time_skipping_server(test_server) as env:
                day = (await env.get_current_time()).date()
                seed_ward(app, day)
                webhooks.set_webhook(store, "tb", url, "bí-mật", by="m01")
                key = _raise_escalation(app, day)
                inp = WebhookInput(notice="escalation", key=key, version=1)
                dispatcher = Dispatcher(app, store, env.client, settings.task_queue)
                async with build_worker(env.client, settings.task_queue, activities):
                    try:
                        while await dispatcher.run_once():
                            pass
                        handle = env.client.get_workflow_handle(webhook_workflow_id(inp))
                        outcome = await handle.result()
                        assert outcome == "delivered", outcome
                        return [await handle.fetch_history()]
                    finally:
                        await _end_the_rest(env, dispatcher.started)
        finally:
            activities.close()
            store.close()
            app.close()


def load_recorded() -> list[WorkflowHistory]:
    return [
        WorkflowHistory.from_json(
            unquote(path.stem.split("@")[0]), path.read_text(encoding="utf-8")
        )
        for path in sorted(RECORDED.glob("*.json"))
    ]


RUNS: dict[str, Callable[[str], Awaitable[list[WorkflowHistory]]]] = {
    "year": simulate_and_fetch,
    "year2": lambda server: simulate_and_fetch(server, SCENARIO_V2),
    "deliveries": deliver_and_fetch,
    "escalations": escalate_and_fetch,
    "webhooks": post_webhook_and_fetch,
}


async def record(run: str = "year") -> None:
    RECORDED.mkdir(exist_ok=True)
    for history in await RUNS[run](test_server_binary()):
        data = json.loads(history.to_json())
        name = f"{quote(history.workflow_id, safe='')}@{history.run_id}.json"
        (RECORDED / name).write_text(json.dumps(data, indent=1), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1] if sys.argv[1:] else "year"))
