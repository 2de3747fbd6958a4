"""Inputs, signals and query results of workflows: small pydantic models, passed through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from pydantic import BaseModel, Field

from domain.policy import Policy
from domain.resolution import Resolution, ResolutionStatus


class Clock(BaseModel):
    """Business time = workflow time + offset. Production runs at offset 0; the simulator
    shifts a scenario's dates onto the test server's clock."""

    offset_seconds: float = 0.0


PeriodCheckKind = Literal[
    "month",
    "quarter",
    "committee-reminder",
    "plan",
    "tasks",
    "tasks-reminder",
    "inspection",
    # version 2
    "pledges",
    "pledges-reminder",
    "annual-report",
    "annual-report-reminder",
]
MeetingCheckKind = Literal["meeting", "minutes", "communication"]
MemberCheckKind = Literal["transfer", "new-member"]


@dataclass(frozen=True)
class PeriodCheck:
    """A check of a period (`month:2026-02`, `quarter:2026-Q1`) or a year (`plan:2026`)."""

    kind: PeriodCheckKind
    period: str


@dataclass(frozen=True)
class MeetingCheck:
    """A check of one meeting once held (`meeting:c1-2026-03`) or its minutes due."""

    kind: MeetingCheckKind
    meeting: str


@dataclass(frozen=True)
class MemberCheck:
    """A check of a member transferred into a cell on `day`
    (`transfer:c1:m7:2026-05-04`, then `new-member:c1:m7:2026-05-04`)."""

    kind: MemberCheckKind
    cell: str
    member: str
    day: date


CheckId = PeriodCheck | MeetingCheck | MemberCheck
"""What a check is about; `Check.id` carries it formatted, its wire form (recorded
histories, command ids): `format_check_id` and `parse_check_id` are its only codec."""


def format_check_id(check: CheckId) -> str:
    if isinstance(check, MemberCheck):
        return f"{check.kind}:{check.cell}:{check.member}:{check.day.isoformat()}"
    if isinstance(check, MeetingCheck):
        return f"{check.kind}:{check.meeting}"
    return f"{check.kind}:{check.period}"


def parse_check_id(text: str) -> CheckId:
    kind, _, rest = text.partition(":")
    for member_kind in get_args(MemberCheckKind):
        if kind == member_kind:
            cell, member, day = rest.split(":")
            return MemberCheck(member_kind, cell, member, date.fromisoformat(day))
    for meeting_kind in get_args(MeetingCheckKind):
        if kind == meeting_kind:
            return MeetingCheck(meeting_kind, rest)
    for period_kind in get_args(PeriodCheckKind):
        if kind == period_kind:
            return PeriodCheck(period_kind, rest)
    raise ValueError(f"not a check id: {text!r}")


class Check(BaseModel):
    """A check due on a business day: `month:2026-02`, `meeting:c1-2026-03`, …"""

    on: date
    id: str
    """The `CheckId`, formatted (`Check.of`, `Check.about`)."""

    @classmethod
    def of(cls, about: CheckId, on: date) -> Check:
        return cls(on=on, id=format_check_id(about))

    @property
    def about(self) -> CheckId:
        return parse_check_id(self.id)


class CalendarInput(BaseModel):
    organisation: str
    year: int
    since: date | None = None
    """Only periods beginning on or after this date are checked."""
    clock: Clock = Field(default_factory=Clock)
    pending: list[Check] = Field(default_factory=list)
    """Checks carried over from the previous year (continue-as-new keeps every plan)."""
    signals: int = 0
    """Signals seen by earlier runs, so progress counts on across years."""


class PlanRequest(BaseModel):
    organisation: str
    year: int
    since: date | None


class CheckRequest(BaseModel):
    organisation: str
    check: Check
    workflow_id: str


class ChecksRequest(BaseModel):
    """Every check of one calendar due on one day, run in order in one activity."""

    organisation: str
    checks: list[Check]
    workflow_id: str


class CheckResult(BaseModel):
    raised: int
    schedule: list[Check] = Field(default_factory=list)


class CalendarState(BaseModel):
    organisation: str
    year: int
    pending: list[Check]
    done: int


class FollowUpInfo(BaseModel):
    """What the follow-up needs to plan: read from the record by an activity, or by the
    dispatcher from the record as the event it delivers left it."""

    resolution: str
    cell: str
    status: ResolutionStatus
    adopted_on: date
    deadline: date
    reminder_days: list[int]
    escalation_days: list[int]

    @classmethod
    def of(cls, res: Resolution, policy_on: Callable[[date], Policy]) -> FollowUpInfo:
        """`res`'s plan inputs, its reminder and escalation days those of the policy in
        force on its deadline."""
        policy = policy_on(res.deadline)
        return cls(
            resolution=res.key,
            cell=res.cell,
            status=res.status,
            adopted_on=res.adopted_on,
            deadline=res.deadline,
            reminder_days=policy.reminder_days,
            escalation_days=policy.escalation_days,
        )


class FollowUpInput(BaseModel):
    """One resolution or inspection recommendation to follow until it closes (R24, R53).
    `info`: the record as adopted, when the starter read it (no activity needed to plan)."""

    resolution: str
    clock: Clock = Field(default_factory=Clock)
    info: FollowUpInfo | None = None


ChangeKind = Literal["progress", "completed", "extended", "cancelled"]


class Change(BaseModel):
    """A signal: the record changed (progress, completion, extension, cancellation).
    `info`: the record as this change left it, when the sender read it."""

    kind: ChangeKind
    on: date
    info: FollowUpInfo | None = None


class Step(BaseModel):
    """One planned act of a follow-up: a reminder or an overdue escalation level."""

    kind: Literal["reminder", "overdue"]
    on: date
    deadline: date
    days: int = 0
    level: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.deadline.isoformat()}-{self.on.isoformat()}-{self.level}"


class StepRequest(BaseModel):
    resolution: str
    step: Step
    workflow_id: str


class FollowUpState(BaseModel):
    """Query result: where the follow-up stands."""

    resolution: str
    status: ResolutionStatus | Literal["starting"]
    deadline: date | None
    done: list[str]
    next: Step | None


class Progress(BaseModel):
    """Query result every long workflow answers: how far it has got. A driver (the
    simulator) waits until each workflow has seen its signals, is idle and has nothing
    due before the day it is about to play."""

    signals: int
    busy: bool
    next_due: date | None
    finished: bool = False


NoticeKindName = Literal["escalation", "reminder"]
DeliveryOutcome = Literal["sent", "already", "no_address", "excluded", "digest"]


class DeliveryInput(BaseModel):
    """One notification round of a notice, to deliver to each of its recipients."""

    notice: NoticeKindName
    key: str
    organisation: str
    round: int = 0
    recipients: list[str]
    on: date
    """The business day of the notification (a digest groups by it)."""
    clock: Clock = Field(default_factory=Clock)


class DeliveryRequest(BaseModel):
    """One message: a notice's round to one recipient over one channel."""

    notice: NoticeKindName
    key: str
    round: int
    recipient: str
    channel: str = "email"
    clock: Clock = Field(default_factory=Clock)
    """Business time of the workflow, so the record says the day it was delivered."""


