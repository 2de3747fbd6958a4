"""The activities as the workflows see them: each one's name, argument and result.

Workflow modules import these, never `workflows.activities`, which reaches the
database: Temporal's sandbox re-imports workflow modules, and they stay free of I/O at
any depth. `ChiboActivities` implements each one under the same name (`implements`);
`tests/test_layering.py` checks that both sides agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from temporalio import activity

from workflows.models import (
    Check,
    CheckRequest,
    CheckResult,
    ChecksRequest,
    DeliveryOutcome,
    DeliveryRequest,
    DigestInput,
    DigestResult,
    EscalationInfo,
    EscalationStepRequest,
    FollowUpInfo,
    PlanRequest,
    StepRequest,
    WebhookInput,
)

F = TypeVar("F", bound=Callable[..., Any])


def implements(definition: Callable[..., Any]) -> Callable[[F], F]:
    """Registers a method as the implementation of `definition` (same activity name)."""
    return activity.defn(name=definition.__name__)


@activity.defn
def calendar_plan(req: PlanRequest) -> list[Check]:
    """The year's period checks, under the policy in force on their dates."""
    raise NotImplementedError("runs in the worker: ChiboActivities.calendar_plan")


@activity.defn
def run_check(req: CheckRequest) -> CheckResult:
    """Runs one dated check; raises what it finds through the domain (idempotent ids)."""
    raise NotImplementedError("runs in the worker: ChiboActivities.run_check")


@activity.defn
def run_checks(req: ChecksRequest) -> CheckResult:
    """`run_check` for each check of a day, in order: one round trip for all of them
    (what they raise, and the checks they schedule, together)."""
    raise NotImplementedError("runs in the worker: ChiboActivities.run_checks")


@activity.defn
def followup_info(resolution: str) -> FollowUpInfo:
    """A resolution's deadline, status and reminder/escalation days under its policy."""
    raise NotImplementedError("runs in the worker: ChiboActivities.followup_info")


@activity.defn
def followup_step(req: StepRequest) -> bool:
    """A reminder before the deadline or an overdue level after it (R24)."""
    raise NotImplementedError("runs in the worker: ChiboActivities.followup_step")


@activity.defn
def followup_step_then_info(req: StepRequest) -> FollowUpInfo:
    """`followup_step`, then the record's info as it now stands: the policy in force on
    the deadline may have changed since it was read (no signal says so)."""
    raise NotImplementedError("runs in the worker: ChiboActivities.followup_step_then_info")


@activity.defn
def deliver_email(req: DeliveryRequest) -> DeliveryOutcome:
    """Sends one notice to one recipient by e-mail, unless recorded already; records it."""
    raise NotImplementedError("runs in the worker: ChiboActivities.deliver_email")


@activity.defn
def deliver_digests(req: DigestInput) -> DigestResult:
    """Sends each digest member of the organisation their notices of the day, once."""
    raise NotImplementedError("runs in the worker: ChiboActivities.deliver_digests")


@activity.defn
def escalation_info(escalation: str) -> EscalationInfo:
    """An escalation's status and its follow-up days under the policy of its day."""
    raise NotImplementedError("runs in the worker: ChiboActivities.escalation_info")


@activity.defn
def escalation_step(req: EscalationStepRequest) -> bool:
    """Sends an open escalation again, or raises it one level up (issue 13)."""
    raise NotImplementedError("runs in the worker: ChiboActivities.escalation_step")


@activity.defn
def deliver_webhook(inp: WebhookInput) -> str:
    """POSTs a notice, signed, to its organisation's webhook once (issue 13)."""
    raise NotImplementedError("runs in the worker: ChiboActivities.deliver_webhook")


ALL = (
    calendar_plan,
    run_check,
    run_checks,
    followup_info,
    followup_step,
    followup_step_then_info,
    deliver_email,
    deliver_digests,
    escalation_info,
    escalation_step,
    deliver_webhook,
)
