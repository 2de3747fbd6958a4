"""`chibo worker`: the Temporal worker hosting every workflow and activity."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import RestrictedWorkflowAccessError

from workflows.calendar import OrganisationCalendar

WORKFLOWS = [OrganisationCalendar]


def build_worker(client: Client, task_queue: str) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[],
        # A non-deterministic call (datetime.now, random) must fail the workflow
        # loudly instead of retrying its task forever.
        workflow_failure_exception_types=[RestrictedWorkflowAccessError],
    )
