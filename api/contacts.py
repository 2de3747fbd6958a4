"""Where a member's notices go: an e-mail address, whether they want one daily digest,
and which kinds of notice they want by e-mail.

Personal data (an e-mail address identifies a person), so it is kept outside the
immutable event log, in the read-model database beside the accounts, where it can be
changed and erased (`ContactStore.erase`; an erasure of the member must call it too).
When members' personal data is sealed (`CHIBO_PERSONAL_KEYS_DIR`), the address is
stored sealed under the member's own key, like their name in the log: a copy of the
database shows no address, and erasing the key makes every copy unreadable.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from domain.personal import PersonalDataCipher
from projections.store import ReadStore

SEALED = "sealed:"
"""Prefix of an address stored sealed (an address never starts with it)."""

DDL = (
    "CREATE TABLE IF NOT EXISTS chibo_contacts ("
    " organisation TEXT NOT NULL, member TEXT NOT NULL, email TEXT,"
    " digest INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,"
    " PRIMARY KEY (organisation, member))",
    # Its own table (not a new column): `CREATE … IF NOT EXISTS` brings a database made
    # before preferences existed up to date on both backends, with no ALTER to guard.
    "CREATE TABLE IF NOT EXISTS chibo_contact_kinds ("
    " organisation TEXT NOT NULL, member TEXT NOT NULL, kind TEXT NOT NULL,"
    " PRIMARY KEY (organisation, member, kind))",
)
"""Created by `chibo db init` with every other table (also on an existing database)."""

TABLES = ("chibo_contacts", "chibo_contact_kinds")


class Contact(BaseModel):
    member: str
    email: str | None
    digest: bool
    """True: one daily message instead of one per notice."""
    kinds: list[str] = Field(default_factory=list)
    """The notice kinds wanted by e-mail (`resolution_overdue`, …); empty: every kind."""

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class ContactStore:
    def __init__(self, store: ReadStore, cipher: PersonalDataCipher | None = None) -> None:
        self.store, self.cipher = store, cipher

    @staticmethod
    def _context(organisation: str) -> str:
        return f"contact.email:{organisation}"

    def _seal(self, organisation: str, member: str, email: str | None) -> str | None:
        if email is None or self.cipher is None:
            return email
        return SEALED + self.cipher.seal(member, self._context(organisation), email)

    def _open(self, organisation: str, member: str, stored: str | None) -> str | None:
        """The address (None when there is none, or its key was erased)."""
        if stored is None or not stored.startswith(SEALED):
            return stored
        if self.cipher is None:
            return None
        return self.cipher.open(member, self._context(organisation), stored[len(SEALED) :])

    def set(
        self,
        organisation: str,
        member: str,
        email: str | None,
        digest: bool,
        by: str,
        kinds: list[str] | None = None,
    ) -> Contact:
        now = datetime.now(UTC).isoformat()
        wanted = sorted(set(kinds or []))
        with self.store.transaction() as cur:
            for table in TABLES:
                cur.execute(
                    f"DELETE FROM {table} WHERE organisation = %s AND member = %s",
                    (organisation, member),
                )
            cur.execute(
                "INSERT INTO chibo_contacts"
                " (organisation, member, email, digest, updated_at, updated_by)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    organisation,
                    member,
                    self._seal(organisation, member, email),
                    int(digest),
                    now,
                    by,
                ),
            )
            for kind in wanted:
                cur.execute(
                    "INSERT INTO chibo_contact_kinds (organisation, member, kind)"
                    " VALUES (%s, %s, %s)",
                    (organisation, member, kind),
                )
        return Contact(member=member, email=email, digest=digest, kinds=wanted)

    def get(self, organisation: str, member: str) -> Contact | None:
        rows = self.store.query(
            "SELECT email, digest FROM chibo_contacts WHERE organisation = %s AND member = %s",
            (organisation, member),
        )
        if not rows:
            return None
        kinds = self.store.query(
            "SELECT kind FROM chibo_contact_kinds WHERE organisation = %s AND member = %s"
            " ORDER BY kind",
            (organisation, member),
        )
        return Contact(
            member=member,
            email=self._open(organisation, member, rows[0][0]),
            digest=bool(rows[0][1]),
            kinds=[row[0] for row in kinds],
        )

    def digest_members(self, organisation: str) -> list[Contact]:
        """Members of `organisation` who chose one daily message (with an address)."""
        rows = self.store.query(
            "SELECT member FROM chibo_contacts WHERE organisation = %s AND digest = 1"
            " AND email IS NOT NULL ORDER BY member",
            (organisation,),
        )
        found = [self.get(organisation, row[0]) for row in rows]
        return [contact for contact in found if contact is not None]

    def erase(self, organisation: str, member: str) -> None:
        """The member's contact data gone for good (lawful erasure, docs/personal-data.md)."""
        with self.store.transaction() as cur:
            for table in TABLES:
                cur.execute(
                    f"DELETE FROM {table} WHERE organisation = %s AND member = %s",
                    (organisation, member),
                )
