"""Nothing accepted is lost, whatever process dies: SIGKILL the projector and the
dispatcher (real subprocesses) mid-stream, restart them, and check the results."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from bench.loggen import generate
from projections.projector import Projector
from projections.registry import all_projections
from projections.store import ReadStore
from workers.settings import Settings
from workers.wiring import make_app, make_read_store

ROOT = Path(__file__).parent.parent
SIZES: dict[str, Any] = {"orgs": 2, "cells_per_org": 10, "members_per_cell": 10, "months": 24}
DISPATCH_SIZES: dict[str, Any] = {
    "orgs": 2,
    "cells_per_org": 4,
    "members_per_cell": 5,
    "months": 12,
}


def _start(command: str, settings: Settings, **extra: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        CHIBO_DATABASE_URL=settings.database_url,
        CHIBO_TASK_QUEUE=settings.task_queue,
        **extra,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "workers", command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.01)


def _reached(positions: Callable[[], dict[str, int]], target: int) -> bool:
    return min(positions().values()) >= target


def _tables(store: ReadStore) -> dict[str, list[tuple[object, ...]]]:
    """Every read-model row, ordered, to compare two stores exactly."""
    content = {}
    for projection in all_projections():
        for table in projection.tables:
            rows = store.query(f"SELECT * FROM {table}")
            content[table] = sorted(rows, key=repr)
    return content


@pytest.mark.slow
def test_projector_killed_mid_batches_loses_and_duplicates_nothing(settings: Settings) -> None:
    app = make_app(settings)
    total = generate(app, **SIZES)
    store = make_read_store(settings)
    reference = Projector(app, store, all_projections())
    positions = reference.positions
    kills = 0
    try:
        # Kill it at several points while it is working through the log.
        for fraction in (0.1, 0.25, 0.4, 0.55):
            process = _start("projector", settings, CHIBO_PROJECTOR_BATCH_SIZE="1")
            target = int(total * fraction)
            _wait_until(partial(_reached, positions, target))
            process.send_signal(signal.SIGKILL)
            process.wait()
            if min(positions().values()) >= total:
                break  # on a loaded machine the kill landed after the end: no later ones
            kills += 1
        process = _start("projector", settings)
        _wait_until(lambda: min(positions().values()) >= total)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        live = _tables(store)
        # Exact totals from what the generator wrote, independent of the projector.
        cells = SIZES["orgs"] * SIZES["cells_per_org"]
        assert len(live["rm_meetings"]) == cells * SIZES["months"]
        assert len(live["rm_members"]) == cells * SIZES["members_per_cell"] + 5 * SIZES["orgs"]
        assert (
            len(live["rm_meeting_attendance"])
            == cells * SIZES["months"] * SIZES["members_per_cell"]
        )
        # And every row equals a clean rebuild from the log.
        reference.rebuild()
        assert _tables(store) == live
    finally:
        store.close()
        app.close()
    assert kills >= 1, "no kill landed in the middle of the log: nothing was proved"


@pytest.mark.slow
@pytest.mark.temporal
async def test_dispatcher_killed_misses_no_workflow_and_starts_none_twice(
    settings: Settings, temporal_dev: WorkflowEnvironment
) -> None:
    app = make_app(settings)
    prefix = f"{settings.task_queue}-o"
    generate(app, **DISPATCH_SIZES, prefix=prefix)
    head = app.recorder.max_notification_id() or 0
    store = make_read_store(settings)
    # Every workflow the log asks for: a calendar per organisation, a follow-up per resolution.
    expected = {f"calendar-{prefix}{o:03d}" for o in range(DISPATCH_SIZES["orgs"])}
    for notification in app.recorder.select_notifications(1, head + 1):
        if notification.topic == "chibo.Resolution.Adopted":
            adopted: Any = app.mapper.to_domain_event(notification)
            expected.add(f"followup-{adopted.key}")
    address = temporal_dev.client.service_client.config.target_host

    def position() -> int:
        return int(
            store.query("SELECT position FROM chibo_tracking WHERE name = 'dispatcher'")[0][0]
        )

    try:
        for fraction in (0.2, 0.5, 0.8):
            process = _start(
                "dispatcher",
                settings,
                CHIBO_TEMPORAL_ADDRESS=address,
                CHIBO_DISPATCHER_BATCH_SIZE="5",
            )
            target = int(head * fraction)

            def reached(target: int = target) -> bool:
                started = store.query("SELECT 1 FROM chibo_tracking WHERE name = 'dispatcher'")
                return bool(started) and position() >= target

            await asyncio.to_thread(_wait_until, reached)
            process.send_signal(signal.SIGKILL)
            process.wait()
            assert position() < head, "killed too late to prove anything"
        process = _start("dispatcher", settings, CHIBO_TEMPORAL_ADDRESS=address)
        await asyncio.to_thread(_wait_until, lambda: position() >= head)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0

        query = f'TaskQueue="{settings.task_queue}"'
        runs: list[str] = []
        for _ in range(100):  # visibility is eventually consistent: poll, don't sleep blindly
            runs = [w.id async for w in temporal_dev.client.list_workflows(query)]
            if len(runs) >= len(expected):
                break
            await asyncio.sleep(0.1)
        assert sorted(set(runs)) == sorted(expected)  # none missed
        assert len(runs) == len(set(runs))  # none started twice
    finally:
        store.close()
        app.close()
