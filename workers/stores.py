"""Opening the stores from settings: the Application (the log) and the read store, each
refused with one readable message when the database is not ready.

Kept apart from the rest of the wiring (the API, Temporal, documents) so that a process
that only reads the log and writes read models, such as each process of a rebuild or of
a verify, starts without importing those: about a second of each such process here.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

import psycopg

from domain.application import ChiboApplication
from projections.backends import open_read_store
from projections.store import ReadStore
from workers.keystore import FileKeyStore
from workers.settings import Settings

REQUIRED_TABLES = {
    "sqlite": ("stored_events", "chibo_chain", "chibo_tracking"),
    "postgres": ("chibo_events", "chibo_chain", "chibo_tracking"),
}
"""Tables `chibo db init` creates that every other command needs."""


class ConfigurationError(Exception):
    """The settings name a database that cannot be used as it is (exit 2)."""


def _create_sqlite_file(settings: Settings) -> None:
    """Creates the SQLite file (and its directory) readable by its owner only; SQLite
    gives the -wal and -shm files the database file's permissions."""
    if settings.backend != "sqlite" or settings.sqlite_path == ":memory:":
        return
    path = Path(settings.sqlite_path)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if name.exists():
            name.chmod(0o600)


def _not_ready(settings: Settings, problem: str) -> ConfigurationError:
    return ConfigurationError(
        f"cơ sở dữ liệu chưa sẵn sàng (database not ready) at {settings.safe_database_url}:"
        f" {problem}"
    )


def _check_sqlite(settings: Settings) -> None:
    path = settings.sqlite_path
    if path == ":memory:":
        return
    if not Path(path).is_file():
        raise _not_ready(
            settings,
            "no such file; check CHIBO_DATABASE_URL, or run `chibo db init` to create it",
        )
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            found = {
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise _not_ready(settings, f"not a readable SQLite database ({error})") from None
    missing = [t for t in REQUIRED_TABLES["sqlite"] if t not in found]
    if missing:
        raise _not_ready(settings, f"missing tables {', '.join(missing)}: run `chibo db init`")


def _connect_postgres(settings: Settings) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(_conninfo(settings), connect_timeout=5)
    except psycopg.Error as error:
        raise _not_ready(settings, f"cannot connect ({_scrub(settings, error)})") from None


def _check_postgres(settings: Settings) -> None:
    with _connect_postgres(settings) as conn:
        found = [
            conn.execute("SELECT to_regclass(%s) IS NOT NULL", (t,)).fetchone()
            for t in REQUIRED_TABLES["postgres"]
        ]
    missing = [
        t for t, row in zip(REQUIRED_TABLES["postgres"], found, strict=True) if not (row and row[0])
    ]
    if missing:
        raise _not_ready(settings, f"missing tables {', '.join(missing)}: run `chibo db init`")


def _conninfo(settings: Settings) -> str:
    return settings.database_url.replace("postgres://", "postgresql://", 1)


def _scrub(settings: Settings, error: BaseException) -> str:
    """The error's first line, without the database password if it quotes it."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    password = settings.eventsourcing_env().get("POSTGRES_PASSWORD")
    return text.replace(password, "***") if password else text


def check_database(settings: Settings) -> None:
    """Refuses, with one readable message, a database that is not there, not reachable
    or not initialised: only `chibo db init` creates one."""
    if settings.backend == "sqlite":
        _check_sqlite(settings)
    else:
        _check_postgres(settings)


def make_app(settings: Settings, *, create_table: bool = False) -> ChiboApplication:
    """The command-side Application; running processes never create tables, and refuse
    a database that `chibo db init` has not made ready."""
    if create_table:
        _create_sqlite_file(settings)
    else:
        check_database(settings)
    return ChiboApplication(
        env=settings.eventsourcing_env(create_table=create_table), personal=personal_keys(settings)
    )


def personal_keys(settings: Settings) -> FileKeyStore | None:
    """The members' keys, when their personal data is sealed (`CHIBO_PERSONAL_KEYS_DIR`)."""
    return FileKeyStore(settings.personal_keys_dir) if settings.personal_keys_dir else None


def make_read_store(settings: Settings, *, check: bool = True) -> ReadStore:
    if check and settings.backend == "sqlite":
        _check_sqlite(settings)  # never a new, empty database
    try:
        return open_read_store(settings.database_url)
    except psycopg.OperationalError as error:
        raise _not_ready(settings, f"cannot connect ({_scrub(settings, error)})") from None
