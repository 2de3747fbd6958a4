"""Reminders sent (R24, R30, R40, R41): who was told what, and when."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from domain.notices import Reminder
from projections.codec import from_json, to_json
from projections.projection import Projection, handles
from projections.store import ReadStore, Writer


class ReminderRow(BaseModel):
    key: str
    organisation: str
    kind: str
    rule: str
    subject: dict[str, str]
    period: str | None
    sent_on: date
    recipients: list[str]


class RemindersProjection(Projection):
    name = "reminders"
    tables = ("rm_reminders",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS rm_reminders ("
        " reminder TEXT PRIMARY KEY, organisation TEXT NOT NULL, kind TEXT NOT NULL,"
        " rule TEXT NOT NULL, subject TEXT NOT NULL, period TEXT, sent_on TEXT NOT NULL,"
        " recipients TEXT NOT NULL)",
    )

    @handles(Reminder.Sent)
    def _sent(self, w: Writer, e: Reminder.Sent, position: int) -> None:
        w.insert(
            "rm_reminders",
            _COLUMNS,
            (
                e.key,
                e.organisation,
                e.kind,
                e.rule,
                to_json(e.subject),
                e.period,
                e.occurred_on.isoformat(),
                to_json(sorted(e.recipients)),
            ),
        )


_COLUMNS = (
    "reminder",
    "organisation",
    "kind",
    "rule",
    "subject",
    "period",
    "sent_on",
    "recipients",
)


def reminders(store: ReadStore, organisation: str | None = None) -> list[ReminderRow]:
    where, params = ("WHERE organisation = %s", [organisation]) if organisation else ("", [])
    rows = store.query(
        "SELECT reminder, organisation, kind, rule, subject, period, sent_on, recipients"
        f" FROM rm_reminders {where} ORDER BY sent_on, reminder",
        params,
    )
    return [
        ReminderRow(
            key=key,
            organisation=org,
            kind=kind,
            rule=rule,
            subject=from_json(subject),
            period=period,
            sent_on=date.fromisoformat(sent_on),
            recipients=from_json(recipients),
        )
        for key, org, kind, rule, subject, period, sent_on, recipients in rows
    ]
