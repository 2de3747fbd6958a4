"""Shared by tests that run workflows on the session's time-skipping server."""

from __future__ import annotations

from collections.abc import Iterable

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment


async def stop_all(env: WorkflowEnvironment, workflow_ids: Iterable[str]) -> None:
    """Ends what a test started (an organisation's calendar runs on): a workflow left
    with timers on a queue nobody serves would hold the next test's clock."""
    for workflow_id in workflow_ids:
        handle = env.client.get_workflow_handle(workflow_id)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test over")
