"""Shared by tests that run workflows on the session's time-skipping server.

A test whose workflows read the read models (an organisation's calendar checks them)
runs a projector beside its worker (`Projector.running()`): without one, the check's
activity waits for the read models to reach its position, is retried, and holds the
server's clock meanwhile, so the test hangs rather than fails."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

_TASK_ENDS = (
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
)
STOP_POLLS = 3000
"""About half a minute of real time for a workflow's task in flight to finish."""


async def advance_to(env: WorkflowEnvironment, target: datetime) -> None:
    """Moves the server's clock to `target`, a day at a time: the test server may hold a
    long skip's call past its deadline while workflows run; then look where the clock
    stands and go on from there."""
    for _ in range(1000):
        gap = target - await env.get_current_time()
        if gap <= timedelta(0):
            return
        try:
            await env.sleep(min(gap, timedelta(days=1)))
        except RPCError:
            continue
    raise TimeoutError(f"the test server's clock did not reach {target}")


async def scheduled_activities(handle: WorkflowHandle[Any, Any]) -> list[str]:
    """The names of the activities the workflow's history scheduled, in order."""
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        async for e in handle.fetch_history_events()
        if e.HasField("activity_task_scheduled_event_attributes")
    ]


async def _tasks_done(handle: WorkflowHandle[Any, Any]) -> bool:
    """Whether every workflow task the run was given has finished (the test server's
    description leaves out the one in flight)."""
    given = finished = 0
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            given += 1
        elif event.event_type in _TASK_ENDS:
            finished += 1
    return given == finished


async def stop_all(env: WorkflowEnvironment, workflow_ids: Iterable[str]) -> None:
    """Ends what a test started (an organisation's calendar runs on) while the test's
    worker still runs: each workflow first finishes the workflow task or activity it
    has in flight, since the test server never gives back the clock a terminated
    workflow's task in flight holds (each test has a server of its own, so only its own
    end would wait), and the worker then stops with no activity to cancel mid-write."""
    for workflow_id in workflow_ids:
        handle = env.client.get_workflow_handle(workflow_id)
        for _ in range(STOP_POLLS):
            described = await handle.describe()
            if described.status != WorkflowExecutionStatus.RUNNING:
                break
            if not described.raw_description.pending_activities and await _tasks_done(handle):
                with contextlib.suppress(RPCError):  # it ended meanwhile
                    await handle.terminate("test over")
                break
            await asyncio.sleep(0.01)
        else:
            raise TimeoutError(f"{workflow_id} kept a task in flight")
