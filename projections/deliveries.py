"""Deliveries: when and how each person was told of each notice (e-mail, webhook), so
the inbox and a notice's page can show it."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from domain.notices import Escalation, Reminder
from projections.projection import Projection, handles
from projections.store import ReadStore, Writer


class DeliveryRow(BaseModel):
    notice: str
    """`escalation` or `reminder`."""
    key: str
    round: int
    recipient: str
    channel: str
    message_id: str
    delivered_on: date


class DeliveriesProjection(Projection):
    name = "deliveries"
    tables = ("rm_deliveries",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS rm_deliveries ("
        " message_id TEXT NOT NULL, channel TEXT NOT NULL, notice TEXT NOT NULL,"
        " notice_key TEXT NOT NULL, round INTEGER NOT NULL, recipient TEXT NOT NULL,"
        " delivered_on TEXT NOT NULL, PRIMARY KEY (notice, notice_key, message_id, channel))",
        "CREATE INDEX IF NOT EXISTS rm_deliveries_recipient ON rm_deliveries (recipient)",
    )

    def _insert(self, w: Writer, notice: str, e: Escalation.Delivered | Reminder.Delivered) -> None:
        w.insert(
            "rm_deliveries",
            _COLUMNS,
            (
                e.message_id,
                e.channel,
                notice,
                e.key,
                e.round,
                e.recipient,
                e.occurred_on.isoformat(),
            ),
        )

    @handles(Escalation.Delivered)
    def _escalation(self, w: Writer, e: Escalation.Delivered, position: int) -> None:
        self._insert(w, "escalation", e)

    @handles(Reminder.Delivered)
    def _reminder(self, w: Writer, e: Reminder.Delivered, position: int) -> None:
        self._insert(w, "reminder", e)


_COLUMNS = (
    "message_id",
    "channel",
    "notice",
    "notice_key",
    "round",
    "recipient",
    "delivered_on",
)


def deliveries(store: ReadStore, notice: str, key: str) -> list[DeliveryRow]:
    """Every recorded delivery of one notice, in the order recorded."""
    return _select(store, "notice = %s AND notice_key = %s", [notice, key])


def deliveries_to(store: ReadStore, member: str) -> list[DeliveryRow]:
    """Every recorded delivery to `member`, oldest first."""
    return _select(store, "recipient = %s", [member])


def _select(store: ReadStore, where: str, params: list[Any]) -> list[DeliveryRow]:
    rows = store.query(
        "SELECT notice, notice_key, round, recipient, channel, message_id, delivered_on"
        f" FROM rm_deliveries WHERE {where} ORDER BY delivered_on, notice_key, round, recipient",
        params,
    )
    return [
        DeliveryRow(
            notice=notice,
            key=key,
            round=int(round_),
            recipient=recipient,
            channel=channel,
            message_id=message_id,
            delivered_on=date.fromisoformat(on),
        )
        for notice, key, round_, recipient, channel, message_id, on in rows
    ]
