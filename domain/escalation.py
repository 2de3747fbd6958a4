"""Escalation: a missed quota or deadline put before supervisors, with its evidence.

Its stream id derives from (kind, subject, period, level), so the same escalation
can never be raised twice, whoever raises it and however often.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

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

    def notify(self, meta: Meta, recipients: list[str], channel: str) -> None:
        self.trigger(self.Notified, meta, recipients=sorted(set(recipients)), channel=channel)

    def acknowledge(self, meta: Meta, by: str, note: str) -> None:
        if by not in self.recipients:
            raise DomainError(None, f"{by} is not a recipient of escalation {self.key}")
        if self.status != "open":
            raise DomainError(None, f"escalation {self.key} is already {self.status}")
        self.trigger(self.Acknowledged, meta, by=by, note=note)

    def resolve(self, meta: Meta, by: str, action: str) -> None:
        if by not in self.recipients:
            raise DomainError(None, f"{by} is not a recipient of escalation {self.key}")
        if self.status == "resolved":
            raise DomainError(None, f"escalation {self.key} is already resolved")
        self.trigger(self.Resolved, meta, by=by, action=action)
