"""Personal fields are stored sealed under the member's own key; erasing the key makes
them unreadable while the hash chain and signed checkpoints still verify."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from audit.signing import generate_key, load_private, load_public
from audit.verify import sign_checkpoint, verify_store
from domain import commands as c
from domain.organisation import Organisation
from domain.personal import ERASED
from workers.keystore import FileKeyStore
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
