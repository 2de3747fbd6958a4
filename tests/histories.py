"""Workflow histories of a simulated year, and of the delivery of one notice by e-mail
(simulations deliver nothing): recorded once and committed under tests/histories/, so
the Replayer test fails when a code change would break workflows already running in
production. A file is named by its workflow id (percent-encoded) and run id.

    .venv/bin/python -m tests.histories              # re-record the year
    .venv/bin/python -m tests.histories deliveries   # re-record the delivery
(only for a deliberate, patched change)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote, unquote

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from temporalio.client import WorkflowHistory

from api.contacts import ContactStore
from domain import commands as c
from projections.projector import Projector
from projections.registry import all_projections
from tests.factories import cmd, seed_ward
from workers.scenario.format import load_scenario
from workers.scenario.simulate import Simulation, throwaway_store, time_skipping_server
from workers.up import test_server_binary
from workers.wiring import make_app, make_read_store
from workers.worker import build_worker
from workflows.activities import ChiboActivities, MailConfig
from workflows.delivery import digest_workflow_id
from workflows.dispatcher import Dispatcher

HERE = Path(__file__).parent
SCENARIO = HERE / "scenarios" / "ward-year.yaml"
RECORDED = HERE / "histories"


async def simulate_and_fetch(test_server: str) -> list[WorkflowHistory]:
    """Runs the year and returns the history of every workflow it started."""
    with throwaway_store("sqlite") as settings:
        async with time_skipping_server(test_server) as env:
            simulation = Simulation(load_scenario(SCENARIO), settings, env)
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
                        for workflow_id in dispatcher.started:
                            if not workflow_id.startswith("delivery-"):
                                await env.client.get_workflow_handle(workflow_id).terminate()
                        return histories
        finally:
            activities.close()
            projector_store.close()
            store.close()
            app.close()


def load_recorded() -> list[WorkflowHistory]:
    return [
        WorkflowHistory.from_json(
            unquote(path.stem.split("@")[0]), path.read_text(encoding="utf-8")
        )
        for path in sorted(RECORDED.glob("*.json"))
    ]


async def record(deliveries: bool = False) -> None:
    RECORDED.mkdir(exist_ok=True)
    fetch = deliver_and_fetch if deliveries else simulate_and_fetch
    for history in await fetch(test_server_binary()):
        data = json.loads(history.to_json())
        name = f"{quote(history.workflow_id, safe='')}@{history.run_id}.json"
        (RECORDED / name).write_text(json.dumps(data, indent=1), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(record(deliveries=sys.argv[1:] == ["deliveries"]))
