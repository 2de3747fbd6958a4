"""Workflow histories of a simulated year replay cleanly in Temporal's Replayer.

The recorded set (tests/histories/, see tests/histories.py: a simulated year, and one
notice delivered at once and in a daily digest) guards production: a code
change that would make running workflows non-deterministic (TMPRL1100) fails here
unless it is behind `workflow.patched`. The fresh set shows the current code replays
its own histories.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import RestrictedWorkflowAccessError

from tests.histories import deliver_and_fetch, load_recorded, simulate_and_fetch
from workers.worker import WORKFLOWS

pytestmark = pytest.mark.temporal


async def _each(histories: Sequence[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for history in histories:
        yield history


async def replay(histories: Sequence[WorkflowHistory]) -> None:
    replayer = Replayer(
        workflows=WORKFLOWS,
        data_converter=pydantic_data_converter,
        workflow_failure_exception_types=[RestrictedWorkflowAccessError],
    )
    results = await replayer.replay_workflows(_each(histories), raise_on_replay_failure=False)
    failures = {wid: str(error) for wid, error in results.replay_failures.items()}
    assert failures == {}


async def test_recorded_year_replays_with_current_code() -> None:
    histories = load_recorded()
    kinds = {h.workflow_id.split("-")[0] for h in histories}
    assert kinds == {"calendar", "followup", "delivery", "digest"}, "every workflow is covered"
    await replay(histories)


async def test_a_fresh_simulated_year_replays(temporal_test_server_path: str) -> None:
    histories = await simulate_and_fetch(temporal_test_server_path)
    assert len(histories) >= 4
    await replay(histories)


async def test_a_fresh_delivery_replays(temporal_test_server_path: str) -> None:
    histories = await deliver_and_fetch(temporal_test_server_path)
    assert sorted(h.workflow_id.split("-")[0] for h in histories) == ["delivery", "digest"]
    await replay(histories)
