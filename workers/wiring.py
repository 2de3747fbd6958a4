"""Builds the parts from settings: the Application, the read store, the Temporal client."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api.accounts import DDL as ACCOUNTS_DDL
from api.calendar import DDL as CALENDAR_DDL
from api.contacts import DDL as CONTACTS_DDL
from api.contacts import ContactStore
from api.deps import Services
from audit.moves import DDL as MOVES_DDL
from audit.replay import rebuild_to
from documents.issue import Rebuild
from domain.application import ChiboApplication
from projections.projector import Projector
from projections.registry import all_projections
from projections.scratch import scratch_database
from projections.store import ReadStore
from projections.tracking import DDL as TRACKING_DDL
from projections.tracking import ensure_row, get_position, get_schema, schema_digest, set_schema
from projections.webhooks import DDL as WEBHOOKS_DDL
from workers.settings import Settings
from workers.stores import REQUIRED_TABLES as REQUIRED_TABLES
from workers.stores import ConfigurationError as ConfigurationError
from workers.stores import _connect_postgres
from workers.stores import check_database as check_database
from workers.stores import make_app as make_app
from workers.stores import make_read_store as make_read_store
from workers.stores import personal_keys as personal_keys
from workflows.activities import ChiboActivities, MailConfig


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
        "chibo_moves",
    ]
    try:
        with store.transaction() as cur:
            for statement in (
                *TRACKING_DDL,
                *ACCOUNTS_DDL,
                *CONTACTS_DDL,
                *CALENDAR_DDL,
                *WEBHOOKS_DDL,
                *MOVES_DDL,
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
