"""Workflow histories of a simulated year replay cleanly in Temporal's Replayer.

The recorded set (tests/histories/, see tests/histories.py: a simulated year, one
notice delivered at once and in a daily digest, one escalation sent again then raised,
one notice POSTed to a webhook after a refusal) guards production: a code
change that would make running workflows non-deterministic (TMPRL1100) fails here
unless it is behind `workflow.patched`. The fresh set shows the current code replays
its own histories. Every workflow the worker hosts must have a recorded history.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Sequence

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import RestrictedWorkflowAccessError

from tests.histories import (
    deliver_and_fetch,
    escalate_and_fetch,
    load_recorded,
    post_webhook_and_fetch,
    simulate_and_fetch,
)
from workers.worker import WORKFLOWS
from workflows.escalation import escalation_workflow_id
from workflows.models import WebhookInput
from workflows.webhook import webhook_workflow_id

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


def prefix(workflow_id: str) -> str:
    return workflow_id.split("-")[0]


def workflow_type(history: WorkflowHistory) -> str:
    started = history.events[0].workflow_execution_started_event_attributes
    return started.workflow_type.name


async def test_recorded_year_replays_with_current_code() -> None:
    histories = load_recorded()
    hosted = {workflow._Definition.must_from_class(w).name for w in WORKFLOWS}
    assert {workflow_type(h) for h in histories} == hosted, "every workflow has a history"
    escalation = prefix(escalation_workflow_id("k"))
    webhook = prefix(webhook_workflow_id(WebhookInput(notice="escalation", key="k", version=1)))
    kinds = {prefix(h.workflow_id) for h in histories}
    assert kinds == {"calendar", "followup", "delivery", "digest", escalation, webhook}
    await replay(histories)


async def test_a_fresh_simulated_year_replays(temporal_test_server_path: str) -> None:
    histories = await simulate_and_fetch(temporal_test_server_path)
    assert len(histories) >= 4
    await replay(histories)
    # Its calendars ran each day's due checks in one activity, never one at a time.
    scheduled = [
        e.activity_task_scheduled_event_attributes
        for h in histories
        if prefix(h.workflow_id) == "calendar"
        for e in h.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert "run_check" not in {a.activity_type.name for a in scheduled}
    batches = [
        json.loads(a.input.payloads[0].data)["checks"]
        for a in scheduled
        if a.activity_type.name == "run_checks"
    ]
    assert batches and all(len({check["on"] for check in batch}) == 1 for batch in batches)
    assert max(len(batch) for batch in batches) > 1


async def test_a_fresh_delivery_replays(temporal_test_server_path: str) -> None:
    histories = await deliver_and_fetch(temporal_test_server_path)
    assert sorted(h.workflow_id.split("-")[0] for h in histories) == ["delivery", "digest"]
    await replay(histories)


async def test_a_fresh_escalation_follow_up_replays(temporal_test_server_path: str) -> None:
    histories = await escalate_and_fetch(temporal_test_server_path)
    assert [workflow_type(h) for h in histories] == ["EscalationFollowUp"]
    await replay(histories)


async def test_a_fresh_webhook_delivery_replays(temporal_test_server_path: str) -> None:
    histories = await post_webhook_and_fetch(temporal_test_server_path)
    assert [workflow_type(h) for h in histories] == ["WebhookDelivery"]
    await replay(histories)


def _with_info(history: WorkflowHistory) -> WorkflowHistory:
    """`history` as if today's dispatcher had sent its start and signals (each carrying
    the record) to a worker still running the code it was recorded with."""
    data = history.to_json_dict()  # a fresh dict, changed here in place
    resolution = history.workflow_id.removeprefix("followup-")
    info = {
        "resolution": resolution,
        "cell": "c1",
        "status": "open",
        "adopted_on": "2026-01-05",
        "deadline": "2026-02-28",
        "reminder_days": [7, 1],
        "escalation_days": [1, 15, 30],
    }
    for event in data["events"]:
        for attributes in (
            "workflowExecutionStartedEventAttributes",
            "workflowExecutionSignaledEventAttributes",
        ):
            if attributes in event:
                payload = event[attributes]["input"]["payloads"][0]
                arg = json.loads(base64.b64decode(payload["data"]))
                payload["data"] = base64.b64encode(
                    json.dumps(arg | {"info": info}).encode()
                ).decode()
    return WorkflowHistory.from_json(history.workflow_id, data)


async def test_follow_ups_recorded_before_their_records_were_carried_replay() -> None:
    """Runs begun before `INFO_GIVEN` read their record in an activity even when their
    start or signal carries it: without the patch, replaying them (the record carried by
    a newer dispatcher) would skip that activity and fail."""
    recorded = [h for h in load_recorded() if prefix(h.workflow_id) == "followup"]
    assert len(recorded) >= 2
    await replay([_with_info(h) for h in recorded])
