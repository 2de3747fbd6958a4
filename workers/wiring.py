"""Builds the parts from settings: the Application, the read store, the Temporal client."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api.accounts import DDL as ACCOUNTS_DDL
from api.calendar import DDL as CALENDAR_DDL
from api.contacts import DDL as CONTACTS_DDL
from api.contacts import ContactStore
from api.deps import Services
from audit.replay import rebuild_to
from documents.issue import Rebuild
from domain.application import ChiboApplication
from projections.backends import open_read_store
from projections.projector import Projector
from projections.registry import all_projections
from projections.scratch import scratch_database
from projections.store import ReadStore
from projections.tracking import DDL as TRACKING_DDL
from projections.tracking import ensure_row, get_position, get_schema, schema_digest, set_schema
from projections.webhooks import DDL as WEBHOOKS_DDL
from workers.keystore import FileKeyStore
from workers.settings import Settings
from workflows.activities import ChiboActivities, MailConfig

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


def init_db(settings: Settings) -> list[str]:
    """Creates every table (events, snapshots, tracking, read models); safe to repeat."""
    if settings.backend == "postgres":
        _connect_postgres(settings).close()  # one clear message, not a pool's timeout
    app = make_app(settings, create_table=True)
    store = make_read_store(settings, check=False)
    created = [
        "chibo_events",
        "chibo_snapshots",
        "chibo_tracking",
        "chibo_accounts",
        "chibo_contacts",
        "chibo_calendar_tokens",
        "chibo_contact_kinds",
        "chibo_webhooks",
        "chibo_webhook_deliveries",
    ]
    try:
        with store.transaction() as cur:
            for statement in (
                *TRACKING_DDL,
                *ACCOUNTS_DDL,
                *CONTACTS_DDL,
                *CALENDAR_DDL,
                *WEBHOOKS_DDL,
            ):
                cur.execute(statement)
            outdated = []
            for projection in all_projections():
                digest = schema_digest(projection.ddl)
                known = get_schema(cur, projection.name)
                ensure_row(cur, projection.name)
                # A layout this code did not create (changed since, or from before
                # layouts were recorded, with rows in it): dropped and rebuilt from the log.
                if known != digest and (known is not None or get_position(cur, projection.name)):
                    outdated.append(projection)
                else:
                    for statement in projection.ddl:
                        cur.execute(statement)
                set_schema(cur, projection.name, digest)
                created.extend(projection.tables)
        if outdated:
            # Empty tables at position 0: the projector refills them from the log.
            Projector(app, store, outdated).reset()
    finally:
        store.close()
        app.close()
    return created


def mail_config(settings: Settings) -> MailConfig:
    return MailConfig(
        smtp_url=settings.effective_smtp_url,
        sender=settings.mail_from,
        public_url=settings.effective_public_url,
    )


def make_activities(settings: Settings, app: ChiboApplication) -> ChiboActivities:
    """The worker's activities: the records, the read models, the contacts and the mail."""
    return ChiboActivities(
        app,
        lambda: make_read_store(settings),
        mail=mail_config(settings),
        contacts=lambda store: ContactStore(store, app.personal),
    )


async def connect_temporal(settings: Settings) -> Client:
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )


def make_api_services(settings: Settings, *, project_inline: bool = False) -> Services:
    """What the HTTP API works with: the Application and per-thread read stores."""
    return Services(
        app=make_app(settings),
        open_store=lambda: make_read_store(settings),
        project_inline=project_inline,
        check_temporal=lambda: _temporal_reachable(settings),
        audit_key_path=settings.audit_key_path,
        mail_dir=None if settings.smtp_url else settings.mail_dir,
    )


def _temporal_reachable(settings: Settings) -> bool:
    host, _, port = settings.effective_temporal_address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=1):
            return True
    except (OSError, ValueError):
        return False


def document_rebuild(settings: Settings, app: ChiboApplication) -> Rebuild:
    """The read models a document was drawn at, rebuilt from the log into a scratch
    database of the live one's kind (`chibo audit verify-document` of a report)."""

    @contextlib.contextmanager
    def rebuilt(positions: dict[str, int]) -> Iterator[ReadStore]:
        with scratch_database(settings.database_url, "document") as url:
            scratch_settings = Settings(database_url=url)
            init_db(scratch_settings)
            scratch = make_read_store(scratch_settings)
            try:
                chosen = [p for p in all_projections() if p.name in positions]
                rebuild_to(app, scratch, chosen, positions, settings.projector_batch_size)
                yield scratch
            finally:
                scratch.close()

    return rebuilt
