"""Builds the parts from settings: the Application, the read store, the Temporal client."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from domain.application import ChiboApplication
from projections.backends import open_read_store
from projections.registry import all_projections
from projections.store import ReadStore
from projections.tracking import DDL as TRACKING_DDL
from projections.tracking import ensure_row
from workers.keystore import FileKeyStore
from workers.settings import Settings


def _ensure_sqlite_dir(settings: Settings) -> None:
    if settings.backend == "sqlite" and settings.sqlite_path != ":memory:":
        Path(settings.sqlite_path).parent.mkdir(parents=True, exist_ok=True)


def make_app(settings: Settings, *, create_table: bool = False) -> ChiboApplication:
    """The command-side Application; running processes never create tables."""
    _ensure_sqlite_dir(settings)
    keys = FileKeyStore(settings.personal_keys_dir) if settings.personal_keys_dir else None
    return ChiboApplication(
        env=settings.eventsourcing_env(create_table=create_table), personal=keys
    )


def make_read_store(settings: Settings) -> ReadStore:
    _ensure_sqlite_dir(settings)
    return open_read_store(settings.database_url)


def init_db(settings: Settings) -> list[str]:
    """Creates every table (events, snapshots, tracking, read models); safe to repeat."""
    app = make_app(settings, create_table=True)
    app.close()
    store = make_read_store(settings)
    created = ["chibo_events", "chibo_snapshots", "chibo_tracking"]
    try:
        with store.transaction() as cur:
            for statement in TRACKING_DDL:
                cur.execute(statement)
            for projection in all_projections():
                for statement in projection.ddl:
                    cur.execute(statement)
                ensure_row(cur, projection.name)
                created.extend(projection.tables)
    finally:
        store.close()
    return created


async def connect_temporal(settings: Settings) -> Client:
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )
