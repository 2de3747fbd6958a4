"""Shared by tests that run workflows on the session's time-skipping server.

A test whose workflows read the read models (an organisation's calendar checks them)
runs a projector beside its worker (`Projector.running()`): without one, the check's
activity waits for the read models to reach its position, is retried, and holds the
server's clock meanwhile, so the test hangs rather than fails."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment


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


async def stop_all(env: WorkflowEnvironment, workflow_ids: Iterable[str]) -> None:
    """Ends what a test started (an organisation's calendar runs on): a workflow left
    with timers on a queue nobody serves would hold the next test's clock."""
    for workflow_id in workflow_ids:
        handle = env.client.get_workflow_handle(workflow_id)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test over")
