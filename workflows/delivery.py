"""Delivery: each notification of a notice reaches each recipient, exactly once.

One workflow per notice and round (`delivery_workflow_id`), started by the dispatcher
on `Reminder.Sent`, `Escalation.Raised` (round 0) and `Escalation.Notified` (round n).
It runs one activity per recipient and channel, retried with backoff until the server
takes the message; the activity checks the record before sending and records the
delivery after (docs/failure-model.md). Recipients who chose the daily digest are left
to `DailyDigest`, one per organisation and day, which sends once the day is over.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from workflows import activity_defs as defs
    from workflows.clock import until
    from workflows.models import DeliveryInput, DeliveryRequest, DigestInput, DigestResult

SEND_TIMEOUT = timedelta(seconds=30)
"""Longer than the SMTP client's own timeout (`MailConfig.timeout`), so an attempt gives
up by itself before the server hands the message to another: a worker that dies
mid-send is retried after this long."""
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=30),
)
"""Until the server takes it: a mail server down for a day still gets the message."""
DIGEST_AFTER = timedelta(minutes=5)
"""A digest waits this long past midnight, for the day's last notices to be dispatched."""
CHANNELS = ("email",)


def delivery_workflow_id(notice: str, key: str, round: int) -> str:
    return f"delivery-{notice}-{key}#{round}"


def digest_workflow_id(organisation: str, day: str) -> str:
    return f"digest-{organisation}-{day}"


@workflow.defn(name="NoticeDelivery")
class NoticeDelivery:
    @workflow.run
    async def run(self, inp: DeliveryInput) -> dict[str, str]:
        requests = [
            DeliveryRequest(
                notice=inp.notice,
                key=inp.key,
                round=inp.round,
                recipient=r,
                channel=channel,
                clock=inp.clock,
            )
            for r in sorted(set(inp.recipients))
            for channel in CHANNELS
        ]
        outcomes = await asyncio.gather(
            *(
                workflow.execute_activity(
                    defs.deliver_email,
                    req,
                    start_to_close_timeout=SEND_TIMEOUT,
                    retry_policy=SEND_RETRY,
                )
                for req in requests
            )
        )
        if "digest" in outcomes:
            day = inp.on.isoformat()
            # Already waiting (or sent) for the day: it reads every notice of the day.
            with contextlib.suppress(WorkflowAlreadyStartedError):
                await workflow.start_child_workflow(
                    DailyDigest.run,
                    DigestInput(organisation=inp.organisation, day=inp.on, clock=inp.clock),
                    id=digest_workflow_id(inp.organisation, day),
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
        return {
            f"{req.recipient}/{req.channel}": outcome
            for req, outcome in zip(requests, outcomes, strict=True)
        }


@workflow.defn(name="DailyDigest")
class DailyDigest:
    @workflow.run
    async def run(self, inp: DigestInput) -> DigestResult:
        delay = until(inp.clock, inp.day + timedelta(days=1)) + DIGEST_AFTER
        await workflow.sleep(delay)
        return await workflow.execute_activity(
            defs.deliver_digests,
            inp,
            start_to_close_timeout=SEND_TIMEOUT * 10,
            retry_policy=SEND_RETRY,
        )
