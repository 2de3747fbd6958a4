"""Delivery: each notification of a notice reaches each recipient, exactly once.

One workflow per notice and round (`delivery_workflow_id`), started by the dispatcher
on `Reminder.Sent`, `Escalation.Raised` (round 0) and `Escalation.Notified` (round n).
It runs one activity per recipient and channel, retried with backoff until the server
takes the message; the activity checks the record before sending and records the
delivery after (docs/failure-model.md). Recipients who chose the daily digest are left
to `DailyDigest`, one per organisation and day, which sends once the day is over: it
collects, when it runs, every notification of the last `DIGEST_LOOKBACK` days still
undelivered to each digest member (`ChiboActivities.deliver_digests`), so a notice that
reaches the dispatcher after its day's digest went out is in the next one, and
re-notifications are in the digest of their day.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from workflows import activity_defs as defs
    from workflows.clock import today, until
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
DIGEST_LOOKBACK = timedelta(days=7)
"""How far back a digest looks for notifications still undelivered to a digest member
(late ones, or those of a member who has just chosen the digest)."""
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
            # Today's digest (the notice's own day unless it arrives late, once that day's
            # digest may have gone out). Already waiting: it reads every undelivered notice.
            day = max(inp.on, today(inp.clock))
            try:
                digest = await workflow.start_child_workflow(
                    DailyDigest.run,
                    DigestInput(organisation=inp.organisation, day=day, clock=inp.clock),
                    id=digest_workflow_id(inp.organisation, day.isoformat()),
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
            except WorkflowAlreadyStartedError:
                pass
            else:
                # The starter waits for its digest (its notice is delivered only then); a
                # child that outlives its parent also stalls Temporal's time-skipping test
                # server (temporalio/sdk-java#2392).
                await digest
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
