"""Notices: reminders before a deadline, escalations after a miss, and who gets them.

An escalation puts a missed quota or deadline before supervisors, with its evidence;
a reminder tells whoever must act before a deadline (R24, R30, R40, R41). Each one's
stream id derives from its kind, subject and period or date, so the same notice is
never raised twice, whoever raises it and however often. Who receives each kind (the
`to` of SCENARIOS.md) is decided here once, for the workflows' checks and the
follow-up of resolutions: "in charge" is the cell's committee member in charge on the
day, or the organisation secretary where the cell has none; the organisation
secretary is also the supervisor of last resort.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.aggregate import Aggregate, Created, create
from domain.errors import DomainError
from domain.events import DomainEvent, Meta
from domain.ids import aggregate_id

EscalationStatus = Literal["open", "acknowledged", "resolved"]
EscalationKind = Literal[
    "meeting_missed",  # R1
    "thematic_missed",  # R3
    "thematic_plan_missing",  # R4
    "minutes_missing",  # R11
    "attendance_below_target",  # R13
    "absent_streak",  # R14
    "removal_review",  # R15
    "resolution_overdue",  # R24
    "task_assignment_incomplete",  # R30
    "new_member_unassigned",  # R31
    "committee_attendance_missed",  # R40, R41
    "inspection_overdue",  # R50
    # version 2 (SCENARIOS.md "Version 2: every checked rule live")
    "notice_late",  # R7
    "meeting_too_short",  # R10
    "review_missing",  # R12
    "leader_absent",  # R16
    "communication_late",  # R22
    "pledge_missing",  # R33
    "annual_report_missing",  # R63
    "cell_too_small",  # R70
    "cell_committee_missing",  # R70
    "retired_in_workplace",  # R72
    "fees_unpaid",  # R74
]
"""What the workflows raise escalations for (stored events keep a plain string)."""


def escalation_key(kind: str, subject: dict[str, str], period: str | None, level: int) -> str:
    """A readable, stable id, e.g. `meeting_missed/cell=c2/2026-02/1`."""
    parts = "/".join(f"{k}={v}" for k, v in sorted(subject.items()))
    return f"{kind}/{parts}/{period or '-'}/{level}"


class Notice(BaseModel):
    model_config = ConfigDict(frozen=True)
    notified_on: date
    recipients: list[str]
    channel: str


NoticeKind = Literal["escalation", "reminder"]
"""Which record a delivery is of."""


def notice_message_id(key: str, round: int, recipient: str) -> str:
    """The `Message-ID` of a notice's message to one recipient: derived, never random,
    so every retry or replay sends (and the server sees) the same id. Round 0 is the
    first notification, n the n-th re-notification (`Escalation.Notified`)."""
    digest = hashlib.sha256(f"{key}|{round}|{recipient}".encode()).hexdigest()[:32]
    return f"<{digest}@chibo>"


def digest_message_id(organisation: str, member: str, day: date) -> str:
    """The `Message-ID` of a member's daily digest (one per member and day)."""
    text = f"digest|{organisation}|{member}|{day.isoformat()}"
    return f"<{hashlib.sha256(text.encode()).hexdigest()[:32]}@chibo>"


class Delivery(BaseModel):
    """One message that reached a recipient's server over a channel (e-mail, webhook)."""

    model_config = ConfigDict(frozen=True)
    channel: str
    recipient: str
    message_id: str
    round: int
    delivered_on: date


class DeliveryRecorded(DomainEvent):
    """Shared body of `Escalation.Delivered` and `Reminder.Delivered` (a base only: never
    stored itself, so it has no topic)."""

    BASE_ONLY: ClassVar[bool] = True

    key: str
    """The notice's key, so a reader needs no other event to name it."""
    channel: str
    recipient: str
    message_id: str
    round: int

    def apply(self, notice: Any) -> None:
        delivery = Delivery(
            channel=self.channel,
            recipient=self.recipient,
            message_id=self.message_id,
            round=self.round,
            delivered_on=self.occurred_on,
        )
        notice.deliveries = [*notice.deliveries, delivery]


def is_delivered(deliveries: Sequence[Delivery], message_id: str, channel: str) -> bool:
    return any(d.message_id == message_id and d.channel == channel for d in deliveries)


