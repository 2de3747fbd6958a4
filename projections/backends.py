"""Picks the read store's backend from the database URL."""

from __future__ import annotations

from projections.postgres import PostgresReadStore
from projections.sqlite import SQLiteReadStore
from projections.store import ReadStore


def open_read_store(database_url: str) -> ReadStore:
    if database_url.startswith("sqlite:///"):
        return SQLiteReadStore(database_url.removeprefix("sqlite:///"))
    return PostgresReadStore(database_url.replace("postgres://", "postgresql://", 1))
