"""Tamper evidence: the chain and signed checkpoints catch every kind of tampering done
directly through SQL, on SQLite and PostgreSQL; an untouched store verifies clean."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

import audit.verify as audit_verify
from audit.bundle import verify_bundle
from audit.chain import Report
from audit.signing import generate_key, load_private, load_public
from audit.verify import (
    checkpoints,
    combine,
    finish_check,
    sign_checkpoint,
    verify_store,
    verify_window,
)
from tests.factories import report_progress
from workers.cli import app as cli
from workers.scenario.format import load_scenario
from workers.scenario.importer import Importer
from workers.settings import Settings
from workers.verify import verify_everywhere, windows
from workers.wiring import make_app, make_read_store

SCENARIO = Path(__file__).parent / "scenarios" / "ward-q1.yaml"


class Store:
    """Raw SQL on the events table, whichever backend (what a tamperer would do)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sqlite = settings.backend == "sqlite"
        self.table = "stored_events" if self.sqlite else "chibo_events"
        self.position = "rowid" if self.sqlite else "notification_id"

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        sql = sql.format(table=self.table, position=self.position)
        if self.sqlite:
            with sqlite3.connect(self.settings.sqlite_path) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []


@pytest.fixture
def audited(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """ward-q1 imported, a checkpoint signed, then a few more events recorded."""
    settings = settings.model_copy(update={"audit_key_path": tmp_path / "audit.pem"})
    generate_key(settings.audit_key_path)
    app, store = make_app(settings), make_read_store(settings)
    try:
        Importer(app, load_scenario(SCENARIO)).run()
        assert sign_checkpoint(app, store, load_private(settings.audit_key_path)) is not None
        report_progress(app, "after-checkpoint")
    finally:
        store.close()
        app.close()
    yield settings


def check(settings: Settings) -> Report:
    """`verify_store`'s report, after asserting that checking the log in two and in three
    windows (as `chibo audit verify` does on several cores) reports exactly the same."""
    app, store = make_app(settings), make_read_store(settings)
    try:
        public = load_public(settings.audit_key_path)
        report = verify_store(app, store, public)
        head = app.recorder.max_notification_id() or 0
        for jobs in (2, 3):
            parts = [verify_window(app, store, public, a, b) for a, b in windows(head, jobs)]
            assert finish_check(combine(parts), store, checkpoints(store), public) == report, (
                f"{jobs} windows"
            )
        return report
    finally:
        store.close()
        app.close()


def test_an_untouched_store_verifies_clean(audited: Settings) -> None:
    report = check(audited)
    assert report.problem is None
    assert report.events == report.head > 60
    assert report.checkpoints == 1 and report.signed_through < report.head


def _positions(store: Store) -> list[int]:
    return [int(r[0]) for r in store.execute("SELECT {position} FROM {table} ORDER BY 1")]


def _flip_byte(store: Store, position: int) -> int:
    [(state,)] = store.execute("SELECT state FROM {table} WHERE {position} = %s", (position,))
    data = bytearray(bytes(state))
    data[len(data) // 2] ^= 0x01
    store.execute("UPDATE {table} SET state = %s WHERE {position} = %s", (bytes(data), position))
    return position


def _delete(store: Store, position: int) -> int:
    store.execute("DELETE FROM {table} WHERE {position} = %s", (position,))
    return position


def _insert_forged(store: Store, position: int) -> int:
    """A copy of an event under a new version of its record, as if it had happened."""
    [(originator, _, topic, state)] = store.execute(
        "SELECT originator_id, originator_version, topic, state FROM {table} WHERE {position} = %s",
        (position,),
    )
    store.execute(
        "INSERT INTO {table} (originator_id, originator_version, topic, state)"
        " VALUES (%s, %s, %s, %s)",
        (originator, 1000, topic, state),
    )
    return max(_positions(store))


def _swap(store: Store, a: int, b: int) -> int:
    temp = 10**9
    for old, new in ((a, temp), (b, a), (temp, b)):
        store.execute("UPDATE {table} SET {position} = %s WHERE {position} = %s", (new, old))
    return a


TAMPERING: dict[str, tuple[Callable[[Store, list[int]], int], str]] = {
    "payload byte changed": (lambda s, p: _flip_byte(s, p[20]), "altered"),
    "event deleted": (lambda s, p: _delete(s, p[30]), "deleted"),
    "forged event inserted": (lambda s, p: _insert_forged(s, p[5]), "inserted"),
    "two events swapped": (lambda s, p: _swap(s, p[10], p[11]), "reordered"),
}


LATE: dict[str, tuple[Callable[[Store, list[int]], int], str]] = {
    "payload byte changed": (lambda s, p: _flip_byte(s, p[-12]), "altered"),
    "event deleted": (lambda s, p: _delete(s, p[-8]), "deleted"),
    "two events swapped": (lambda s, p: _swap(s, p[-5], p[-4]), "reordered"),
    "first event of the second window deleted": (
        lambda s, p: _delete(s, windows(len(p), 2)[1][0]),
        "deleted",
    ),
}
"""Past the first window of a verify on several cores: found there as by one pass."""

CASES = {
    **{f"early: {name}": case for name, case in TAMPERING.items()},
    **{f"late: {name}": case for name, case in LATE.items()},
}


@pytest.mark.parametrize("tampering", sorted(CASES))
def test_verify_names_the_first_tampered_position(audited: Settings, tampering: str) -> None:
    """(`check` also compares one pass with the log checked in windows.)"""
    store = Store(audited)
    tamper, kind = CASES[tampering]
    position = tamper(store, _positions(store))
    report = check(audited)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.position) == (kind, position)


def test_verify_everywhere_checks_windows_in_processes(audited: Settings) -> None:
    public = load_public(audited.audit_key_path)
    clean = verify_everywhere(audited, public, jobs=2, min_window=1)
    assert clean == check(audited) and clean.problem is None and clean.events > 60
    store = Store(audited)
    position = _flip_byte(store, _positions(store)[-6])
    tampered = verify_everywhere(audited, public, jobs=2, min_window=1)
    assert tampered.problem is not None
    assert (tampered.problem.kind, tampered.problem.position) == ("altered", position)


def test_resigned_checkpoint_with_another_key_is_caught(audited: Settings, tmp_path: Path) -> None:
    generate_key(tmp_path / "other.pem")
    other = load_private(tmp_path / "other.pem")
    store = Store(audited)
    [(position, chain)] = store.execute("SELECT position, chain_hash FROM chibo_checkpoints")
    from audit.chain import checkpoint_message
    from audit.signing import raw

    signature = other.sign(checkpoint_message(int(position), bytes(chain)))
    store.execute(
        "UPDATE chibo_checkpoints SET signature = %s, public_key = %s",
        (signature, raw(other.public_key())),
    )
    report = check(audited)
    assert report.problem is not None and report.problem.kind == "bad-signature"


def test_rewriting_event_and_chain_together_is_caught_by_the_checkpoint(
    audited: Settings,
) -> None:
    """A forger who recomputes the chain still cannot match the signed checkpoint."""
    from audit.chain import GENESIS, chain_hash, record_hash

    store = Store(audited)
    positions = _positions(store)
    _flip_byte(store, positions[3])
    rows = store.execute(
        "SELECT {position}, originator_id, originator_version, topic, state FROM {table} ORDER BY 1"
    )
    records: dict[str, bytes] = {}
    previous = GENESIS
    for position, originator, version, topic, state in rows:
        key = originator.hex if hasattr(originator, "hex") else str(originator)
        record = record_hash(
            records.get(key, GENESIS),
            key,
            int(version),
            str(topic),
            bytes(state),
        )
        records[key] = record
        previous = chain_hash(previous, int(position), record)
        store.execute(
            "UPDATE chibo_chain SET record_hash = %s, chain_hash = %s WHERE position = %s",
            (record, previous, position),
        )
    report = check(audited)
    assert report.problem is not None
    assert report.problem.kind == "checkpoint-mismatch"


def test_cli_verify_exit_codes_and_bundle(
    audited: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHIBO_DATABASE_URL", audited.database_url)
    monkeypatch.setenv("CHIBO_AUDIT_KEY_PATH", str(audited.audit_key_path))
    runner = CliRunner()
    clean = runner.invoke(cli, ["audit", "verify"])
    assert clean.exit_code == 0, clean.output
    assert clean.output.startswith("OK")

    bundle = tmp_path / "bundle.json"
    exported = runner.invoke(
        cli, ["audit", "export", str(bundle), "--from", "2000-01-01", "--to", "2100-01-01"]
    )
    assert exported.exit_code == 0, exported.output
    assert verify_bundle(bundle).problem is None
    ok = runner.invoke(cli, ["audit", "verify", "--bundle", str(bundle)])
    assert ok.exit_code == 0, ok.output

    data = json.loads(bundle.read_text(encoding="utf-8"))
    data["events"][7]["topic"] = "chibo.Forged"
    bundle.write_text(json.dumps(data), encoding="utf-8")
    bad = runner.invoke(cli, ["audit", "verify", "--bundle", str(bundle)])
    assert bad.exit_code == 1
    assert "altered" in bad.output

    _flip_byte(Store(audited), _positions(Store(audited))[0])
    tampered = runner.invoke(cli, ["audit", "verify"])
    assert tampered.exit_code == 1
    assert "altered" in tampered.output


def test_a_window_bundle_verifies_alone(audited: Settings, tmp_path: Path) -> None:
    """A window that starts mid-log carries anchors tying it to what came before."""
    from datetime import datetime

    import orjson

    from audit.bundle import export_bundle

    store = Store(audited)
    [(state,)] = store.execute(
        "SELECT state FROM {table} WHERE {position} = %s", (_positions(store)[40],)
    )
    start = datetime.fromisoformat(orjson.loads(bytes(state))["timestamp"])
    app, read = make_app(audited), make_read_store(audited)
    try:
        count = export_bundle(
            app,
            read,
            load_public(audited.audit_key_path),
            start,
            datetime.fromisoformat("2100-01-01T00:00:00+00:00"),
            tmp_path / "window.json",
        )
    finally:
        read.close()
        app.close()
    bundle = json.loads((tmp_path / "window.json").read_text(encoding="utf-8"))
    assert 0 < count < len(_positions(store))
    assert bundle["record_anchors"], "records begun before the window are anchored"
    report = verify_bundle(tmp_path / "window.json")
    assert report.problem is None and report.events == count


def test_a_write_during_a_check_is_not_taken_for_tampering(
    audited: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live store is written to while it is checked. The write is made to land at the
    worst moment: after the check has read the log to its end and before it reads the
    chain's end (it then saw the new chain entry without its event: "deleted"). The
    check, the windows' last one and the signing all stop at the head they began with."""
    app, store = make_app(audited), make_read_store(audited)
    public, key = load_public(audited.audit_key_path), load_private(audited.audit_key_path)
    writes = iter(range(100))
    real = audit_verify.stored_rows

    def then_a_write(*args: Any) -> Iterator[Any]:
        yield from real(*args)
        report_progress(app, f"during-the-check-{next(writes)}", "vẫn đang làm")

    monkeypatch.setattr(audit_verify, "stored_rows", then_a_write)
    try:
        # Each write records two events: the resolution's and the command's record.
        head = app.recorder.max_notification_id() or 0
        report = verify_store(app, store, public)
        assert report.problem is None and report.head == head
        window = verify_window(app, store, public, head - 10, None)
        assert window.problem is None and window.head == head + 2  # the first write's
        signed = sign_checkpoint(app, store, key)
        assert signed is not None and signed.position == head + 4
        # Three writes landed, each while a check ran; a last check sees them all.
        monkeypatch.setattr(audit_verify, "stored_rows", real)
        final = verify_store(app, store, public)
        assert (
            final.problem is None and final.head == head + 6 == app.recorder.max_notification_id()
        )
    finally:
        store.close()
        app.close()


def test_a_write_that_fails_while_chaining_leaves_neither_events_nor_chain(
    audited: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error raised after the events are inserted and before their chain rows are
    (here the chaining itself; in life, Temporal's CancelledError raised inside an
    activity's thread) rolls the whole write back. On PostgreSQL the library's insert
    kept such an error until its transaction had closed, which committed the events
    alone: the log no longer verified ("inserted … not in the chain")."""
    tampered = Store(audited)
    before = tampered.execute("SELECT COUNT(*) FROM {table}")[0][0]

    def fails(*args: object) -> Iterator[Any]:
        raise RuntimeError("interrupted while chaining")

    monkeypatch.setattr("audit.recorders.chain_rows", fails)
    app = make_app(audited)
    try:
        with pytest.raises(RuntimeError, match="interrupted while chaining"):
            report_progress(app, "interrupted")
    finally:
        app.close()
    monkeypatch.undo()
    assert tampered.execute("SELECT COUNT(*) FROM {table}")[0][0] == before
    assert check(audited).problem is None
    app = make_app(audited)
    try:
        report_progress(app, "interrupted")  # the command, tried again, is recorded
    finally:
        app.close()
    assert tampered.execute("SELECT COUNT(*) FROM {table}")[0][0] > before
    assert check(audited).problem is None