class Escalation(Aggregate):
    TOPIC = "chibo.Escalation"
    KIND = "escalation"

    key: str
    organisation: str
    kind: str
    rule: str
    subject: dict[str, str]
    period: str | None
    level: int
    recipients: list[str]
    evidence: list[str]
    details: dict[str, Any]
    raised_on: date
    status: EscalationStatus = "open"
    notices: list[Notice] = Field(default_factory=list)
    deliveries: list[Delivery] = Field(default_factory=list)
    acknowledged_by: str | None = None
    acknowledgement: str | None = None
    resolved_by: str | None = None
    action: str | None = None

    class Raised(Created):
        TOPIC = "chibo.Escalation.Raised"
        key: str
        organisation: str
        kind: str
        rule: str
        subject: dict[str, str]
        period: str | None
        level: int
        recipients: list[str]
        evidence: list[str]
        details: dict[str, Any]

        def create(self) -> Escalation:
            fields = self.model_dump(include=set(Escalation.model_fields) - {"raised_on"})
            return Escalation.start(self, raised_on=self.occurred_on, **fields)

    class Notified(DomainEvent):
        TOPIC = "chibo.Escalation.Notified"
        recipients: list[str]
        channel: str

        def apply(self, esc: Escalation) -> None:
            notice = Notice(
                notified_on=self.occurred_on, recipients=self.recipients, channel=self.channel
            )
            esc.notices = [*esc.notices, notice]

    class Delivered(DeliveryRecorded):
        TOPIC = "chibo.Escalation.Delivered"

    class Acknowledged(DomainEvent):
        TOPIC = "chibo.Escalation.Acknowledged"
        by: str
        note: str

        def apply(self, esc: Escalation) -> None:
            esc.status, esc.acknowledged_by, esc.acknowledgement = (
                "acknowledged",
                self.by,
                self.note,
            )

    class Resolved(DomainEvent):
        TOPIC = "chibo.Escalation.Resolved"
        by: str
        action: str

        def apply(self, esc: Escalation) -> None:
            esc.status, esc.resolved_by, esc.action = "resolved", self.by, self.action

    @staticmethod
    def id_for(key: str) -> Any:
        return aggregate_id(Escalation.KIND, key)

    @classmethod
    def raise_(cls, meta: Meta, **fields: Any) -> Escalation:
        key = escalation_key(fields["kind"], fields["subject"], fields["period"], fields["level"])
        fields["recipients"] = sorted(set(fields["recipients"]))
        esc: Escalation = create(cls.Raised, cls.id_for(key), meta, key=key, **fields)
        return esc

    def notify(self, meta: Meta, recipients: list[str], channel: str) -> bool:
        """Sends an open escalation again; False (nothing recorded) once it was acknowledged
        or resolved, since a follow-up that read it open may race the acknowledgement."""
        if self.status != "open":
            return False
        self.trigger(self.Notified, meta, recipients=sorted(set(recipients)), channel=channel)
        return True

    def record_delivery(
        self, meta: Meta, channel: str, recipient: str, message_id: str, round: int
    ) -> bool:
        """Once per message and channel: False (nothing recorded) when already recorded."""
        told = {*self.recipients, *(m for n in self.notices for m in n.recipients)}
        if recipient not in told:
            raise DomainError(None, f"{recipient} is not a recipient of escalation {self.key}")
        if round > len(self.notices):
            raise DomainError(None, f"escalation {self.key} has no notification round {round}")
        if is_delivered(self.deliveries, message_id, channel):
            return False
        self.trigger(
            self.Delivered,
            meta,
            key=self.key,
            channel=channel,
            recipient=recipient,
            message_id=message_id,
            round=round,
        )
        return True

    def acknowledge(self, meta: Meta, by: str, note: str, supervisor: bool = False) -> None:
        """By a recipient, or a `supervisor` (`domain.access.may_handle_notice`)."""
        if by not in self.recipients and not supervisor:
            raise DomainError(None, f"{by} is not a recipient of escalation {self.key}")
        if self.status != "open":
            raise DomainError(None, f"escalation {self.key} is already {self.status}")
        self.trigger(self.Acknowledged, meta, by=by, note=note)

    def resolve(self, meta: Meta, by: str, action: str, supervisor: bool = False) -> None:
        """By a recipient, or a `supervisor`; resolving records what was done."""
        if by not in self.recipients and not supervisor:
            raise DomainError(None, f"{by} is not a recipient of escalation {self.key}")
        if self.status == "resolved":
            raise DomainError(None, f"escalation {self.key} is already resolved")
        self.trigger(self.Resolved, meta, by=by, action=action)


# --- reminders ---------------------------------------------------------------------------

ReminderKind = Literal[
    "resolution_deadline_approaching",  # R24
    "task_assignment_due",  # R30
    "committee_attendance_due",  # R40, R41
    "pledge_due",  # R33 (version 2)
    "annual_report_due",  # R63 (version 2)
]
"""What the workflows send reminders for (stored events keep a plain string)."""


def reminder_key(kind: str, subject: dict[str, str], on: date) -> str:
    parts = "/".join(f"{k}={v}" for k, v in sorted(subject.items()))
    return f"{kind}/{parts}/{on.isoformat()}"