class DigestInput(BaseModel):
    """An organisation's daily digest of `day`, sent once the day is over."""

    organisation: str
    day: date
    clock: Clock = Field(default_factory=Clock)


class DigestResult(BaseModel):
    sent: list[str] = Field(default_factory=list)
    """The members a digest was sent to by this call (not those already recorded)."""


# --- escalations that follow up -------------------------------------------------------------


class EscalationInput(BaseModel):
    """One escalation to follow until it is acknowledged or resolved (issue 13)."""

    escalation: str
    clock: Clock = Field(default_factory=Clock)


class EscalationInfo(BaseModel):
    """What the escalation's follow-up needs to plan, read from the record."""

    escalation: str
    status: Literal["open", "acknowledged", "resolved"]
    raised_on: date
    renotify_days: int
    raise_days: int
    climbs: bool
    """Whether there is a rung above its recipients to raise it to."""


class EscalationStep(BaseModel):
    """One planned act: sending the escalation again (round n) or raising it a level."""

    kind: Literal["renotify", "raise"]
    on: date
    round: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.round}-{self.on.isoformat()}"


class EscalationStepRequest(BaseModel):
    escalation: str
    step: EscalationStep
    workflow_id: str


class EscalationChange(BaseModel):
    """A signal: the escalation was acknowledged or resolved (the workflow re-reads it)."""

    kind: Literal["acknowledged", "resolved"]
    on: date


# --- webhooks ------------------------------------------------------------------------------


class WebhookInput(BaseModel):
    """One notice event to POST to its organisation's webhook: an escalation raised or
    sent again, or a reminder sent. `version` is the event's place in the notice's
    stream (the round follows from it: 0 when raised or sent, n for the n-th
    re-notification)."""

    notice: Literal["escalation", "reminder"]
    key: str
    version: int
