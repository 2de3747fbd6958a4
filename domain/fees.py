"""FeeLedger (sổ đảng phí): one per member of an organisation, the months paid (R74).

Party fees are paid every month; a month may be paid in advance or late. Paying a
month already paid changes nothing, so a retried or repeated payment is harmless.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import Field

from domain.aggregate import Aggregate, Created, create
from domain.errors import DomainError
from domain.events import DomainEvent, Meta
from domain.ids import aggregate_id

MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def ledger_key(organisation: str, member: str) -> str:
    return f"{organisation}/{member}"


def checked_months(months: list[str]) -> list[str]:
    """R74: each a month `YYYY-MM` (sorted, without repeats), else the whole payment is
    refused naming the month."""
    for month in months:
        found = MONTH.fullmatch(month)
        if found is None or not 1900 <= int(found.group(1)) <= 2999:
            raise DomainError("R74", f"{month!r} is not a month YYYY-MM")
    if not months:
        raise DomainError("R74", "a payment names at least one month")
    return sorted(set(months))


class FeeLedger(Aggregate):
    TOPIC = "chibo.FeeLedger"
    KIND = "fees"

    key: str
    organisation: str
    member: str
    paid: dict[str, date] = Field(default_factory=dict)
    """month `YYYY-MM` → the day it was paid."""

    class Opened(Created):
        TOPIC = "chibo.FeeLedger.Opened"
        key: str
        organisation: str
        member: str

        def create(self) -> FeeLedger:
            return FeeLedger.start(
                self, key=self.key, organisation=self.organisation, member=self.member
            )

    class Paid(DomainEvent):
        TOPIC = "chibo.FeeLedger.Paid"
        months: list[str]

        def apply(self, ledger: FeeLedger) -> None:
            ledger.paid = {**ledger.paid, **dict.fromkeys(self.months, self.occurred_on)}

    @staticmethod
    def id_for(key: str) -> Any:
        return aggregate_id(FeeLedger.KIND, key)

    @classmethod
    def open(cls, meta: Meta, organisation: str, member: str) -> FeeLedger:
        key = ledger_key(organisation, member)
        ledger: FeeLedger = create(
            cls.Opened, cls.id_for(key), meta, key=key, organisation=organisation, member=member
        )
        return ledger

    def pay(self, meta: Meta, months: list[str]) -> list[str]:
        """Records the months not paid yet; returns them (none: nothing recorded)."""
        new = [m for m in checked_months(months) if m not in self.paid]
        if new:
            self.trigger(self.Paid, meta, months=new)
        return new
