"""`chibo worker`: the Temporal worker hosting every workflow and activity."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import (
    RestrictedWorkflowAccessError,
    SandboxedWorkflowRunner,
)

from workflows.activities import ChiboActivities
from workflows.calendar import OrganisationCalendar
from workflows.delivery import DailyDigest, NoticeDelivery
from workflows.escalation import EscalationFollowUp
from workflows.followup import ResolutionFollowUp
from workflows.webhook import WebhookDelivery

if TYPE_CHECKING:
    from workers.scenario.feed import ProgressFeed

WORKFLOWS = [
    OrganisationCalendar,
    ResolutionFollowUp,
    NoticeDelivery,
    DailyDigest,
    EscalationFollowUp,
    WebhookDelivery,
]


def build_worker(
    client: Client,
    task_queue: str,
    activities: ChiboActivities,
    cache_size: int = 1000,
    *,
    feed: ProgressFeed | None = None,
    sandboxed: bool = True,
    build_id: str | None = None,
) -> Worker:
    """The worker of every workflow and activity; with `feed` (the simulator's), it
    also reports each workflow's progress after every activation.

    Unsandboxed (`sandboxed=False`) only for the simulator's own worker: creating a
    sandbox for each workflow run was a fifth of a simulated year's time. The sandbox's
    guard against non-deterministic calls still holds there: tests/test_replay.py replays
    a simulated year's histories, sandboxed, and every `chibo worker` is sandboxed.
    `build_id`: None lets the SDK derive one by hashing every loaded module's code
    (about 0.2 s, paid again by each simulation's worker)."""
    runner: WorkflowRunner = SandboxedWorkflowRunner() if sandboxed else UnsandboxedWorkflowRunner()
    return Worker(
        client,
        task_queue=task_queue,
        max_cached_workflows=cache_size,
        workflows=WORKFLOWS,
        activities=activities.all(),
        activity_executor=ThreadPoolExecutor(max_workers=8),
        # A non-deterministic call (datetime.now, random) must fail the workflow
        # loudly instead of retrying its task forever.
        workflow_failure_exception_types=[RestrictedWorkflowAccessError],
        interceptors=[feed.interceptor()] if feed else [],
        workflow_runner=feed.runner(runner) if feed else runner,
        build_id=build_id,
    )
