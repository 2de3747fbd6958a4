"""Where a member's notices go: an e-mail address and whether they want one daily digest.

Personal data (an e-mail address identifies a person), so it is kept outside the
immutable event log, in the read-model database beside the accounts, where it can be
changed and erased (`ContactStore.erase`; an erasure of the member must call it too).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from projections.store import ReadStore

DDL = (
    "CREATE TABLE IF NOT EXISTS chibo_contacts ("
    " organisation TEXT NOT NULL, member TEXT NOT NULL, email TEXT,"
    " digest INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,"
    " PRIMARY KEY (organisation, member))",
)
"""Created by `chibo db init` with every other table."""


class Contact(BaseModel):
    member: str
    email: str | None
    digest: bool
    """True: one daily message instead of one per notice."""


class ContactStore:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def set(
        self, organisation: str, member: str, email: str | None, digest: bool, by: str
    ) -> Contact:
        now = datetime.now(UTC).isoformat()
        with self.store.transaction() as cur:
            cur.execute(
                "DELETE FROM chibo_contacts WHERE organisation = %s AND member = %s",
                (organisation, member),
            )
            cur.execute(
                "INSERT INTO chibo_contacts"
                " (organisation, member, email, digest, updated_at, updated_by)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (organisation, member, email, int(digest), now, by),
            )
        return Contact(member=member, email=email, digest=digest)

    def get(self, organisation: str, member: str) -> Contact | None:
        rows = self.store.query(
            "SELECT email, digest FROM chibo_contacts WHERE organisation = %s AND member = %s",
            (organisation, member),
        )
        if not rows:
            return None
        return Contact(member=member, email=rows[0][0], digest=bool(rows[0][1]))

    def erase(self, organisation: str, member: str) -> None:
        """The member's contact data gone for good (lawful erasure, docs/personal-data.md)."""
        with self.store.transaction() as cur:
            cur.execute(
                "DELETE FROM chibo_contacts WHERE organisation = %s AND member = %s",
                (organisation, member),
            )