class Reminder(Aggregate):
    TOPIC = "chibo.Reminder"
    KIND = "reminder"

    key: str
    organisation: str
    kind: str
    rule: str
    subject: dict[str, str]
    period: str | None
    recipients: list[str]
    sent_on: date
    deliveries: list[Delivery] = Field(default_factory=list)

    class Sent(Created):
        TOPIC = "chibo.Reminder.Sent"
        key: str
        organisation: str
        kind: str
        rule: str
        subject: dict[str, str]
        period: str | None
        recipients: list[str]

        def create(self) -> Reminder:
            fields = self.model_dump(include=set(Reminder.model_fields) - {"sent_on"})
            return Reminder.start(self, sent_on=self.occurred_on, **fields)

    class Delivered(DeliveryRecorded):
        TOPIC = "chibo.Reminder.Delivered"

    @staticmethod
    def id_for(key: str) -> Any:
        return aggregate_id(Reminder.KIND, key)

    def record_delivery(
        self, meta: Meta, channel: str, recipient: str, message_id: str, round: int
    ) -> bool:
        """Once per message and channel: False (nothing recorded) when already recorded."""
        if recipient not in self.recipients:
            raise DomainError(None, f"{recipient} is not a recipient of reminder {self.key}")
        if round != 0:
            raise DomainError(None, f"reminder {self.key} is sent once (round 0)")
        if is_delivered(self.deliveries, message_id, channel):
            return False
        self.trigger(
            self.Delivered,
            meta,
            key=self.key,
            channel=channel,
            recipient=recipient,
            message_id=message_id,
            round=round,
        )
        return True

    @classmethod
    def send(cls, meta: Meta, **fields: Any) -> Reminder:
        key = reminder_key(fields["kind"], fields["subject"], meta.occurred_on)
        fields["recipients"] = sorted(set(fields["recipients"]))
        reminder: Reminder = create(cls.Sent, cls.id_for(key), meta, key=key, **fields)
        return reminder


# --- who receives them ----------------------------------------------------------------------

Audience = Literal["in_charge", "cell_secretary", "cell_secretary_and_in_charge", "secretary"]


@dataclass(frozen=True)
class Leaders:
    """Who leads a cell on a day, as the recipient rules read it."""

    organisation_secretary: str
    cell_secretary: str | None = None
    in_charge: str | None = None
    """The committee member in charge of the cell, if it has one."""

    @property
    def supervisor(self) -> str:
        """The one "in charge": the member in charge, else the organisation secretary."""
        return self.in_charge or self.organisation_secretary

    @property
    def secretary_of_cell(self) -> str:
        return self.cell_secretary or self.organisation_secretary


ESCALATED_TO: dict[str, Audience] = {
    "meeting_missed": "in_charge",  # R1
    "thematic_missed": "in_charge",  # R3
    "thematic_plan_missing": "in_charge",  # R4
    "minutes_missing": "in_charge",  # R11
    "attendance_below_target": "in_charge",  # R13
    "absent_streak": "cell_secretary_and_in_charge",  # R14
    "removal_review": "cell_secretary_and_in_charge",  # R15
    "task_assignment_incomplete": "in_charge",  # R30
    "new_member_unassigned": "in_charge",  # R31
    "committee_attendance_missed": "secretary",  # R40, R41
    "inspection_overdue": "secretary",  # R50
    "notice_late": "in_charge",  # R7
    "meeting_too_short": "in_charge",  # R10
    "review_missing": "in_charge",  # R12
    "leader_absent": "in_charge",  # R16
    "communication_late": "in_charge",  # R22
    "pledge_missing": "in_charge",  # R33
    "annual_report_missing": "secretary",  # R63
    "cell_too_small": "in_charge",  # R70
    "cell_committee_missing": "in_charge",  # R70
    "retired_in_workplace": "cell_secretary_and_in_charge",  # R72
    "fees_unpaid": "cell_secretary",  # R74
}


def _audience(audience: Audience, leaders: Leaders) -> list[str]:
    if audience == "in_charge":
        return [leaders.supervisor]
    if audience == "cell_secretary":
        return [leaders.secretary_of_cell]
    if audience == "cell_secretary_and_in_charge":
        return sorted({leaders.secretary_of_cell, leaders.supervisor})
    return [leaders.organisation_secretary]


def escalated_to(kind: str, leaders: Leaders) -> list[str]:
    """Who an escalation of `kind` (other than an overdue resolution) goes to."""
    return _audience(ESCALATED_TO[kind], leaders)


def overdue_escalated_to(level: int, leaders: Leaders, inspector: str) -> list[str]:
    """R24: one rung up per level: the cell secretary and the inspector, then the member
    in charge, then the organisation secretary."""
    if level == 1:
        return [leaders.secretary_of_cell, inspector]
    if level == 2:
        return [leaders.supervisor]
    return [leaders.organisation_secretary]


def deadline_reminded_to(executors: Sequence[str], inspector: str) -> list[str]:
    """R24: a resolution's executors and its inspector, before its deadline."""
    return [*executors, inspector]


def task_reminder_to(leaders: Leaders) -> list[str]:
    """R30: the cell secretary, of a cell with members still without tasks."""
    return _audience("cell_secretary", leaders)


def committee_reminder_to(member: str) -> list[str]:
    """R40, R41: the member who would be escalated."""
    return [member]


def pledge_reminder_to(members: Sequence[str]) -> list[str]:
    """R33: the working members still without a pledge."""
    return sorted(members)


def annual_report_reminder_to(leaders: Leaders) -> list[str]:
    """R63: the organisation secretary."""
    return _audience("secretary", leaders)
