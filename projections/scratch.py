"""Scratch databases: a new, empty database of a given kind, removed afterwards.

The one helper behind every throw-away store: the simulator's (`chibo simulate`, the
tests' recorded histories) and the replay check's (`chibo audit replay`). It only makes
and removes the database; the caller creates the tables in it (the composition root's
`init_db`), so nothing here needs the settings.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


@contextmanager
def scratch_database(like: str, purpose: str) -> Iterator[str]:
    """The URL of a new, empty database of the same kind as the URL `like`, gone afterwards.

    SQLite (`sqlite://…`): `<purpose>.db` in a temporary directory `chibo-<purpose>-*`.
    PostgreSQL: a database `<db>_<purpose>_<random>` on `like`'s server (beside the live
    one, or beside the admin database `postgres`), dropped even while still connected.
    """
    if urlsplit(like).scheme == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"chibo-{purpose}-") as tmp:
            yield f"sqlite:///{Path(tmp) / f'{purpose}.db'}"
        return
    server = like.replace("postgres://", "postgresql://", 1)
    parts = urlsplit(server)
    name = f"{(parts.path.lstrip('/') or 'postgres')[:40]}_{purpose}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
