"""Webhook delivery (issue 13): one small workflow per notice and round.

Its id (`webhook-<kind>-<key>-<version>`) makes it start once; the activity POSTs the
signed notice, retried by Temporal with exponential backoff while the receiver fails,
and records success so a retried or replayed attempt after it sends nothing.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows import activity_defs as defs
    from workflows.models import WebhookInput

RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(hours=1),
    maximum_attempts=0,  # until it arrives, within GIVE_UP_AFTER
)
GIVE_UP_AFTER = timedelta(days=3)
"""A receiver down longer than this misses the notice (its attempts stay recorded)."""


def webhook_workflow_id(inp: WebhookInput) -> str:
    return f"webhook-{inp.notice}-{inp.key}-{inp.version}"


@workflow.defn(name="WebhookDelivery")
class WebhookDelivery:
    @workflow.run
    async def run(self, inp: WebhookInput) -> str:
        result: str = await workflow.execute_activity(
            defs.deliver_webhook,
            inp,
            start_to_close_timeout=timedelta(seconds=30),
            schedule_to_close_timeout=GIVE_UP_AFTER,
            retry_policy=RETRY,
        )
        return result
