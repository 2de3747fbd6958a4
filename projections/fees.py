"""Party fees (R74): the months each member has paid, and when."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from domain.fees import FeeLedger
from projections.projection import Lookup, Projection, handles
from projections.store import ReadStore, Writer


class FeeRow(BaseModel):
    member: str
    month: str
    paid_on: date


class FeesProjection(Projection):
    name = "fees"
    tables = ("rm_fee_ledgers", "rm_fees")
    ddl = (
        "CREATE TABLE IF NOT EXISTS rm_fee_ledgers ("
        " stream TEXT PRIMARY KEY, organisation TEXT NOT NULL, member TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_fees ("
        " organisation TEXT NOT NULL, member TEXT NOT NULL, month TEXT NOT NULL,"
        " paid_on TEXT NOT NULL, PRIMARY KEY (organisation, member, month))",
    )

    def __init__(self) -> None:
        self._ledgers = Lookup("SELECT organisation, member FROM rm_fee_ledgers WHERE stream = %s")

    def forget(self) -> None:
        self._ledgers.forget()

    @handles(FeeLedger.Opened)
    def _opened(self, w: Writer, e: FeeLedger.Opened, position: int) -> None:
        stream = str(e.originator_id)
        w.insert(
            "rm_fee_ledgers",
            ("stream", "organisation", "member"),
            (stream, e.organisation, e.member),
        )
        self._ledgers.put(stream, (e.organisation, e.member))

    @handles(FeeLedger.Paid)
    def _paid(self, w: Writer, e: FeeLedger.Paid, position: int) -> None:
        found = self._ledgers.get(w, str(e.originator_id))
        if found is None:
            raise LookupError(f"fee ledger {e.originator_id} was never opened")
        organisation, member = found
        for month in e.months:
            w.insert(
                "rm_fees",
                ("organisation", "member", "month", "paid_on"),
                (organisation, member, month, e.occurred_on.isoformat()),
            )


def paid_months(store: ReadStore, organisation: str, member: str) -> dict[str, date]:
    """The months the member has paid (`YYYY-MM` → the day paid)."""
    rows = store.query(
        "SELECT month, paid_on FROM rm_fees WHERE organisation = %s AND member = %s",
        (organisation, member),
    )
    return {str(m): date.fromisoformat(str(on)) for m, on in rows}


def fees_of(store: ReadStore, organisation: str, year: int) -> dict[str, dict[str, date]]:
    """Every member's paid months of `year` (member → month → day paid): the register."""
    rows = store.query(
        "SELECT member, month, paid_on FROM rm_fees WHERE organisation = %s"
        " AND month >= %s AND month <= %s ORDER BY member, month",
        (organisation, f"{year}-01", f"{year}-12"),
    )
    found: dict[str, dict[str, date]] = {}
    for member, month, on in rows:
        found.setdefault(str(member), {})[str(month)] = date.fromisoformat(str(on))
    return found
