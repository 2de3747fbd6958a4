"""Personal fields are stored sealed under the member's own key; erasing the key makes
them unreadable while the hash chain and signed checkpoints still verify."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from audit.signing import generate_key, load_private, load_public
from audit.verify import sign_checkpoint, verify_store
from domain import commands as c
from domain.command_log import command_record_id
from domain.errors import DomainError
from domain.meeting import Meeting
from domain.organisation import Organisation
from domain.personal import ERASED
from tests.factories import cmd, project, seed_ward
from workers.erasure import erase_member
from workers.keystore import FileKeyStore
from workers.scenario.format import load_scenario
from workers.scenario.importer import Step, Translator
from workers.settings import Settings
from workers.wiring import init_db, make_app, make_read_store

NAME = "Nguyễn Thu Ngân"


def test_sealed_name_is_readable_then_erased_and_the_chain_still_verifies(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'chibo.db'}",
        personal_keys_dir=tmp_path / "keys",
        audit_key_path=tmp_path / "audit.pem",
    )
    init_db(settings)
    generate_key(settings.audit_key_path)
    app = make_app(settings)
    day = date(2026, 1, 1)
    app.handle(
        c.CreateOrganisation(
            actor="m01",
            command_id="o",
            occurred_on=day,
            organisation="tb",
            name="TB",
            secretary="m01",
        )
    )
    app.handle(
        c.RegisterMember(
            actor="m01",
            command_id="r",
            occurred_on=day,
            organisation="tb",
            member="m01",
            name=NAME,
            status="official",
        )
    )
    raw = b"".join(
        bytes(row[0])
        for row in sqlite3.connect(settings.sqlite_path).execute("SELECT state FROM stored_events")
    )
    assert NAME.encode() not in raw, "the name is stored sealed"
    org: Organisation = app.repository.get(Organisation.id_for("tb"))
    assert org.members["m01"].name == NAME
    store = make_read_store(settings)
    sign_checkpoint(app, store, load_private(settings.audit_key_path))
    app.close()

    assert FileKeyStore(tmp_path / "keys").erase("m01")

    app = make_app(settings)
    try:
        org = app.repository.get(Organisation.id_for("tb"))
        assert org.members["m01"].name == ERASED
        assert org.members["m01"].history[0].status == "official", "the record itself stays"
        report = verify_store(app, store, load_public(settings.audit_key_path))
        assert report.problem is None and report.checkpoints == 1
    finally:
        store.close()
        app.close()


REASON = "điều trị ung thư"


def test_erasure_leaves_nothing_that_confirms_the_member_data(tmp_path: Path) -> None:
    """After `erase_member`, a guessed name or reason cannot be confirmed against any
    stored byte (events, snapshots, command records); the read models forget them as
    soon as the projector runs; the chain still verifies."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'chibo.db'}",
        personal_keys_dir=tmp_path / "keys",
        audit_key_path=tmp_path / "audit.pem",
    )
    init_db(settings)
    generate_key(settings.audit_key_path)
    keys = FileKeyStore(tmp_path / "keys")
    app = make_app(settings)
    store = make_read_store(settings)
    try:
        seed_ward(app)
        register = cmd(
            c.RegisterMember, organisation="tb", member="m40", name=NAME, status="official"
        )
        app.handle(register)
        app.handle(cmd(c.TransferIn, cell="c1", member="m40"))
        held = cmd(
            c.HoldMeeting,
            date(2026, 1, 5),
            actor="m10",
            meeting="mt1",
            cell="c1",
            kind=["regular"],
            chair="m10",
            minute_taker="m11",
            present=["m10", "m11", "m12", "m13", "m14"],
            excused={"m40": REASON},
        )
        app.handle(held)
        app.take_snapshot(Organisation.id_for("tb"))
        project(app, store)
        assert _member_name(store, "m40") == NAME
        assert _reason(store, "mt1", "m40") == REASON
        assert app.apply(register).stored is False, "a retry matches its record while keyed"

        raw = _raw(settings)
        assert NAME.encode() not in raw and REASON.encode() not in raw, "sealed everywhere"

        erase = c.EraseMember(
            actor="m01",
            command_id="erase-tb-m40",
            occurred_on=date(2026, 2, 1),
            organisation="tb",
            member="m40",
            legal_basis="Nghị định 13/2023",
        )
        assert erase_member(app, keys, erase).stored
        assert erase_member(app, keys, erase).stored is False, "running it again is a no-op"
        project(app, store)  # incremental: no rebuild
        assert _member_name(store, "m40") == ERASED
        assert _reason(store, "mt1", "m40") == ERASED
        assert _member_name(store, "m12") == "Đảng viên m12", "others keep theirs"

        # The stored fingerprints: the plain hash of the exact command is not there,
        # and the member's keyed digest can no longer be made.
        for command in (register, held):
            record: Any = app.repository.get(command_record_id(command.command_id))
            assert record.fingerprint != command.fingerprint()
            assert keys.mac("m40", "RegisterMember:name", NAME, create=False) is None
        with pytest.raises(DomainError, match="since erased"):
            app.apply(register)  # documented: an erased command cannot be retried
        assert NAME.encode() not in _raw(settings)

        # The folded records read the placeholder; snapshots too.
        org: Organisation = app.repository.get(Organisation.id_for("tb"))
        assert org.members["m40"].name == ERASED
        meeting: Meeting = app.repository.get(Meeting.id_for("mt1"))
        assert meeting.excused == {"m40": ERASED}

        sign_checkpoint(app, store, load_private(settings.audit_key_path))
        report = verify_store(app, store, load_public(settings.audit_key_path))
        assert report.problem is None
    finally:
        store.close()
        app.close()


