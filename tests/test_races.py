"""Races between OS processes on PostgreSQL: commands that lose a race are decided again
on fresh state, a command applied by another process reports "already applied", and a
member's key file is made once, atomically, whoever asks for it first.

Each worker is a separate process (spawned, so nothing is shared but the database and
the key directory); a barrier starts them together."""

from __future__ import annotations

import multiprocessing
from datetime import date
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import psycopg
import pytest

from domain import commands as c
from domain.cell import Cell
from domain.meeting import Meeting
from domain.organisation import Organisation
from tests.factories import seed_ward
from workers.settings import Settings
from workers.wiring import make_app

pytestmark = pytest.mark.postgres

N = 4
ROUNDS = 5
DAY = date(2026, 1, 5)
CTX = multiprocessing.get_context("spawn")


def _settings(url: str, keys: str | None) -> Settings:
    return Settings(database_url=url, personal_keys_dir=Path(keys) if keys else None)


def _command(kind: str, worker: int, n: int) -> c.Command:
    """The `n`th command of a round; `worker` < 0: the same one for every worker."""
    tag = f"{worker}x{n}" if worker >= 0 else f"all{n}"
    meta: dict[str, Any] = {"actor": "m01", "occurred_on": DAY}
    if kind == "register":
        return c.RegisterMember(
            **meta,
            command_id=f"reg-{tag}",
            organisation="tb",
            member=f"p{tag}",
            name=f"Trần Văn {tag}",
            status="official",
        )
    if kind == "transfer":
        # The member this worker registered in the round before.
        return c.TransferIn(**meta, command_id=f"in-{tag}", cell="c1", member=f"p{worker}x{n - 1}")
    assert kind == "hold"
    return c.HoldMeeting(
        actor="m10",
        command_id=f"hold-{tag}",
        occurred_on=date(2026, 1 + n, 5),
        meeting=f"mt-{tag}",
        cell="c2",
        kind=["regular"],
        chair="m20",
        minute_taker="m21",
        present=["m20", "m21"],
        excused={"m22": "ốm"},
    )


def _worker(
    url: str, keys: str | None, worker: int, plan: list[str], barrier: Barrier, out: Any
) -> None:
    """Applies the planned commands, one per round, all workers starting each round at
    once; reports (round, stored, result) or the error."""
    app = make_app(_settings(url, keys))
    try:
        for n, kind in enumerate(plan):
            barrier.wait(timeout=60)
            try:
                outcome = app.apply(_command(kind, worker, n))
                out.put((worker, n, outcome.stored, outcome.result, None))
            except Exception as error:  # reported to the test, which fails on it
                out.put((worker, n, None, None, f"{type(error).__name__}: {error}"))
    finally:
        app.close()


def _run(url: str, keys: str | None, plans: list[tuple[int, list[str]]]) -> list[Any]:
    barrier = CTX.Barrier(len(plans))
    out = CTX.Queue()
    procs = [
        CTX.Process(target=_worker, args=(url, keys, worker, plan, barrier, out))
        for worker, plan in plans
    ]
    for proc in procs:
        proc.start()
    reports = [out.get(timeout=120) for _, plan in plans for _ in plan]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    errors = [r[4] for r in reports if r[4] is not None]
    assert not errors, errors
    return reports


@pytest.fixture
def pg(settings: Settings, tmp_path: Path) -> Settings:
    if settings.backend != "postgres":
        pytest.skip("races between processes are exercised on PostgreSQL")
    return settings


def _count(url: str, topic: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM chibo_events WHERE topic = %s", (topic,))
        return int(row.fetchone()[0])  # type: ignore[index]


def test_processes_writing_different_commands_to_one_cell_all_succeed(pg: Settings) -> None:
    app = make_app(pg)
    seed_ward(app)
    before: set[str] = set(app.repository.get(Organisation.id_for("tb")).members)
    app.close()

    plan = ["register", "transfer"] * ROUNDS
    # Register then transfer in pairs: round 2k registers, 2k+1 transfers that member.
    reports = _run(pg.database_url, None, [(w, plan) for w in range(N)])
    assert all(stored for _, _, stored, _, _ in reports), "every command was stored by its own"

    app = make_app(pg)
    try:
        org: Organisation = app.repository.get(Organisation.id_for("tb"))
        added = {f"p{w}x{n}" for w in range(N) for n in range(0, 2 * ROUNDS, 2)}
        assert set(org.members) == before | added
        cell: Cell = app.repository.get(Cell.id_for("c1"))
        assert added <= set(cell.members_on(DAY))
        assert all(len(cell.memberships[m]) == 1 for m in added), "each transferred in once"
        assert _count(pg.database_url, "chibo.Organisation.MemberRegistered") == len(before) + len(
            added
        )
        assert _count(pg.database_url, "chibo.CommandRecord.Accepted") >= N * len(plan)
    finally:
        app.close()


def test_the_same_command_from_many_processes_is_stored_once(pg: Settings) -> None:
    app = make_app(pg)
    seed_ward(app)
    app.close()

    reports = _run(pg.database_url, None, [(-1, ["hold"] * ROUNDS) for _ in range(N)])
    for n in range(ROUNDS):
        this_round = [r for r in reports if r[1] == n]
        assert len(this_round) == N
        assert sum(1 for r in this_round if r[2]) == 1, "exactly one process stored it"
        assert len({repr(r[3]) for r in this_round}) == 1, "every process reports one result"
    assert _count(pg.database_url, "chibo.Meeting.Held") == ROUNDS
    app = make_app(pg)
    try:
        cell: Cell = app.repository.get(Cell.id_for("c2"))
        assert sorted(cell.meetings) == sorted(f"mt-all{n}" for n in range(ROUNDS))
        for n in range(ROUNDS):
            assert app.repository.get(Meeting.id_for(f"mt-all{n}")).version == 1
    finally:
        app.close()


def test_concurrent_key_creation_keeps_one_key_and_every_name_readable(
    pg: Settings, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    app = make_app(_settings(pg.database_url, str(keys)))
    seed_ward(app)
    app.close()

    # Every round, every process registers the same new member (one command): all make
    # that member's key at once.
    reports = _run(pg.database_url, str(keys), [(-1, ["register"] * ROUNDS) for _ in range(N)])
    assert all(sum(1 for r in reports if r[1] == n and r[2]) == 1 for n in range(ROUNDS))

    files = sorted(p.name for p in keys.iterdir())
    assert len(files) == len({p.split(".")[0] for p in files}), "one key file per member"
    assert not [f for f in files if f.startswith(".")], "no temporary file left"
    assert all((keys / f).stat().st_mode & 0o777 == 0o600 for f in files)
    assert keys.stat().st_mode & 0o777 == 0o700

    app = make_app(_settings(pg.database_url, str(keys)))
    try:
        org: Organisation = app.repository.get(Organisation.id_for("tb"))
        for n in range(ROUNDS):
            assert org.members[f"pall{n}"].name == f"Trần Văn all{n}"
    finally:
        app.close()
