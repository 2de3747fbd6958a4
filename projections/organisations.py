"""Organisations register: every grassroots committee and its leadership."""

from __future__ import annotations

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
    tables = ("rm_organisations",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS rm_organisations ("
        " key TEXT PRIMARY KEY, name TEXT NOT NULL, secretary TEXT NOT NULL,"
        " registered_on TEXT NOT NULL, position BIGINT NOT NULL)",
    )

    @handles(Organisation.Registered)
    def _registered(self, w: Writer, e: Organisation.Registered, position: int) -> None:
        w.insert(
            "rm_organisations",
            ("key", "name", "secretary", "registered_on", "position"),
            (e.key, e.name, e.secretary, e.occurred_on.isoformat(), position),
        )


def list_organisations(store: ReadStore) -> list[OrganisationRow]:
    rows = store.query(
        "SELECT key, name, secretary, registered_on FROM rm_organisations ORDER BY key"
    )
    return [OrganisationRow(key=k, name=n, secretary=s, registered_on=r) for k, n, s, r in rows]
