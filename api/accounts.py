"""Accounts, sessions, login throttling and the readers' access log.

Kept in the read-model database, outside the immutable event log: credentials must be
changeable and erasable. Passwords are Argon2 hashes (argon2-cffi); a session token is
random and stored only as its SHA-256, so a database reader cannot use it; disabling an
account ends its sessions at once. Everything a person *does* is in the event log with
that person as actor; this module only says who they are.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel

from domain.access import Caller
from projections.store import ReadStore

DDL = (
    "CREATE TABLE IF NOT EXISTS chibo_accounts ("
    " organisation TEXT NOT NULL, member TEXT NOT NULL, password_hash TEXT NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,"
    " PRIMARY KEY (organisation, member))",
    "CREATE TABLE IF NOT EXISTS chibo_sessions ("
    " token_hash TEXT PRIMARY KEY, organisation TEXT NOT NULL, member TEXT NOT NULL,"
    " expires_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS chibo_login_attempts ("
    " username TEXT NOT NULL, address TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS chibo_login_attempts_at ON chibo_login_attempts (at)",
    "CREATE TABLE IF NOT EXISTS chibo_access_log ("
    " at TEXT NOT NULL, organisation TEXT NOT NULL, member TEXT NOT NULL,"
    " cell TEXT NOT NULL, record TEXT NOT NULL, path TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS chibo_access_log_org ON chibo_access_log (organisation, at)",
)
"""Created by `chibo db init` with every other table."""

TOKEN_TTL = timedelta(hours=8)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_FAILURES = 5
"""Failed logins allowed per account, and per address, in the window before 429."""

_hasher = PasswordHasher()


TOKEN_SEPARATOR = "~"
"""Between a token's organisation and its random part (in neither's alphabet)."""


def new_token(organisation: str) -> str:
    """A credential that says which organisation it is for (so one front can route it to
    its partition, `api/front.py`) and is otherwise random."""
    return f"{organisation}{TOKEN_SEPARATOR}{secrets.token_urlsafe(32)}"


def token_organisation(token: str | None) -> str | None:
    """The organisation a token was issued for (None: not one of ours)."""
    if not token or TOKEN_SEPARATOR not in token:
        return None
    return token.split(TOKEN_SEPARATOR, 1)[0] or None


class AccountError(Exception):
    """A refused account operation (unknown, exists, disabled)."""


class BadCredentialsError(Exception):
    pass


class ThrottledError(Exception):
    pass


class AccountRow(BaseModel):
    organisation: str
    member: str
    disabled: bool
    created_at: str


class AccessRow(BaseModel):
    at: str
    organisation: str
    member: str
    cell: str
    record: str
    path: str


@dataclass(frozen=True)
class Session:
    token: str
    expires_in: int


def username(caller: Caller) -> str:
    return f"{caller.member}@{caller.organisation}"


def parse_username(name: str) -> Caller | None:
    member, at, organisation = name.partition("@")
    if not at or not member or not organisation:
        return None
    return Caller(organisation=organisation, member=member)


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountStore:
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    def add(self, caller: Caller, password: str) -> None:
        with self.store.transaction() as cur:
            cur.execute(
                "SELECT 1 FROM chibo_accounts WHERE organisation = %s AND member = %s",
                (caller.organisation, caller.member),
            )
            if cur.fetchone() is not None:
                raise AccountError(f"tài khoản đã có (account exists): {username(caller)}")
            cur.execute(
                "INSERT INTO chibo_accounts (organisation, member, password_hash, created_at)"
                " VALUES (%s, %s, %s, %s)",
                (caller.organisation, caller.member, _hasher.hash(password), _now().isoformat()),
            )

    def set_disabled(self, caller: Caller, disabled: bool) -> None:
        with self.store.transaction() as cur:
            cur.execute(
                "UPDATE chibo_accounts SET disabled = %s WHERE organisation = %s AND member = %s",
                (int(disabled), caller.organisation, caller.member),
            )
            cur.execute(
                "SELECT 1 FROM chibo_accounts WHERE organisation = %s AND member = %s",
                (caller.organisation, caller.member),
            )
            if cur.fetchone() is None:
                raise AccountError(f"không có tài khoản (no account): {username(caller)}")
            if disabled:  # revoked at once: its tokens stop working
                cur.execute(
                    "DELETE FROM chibo_sessions WHERE organisation = %s AND member = %s",
                    (caller.organisation, caller.member),
                )

    def accounts(self) -> list[AccountRow]:
        rows = self.store.query(
            "SELECT organisation, member, disabled, created_at FROM chibo_accounts"
            " ORDER BY organisation, member"
        )
        return [
            AccountRow(organisation=o, member=m, disabled=bool(d), created_at=str(c))
            for o, m, d, c in rows
        ]

    def login(self, name: str, password: str, address: str) -> Session:
        """A new session for valid credentials; `ThrottledError` after too many failures
        for the account or from the address; `BadCredentialsError` otherwise."""
        now = _now()
        since = (now - THROTTLE_WINDOW).isoformat()
        with self.store.transaction() as cur:
            cur.execute(
                "SELECT"
                " (SELECT COUNT(*) FROM chibo_login_attempts WHERE username = %s AND at > %s),"
                " (SELECT COUNT(*) FROM chibo_login_attempts WHERE address = %s AND at > %s)",
                (name, since, address, since),
            )
            row = cur.fetchone()
        if row is not None and max(int(row[0]), int(row[1])) >= THROTTLE_FAILURES:
            raise ThrottledError(name)
        caller = parse_username(name)
        if caller is None or not self._password_ok(caller, password):
            with self.store.transaction() as cur:
                cur.execute(
                    "INSERT INTO chibo_login_attempts (username, address, at) VALUES (%s, %s, %s)",
                    (name, address, now.isoformat()),
                )
            raise BadCredentialsError(name)
        token = new_token(caller.organisation)
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO chibo_sessions (token_hash, organisation, member, expires_at)"
                " VALUES (%s, %s, %s, %s)",
                (_digest(token), caller.organisation, caller.member, (now + TOKEN_TTL).isoformat()),
            )
            cur.execute("DELETE FROM chibo_sessions WHERE expires_at < %s", (now.isoformat(),))
        return Session(token=token, expires_in=int(TOKEN_TTL.total_seconds()))

    def _password_ok(self, caller: Caller, password: str) -> bool:
        rows = self.store.query(
            "SELECT password_hash FROM chibo_accounts"
            " WHERE organisation = %s AND member = %s AND disabled = 0",
            (caller.organisation, caller.member),
        )
        if not rows:
            _hasher.hash(password)  # the same work either way: no timing hint
            return False
        try:
            return bool(_hasher.verify(str(rows[0][0]), password))
        except (VerificationError, InvalidHashError):
            return False

    def caller_for(self, token: str) -> Caller | None:
        """The member a live session token belongs to (None: unknown, expired, disabled)."""
        rows = self.store.query(
            "SELECT s.organisation, s.member FROM chibo_sessions s JOIN chibo_accounts a"
            " ON a.organisation = s.organisation AND a.member = s.member"
            " WHERE s.token_hash = %s AND s.expires_at > %s AND a.disabled = 0",
            (_digest(token), _now().isoformat()),
        )
        return Caller(organisation=str(rows[0][0]), member=str(rows[0][1])) if rows else None

    def logout(self, token: str) -> None:
        """The session ends now (the cookie or bearer token no longer works)."""
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM chibo_sessions WHERE token_hash = %s", (_digest(token),))

    def log_read(self, caller: Caller, cell: str, record: str, path: str) -> None:
        """A read of a cell's records by someone outside that cell (append-only)."""
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO chibo_access_log (at, organisation, member, cell, record, path)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (_now().isoformat(), caller.organisation, caller.member, cell, record, path),
            )

    def access_log(self, organisation: str, limit: int = 1000) -> list[AccessRow]:
        rows = self.store.query(
            "SELECT at, organisation, member, cell, record, path FROM chibo_access_log"
            " WHERE organisation = %s ORDER BY at DESC LIMIT %s",
            (organisation, limit),
        )
        return [
            AccessRow(at=str(a), organisation=o, member=m, cell=c, record=r, path=p)
            for a, o, m, c, r, p in rows
        ]
