"""Organisations register: every grassroots committee and its leadership."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from domain.organisation import Organisation
from projections.projection import Projection, handles
from projections.store import ReadStore, Writer


class OrganisationRow(BaseModel):
    key: str
    name: str
    secretary: str
    registered_on: str


class OrganisationsProjection(Projection):
    name = "organisations"
    tables = ("rm_organisations", "rm_annual_reports")
    ddl = (
        "CREATE TABLE IF NOT EXISTS rm_organisations ("
        " key TEXT PRIMARY KEY, name TEXT NOT NULL, secretary TEXT NOT NULL,"
        " registered_on TEXT NOT NULL, position BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_annual_reports ("
        " stream TEXT NOT NULL, year INTEGER NOT NULL, submitted_on TEXT NOT NULL,"
        " summary TEXT NOT NULL, PRIMARY KEY (stream, year))",
    )

    @handles(Organisation.Registered)
    def _registered(self, w: Writer, e: Organisation.Registered, position: int) -> None:
        w.insert(
            "rm_organisations",
            ("key", "name", "secretary", "registered_on", "position"),
            (e.key, e.name, e.secretary, e.occurred_on.isoformat(), position),
        )

    @handles(Organisation.AnnualReportSubmitted)
    def _annual_report(
        self, w: Writer, e: Organisation.AnnualReportSubmitted, position: int
    ) -> None:
        w.insert(
            "rm_annual_reports",
            ("stream", "year", "submitted_on", "summary"),
            (str(e.originator_id), e.year, e.occurred_on.isoformat(), e.summary),
        )


def annual_report_on(store: ReadStore, organisation: str, year: int) -> date | None:
    """The day the organisation's report on `year` was submitted (R63), if it was."""
    rows = store.query(
        "SELECT submitted_on FROM rm_annual_reports WHERE stream = %s AND year = %s",
        (str(Organisation.id_for(organisation)), year),
    )
    return date.fromisoformat(str(rows[0][0])) if rows else None


class AnnualReportRow(BaseModel):
    """The organisation's report on a year (R63)."""

    year: int
    submitted_on: date
    summary: str


def annual_report(store: ReadStore, organisation: str, year: int) -> AnnualReportRow | None:
    """The organisation's report on `year` as submitted (R63), if it was."""
    rows = store.query(
        "SELECT submitted_on, summary FROM rm_annual_reports WHERE stream = %s AND year = %s",
        (str(Organisation.id_for(organisation)), year),
    )
    if not rows:
        return None
    on, summary = rows[0]
    return AnnualReportRow(year=year, submitted_on=date.fromisoformat(str(on)), summary=summary)


def list_organisations(store: ReadStore) -> list[OrganisationRow]:
    rows = store.query(
        "SELECT key, name, secretary, registered_on FROM rm_organisations ORDER BY key"
    )
    return [OrganisationRow(key=k, name=n, secretary=s, registered_on=r) for k, n, s, r in rows]


def registered_on(store: ReadStore, organisation: str) -> date | None:
    """The day the organisation was registered: chibo judges nothing before it."""
    rows = store.query("SELECT registered_on FROM rm_organisations WHERE key = %s", (organisation,))
    return date.fromisoformat(str(rows[0][0])) if rows else None