def test_import_command_ids_carry_no_digest_of_personal_data(tmp_path: Path) -> None:
    """The same scenario with other names and reasons gives the same command ids: an id
    tells nothing of them."""
    source = Path(__file__).parent / "scenarios" / "ward-q1.yaml"
    scenario = load_scenario(source)
    text = source.read_text(encoding="utf-8").replace("ốm", "lý do khác")
    for n, member in enumerate(scenario.members):
        text = text.replace(member.name, f"Người {n}")
    changed = tmp_path / "changed.yaml"
    changed.write_text(text, encoding="utf-8")
    other = load_scenario(changed)
    assert [m.name for m in other.members] != [m.name for m in scenario.members]

    def commands(s: Any) -> list[c.Command]:
        t = Translator(s)
        steps = list(t.setup())
        for index, item in enumerate(s.timeline):
            steps.extend(t.item(index, item))
        return [step.command for step in steps if isinstance(step, Step)]

    first, second = commands(scenario), commands(other)
    assert [x.command_id for x in first] == [x.command_id for x in second]
    assert any(isinstance(x, c.HoldMeeting) and "ốm" in x.excused.values() for x in first)
    assert any(isinstance(x, c.HoldMeeting) and "lý do khác" in x.excused.values() for x in second)


def _raw(settings: Settings) -> bytes:
    db = sqlite3.connect(settings.sqlite_path)
    tables = [
        name
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if "snapshot" in name or "event" in name
    ]
    assert any("snapshot" in t for t in tables)
    return b"".join(
        bytes(row[0]) if isinstance(row[0], bytes) else str(row[0]).encode()
        for table in tables
        for row in db.execute(f"SELECT * FROM {table}")
        if row
    )


def _member_name(store: Any, member: str) -> str:
    rows = store.query("SELECT name FROM rm_members WHERE member = %s", (member,))
    return str(rows[0][0])


def _reason(store: Any, meeting: str, member: str) -> str:
    rows = store.query(
        "SELECT reason FROM rm_meeting_attendance WHERE meeting = %s AND member = %s",
        (meeting, member),
    )
    return str(rows[0][0])
