"""Reminder: a notice to whoever must act, before a deadline (R24, R30, R40, R41).

Its id derives from (kind, subject, date), so a reminder is sent once, however often
a workflow retries.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from domain.aggregate import Aggregate, Created, create
from domain.events import Meta
from domain.ids import aggregate_id

ReminderKind = Literal[
    "resolution_deadline_approaching",  # R24
    "task_assignment_due",  # R30
    "committee_attendance_due",  # R40, R41
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

    @staticmethod
    def id_for(key: str) -> Any:
        return aggregate_id(Reminder.KIND, key)

    @classmethod
    def send(cls, meta: Meta, **fields: Any) -> Reminder:
        key = reminder_key(fields["kind"], fields["subject"], meta.occurred_on)
        fields["recipients"] = sorted(set(fields["recipients"]))
        reminder: Reminder = create(cls.Sent, cls.id_for(key), meta, key=key, **fields)
        return reminder
