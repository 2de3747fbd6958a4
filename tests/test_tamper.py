"""Tamper evidence without blind spots (issue 10 item 4), on SQLite and PostgreSQL.

Each test tampers through SQL as a database administrator could, and shows what catches
it: a truncated tail (the witness, an expected head), a rewrite re-chained after the
checkpoints were deleted (the signer refuses), a store with no checkpoint, a replaced
key; positions are never reused; key-file problems are configuration errors (exit 2).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner, Result

from audit import witness
from audit.chain import GENESIS, chain_hash, record_hash
from audit.signing import generate_key, load_private
from audit.verify import SigningRefusedError, sign_checkpoint
from tests.factories import report_progress
from tests.test_audit_chain import SCENARIO, Store, _flip_byte, _positions
from workers.cli import app as cli
from workers.scenario.format import load_scenario
from workers.scenario.importer import Importer
from workers.settings import Settings, default_audit_key_path
from workers.wiring import make_app, make_read_store


def _progress(settings: Settings, n: int, tag: str) -> None:
    app = make_app(settings)
    try:
        for i in range(n):
            report_progress(app, f"{tag}-{i}", f"đang làm {tag} {i}")
    finally:
        app.close()


def _sign(settings: Settings) -> int:
    app, store = make_app(settings), make_read_store(settings)
    try:
        signed = sign_checkpoint(
            app,
            store,
            load_private(settings.audit_key_path),
            witness_dir=settings.audit_witness_dir,
        )
        assert signed is not None
        return signed.position
    finally:
        store.close()
        app.close()


@pytest.fixture
def witnessed(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """ward-q1 imported and signed, 5 more events signed: two checkpoints, both in the
    witness; then 3 more events, not signed yet."""
    settings = settings.model_copy(
        update={
            "audit_key_path": tmp_path / "keys" / "audit.pem",
            "audit_witness_dir": tmp_path / "witness",
        }
    )
    generate_key(settings.audit_key_path)
    app = make_app(settings)
    try:
        Importer(app, load_scenario(SCENARIO)).run()
    finally:
        app.close()
    _sign(settings)
    _progress(settings, 5, "signed")
    _sign(settings)
    _progress(settings, 3, "unsigned")
    yield settings


def _cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.setenv("CHIBO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CHIBO_AUDIT_KEY_PATH", str(settings.audit_key_path))
    if settings.audit_witness_dir is not None:
        monkeypatch.setenv("CHIBO_AUDIT_WITNESS_DIR", str(settings.audit_witness_dir))
    else:
        monkeypatch.delenv("CHIBO_AUDIT_WITNESS_DIR", raising=False)
    result = CliRunner().invoke(cli, ["audit", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _head(result: Result) -> str:
    """The `POSITION:HASH` that `audit verify` prints."""
    return result.output.split("(head) ")[1].split()[0]


def _truncate(store: Store, count: int) -> int:
    """Deletes the last `count` events, their chain rows and any checkpoint past them;
    returns the new last position."""
    positions = _positions(store)
    cut = positions[-count]
    store.execute("DELETE FROM {table} WHERE {position} >= %s", (cut,))
    store.execute("DELETE FROM chibo_chain WHERE position >= %s", (cut,))
    store.execute("DELETE FROM chibo_checkpoints WHERE position >= %s", (cut,))
    return positions[-count - 1]


def _rechain(store: Store) -> None:
    """Recomputes every chain row from the (tampered) events, as a forger would."""
    rows = store.execute(
        "SELECT {position}, originator_id, originator_version, topic, state FROM {table} ORDER BY 1"
    )
    records: dict[str, bytes] = {}
    previous = GENESIS
    for position, originator, version, topic, state in rows:
        key = originator.hex if hasattr(originator, "hex") else str(originator)
        record = record_hash(records.get(key, GENESIS), key, int(version), str(topic), bytes(state))
        records[key] = record
        previous = chain_hash(previous, int(position), record)
        store.execute(
            "UPDATE chibo_chain SET record_hash = %s, chain_hash = %s WHERE position = %s",
            (record, previous, position),
        )


# --- (a) tail truncation ------------------------------------------------------------------------


def test_tail_truncation_is_caught_by_the_witness_and_an_expected_head(
    witnessed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = _cli(witnessed, monkeypatch, "verify")
    assert clean.exit_code == 0, clean.output
    head = _head(clean)  # what an auditor notes down
    signed = witness.read(witnessed.audit_witness_dir or Path())
    assert len(signed) == 2

    last = _truncate(Store(witnessed), 3 + 5)  # the unsigned tail and the last checkpoint
    assert last < signed[-1].position

    # Without anything from outside the database the truncated store looks whole.
    blind = witnessed.model_copy(update={"audit_witness_dir": None})
    assert _cli(blind, monkeypatch, "verify").exit_code == 0

    by_witness = _cli(witnessed, monkeypatch, "verify")
    assert by_witness.exit_code == 1
    assert f"truncated at position {signed[-1].position}" in by_witness.output
    by_head = _cli(blind, monkeypatch, "verify", "--expect-head", head)
    assert by_head.exit_code == 1
    assert f"truncated at position {head.split(':')[0]}" in by_head.output
    # …and the signer will not sign the shortened chain either.
    refused = _cli(witnessed, monkeypatch, "checkpoint")
    assert refused.exit_code == 1 and "refused to sign" in refused.output


def test_a_truncated_unsigned_tail_is_caught_by_an_expected_head(
    witnessed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = _head(_cli(witnessed, monkeypatch, "verify"))
    _truncate(Store(witnessed), 2)  # events no checkpoint covers yet
    result = _cli(witnessed, monkeypatch, "verify", "--expect-head", head)
    assert result.exit_code == 1 and "truncated" in result.output
    bad = _cli(witnessed, monkeypatch, "verify", "--expect-head", "12:zz")
    assert bad.exit_code == 2 and "POSITION:HASH" in bad.output


# --- (b) a rewrite re-chained after the checkpoints were deleted ----------------------------


def test_the_signer_refuses_a_rewrite_rechained_after_checkpoints_were_deleted(
    witnessed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(witnessed)
    before = witness.read(witnessed.audit_witness_dir or Path())
    _flip_byte(store, _positions(store)[3])
    _rechain(store)
    store.execute("DELETE FROM chibo_checkpoints")

    # The store alone now looks like a clean, unsigned log…
    blind = witnessed.model_copy(update={"audit_witness_dir": None})
    assert _cli(blind, monkeypatch, "verify", "--allow-unsigned").exit_code == 0
    # …but the signer, remembering its checkpoints in the witness, refuses to sign it.
    with pytest.raises(SigningRefusedError) as refused:
        _sign(witnessed)
    assert refused.value.problem.kind == "deleted"
    result = _cli(witnessed, monkeypatch, "checkpoint")
    assert result.exit_code == 1 and "refused to sign" in result.output
    assert store.execute("SELECT COUNT(*) FROM chibo_checkpoints") == [(0,)], "nothing signed"
    assert witness.read(witnessed.audit_witness_dir or Path()) == before
    verified = _cli(witnessed, monkeypatch, "verify")
    assert verified.exit_code == 1 and "head-mismatch" in verified.output


def test_the_signer_refuses_a_rewrite_behind_a_remaining_checkpoint(
    witnessed: Settings,
) -> None:
    """No witness needed: the last signed checkpoint anchors the check."""
    settings = witnessed.model_copy(update={"audit_witness_dir": None})
    store = Store(settings)
    [first, _] = [int(r[0]) for r in store.execute("SELECT position FROM chibo_checkpoints")]
    _flip_byte(store, first - 2)
    _rechain(store)
    with pytest.raises(SigningRefusedError) as refused:
        _sign(settings)
    assert refused.value.problem.kind in {"checkpoint-mismatch", "chain-broken"}
    assert len(store.execute("SELECT position FROM chibo_checkpoints")) == 2


def test_the_signer_refuses_an_altered_unsigned_event(witnessed: Settings) -> None:
    store = Store(witnessed)
    position = _flip_byte(store, _positions(store)[-1])
    with pytest.raises(SigningRefusedError) as refused:
        _sign(witnessed)
    assert (refused.value.problem.kind, refused.value.problem.position) == ("altered", position)


# --- (c) no checkpoint -----------------------------------------------------------------------


def test_a_store_with_events_and_no_checkpoint_fails_unless_allowed(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update={"audit_key_path": tmp_path / "audit.pem"})
    generate_key(settings.audit_key_path)
    assert _cli(settings, monkeypatch, "verify").exit_code == 0, "an empty store is fine"
    _progress(settings, 0, "none")
    app = make_app(settings)
    try:
        Importer(app, load_scenario(SCENARIO)).run()
    finally:
        app.close()
    unsigned = _cli(settings, monkeypatch, "verify")
    assert unsigned.exit_code == 1
    assert "unsigned" in unsigned.output and "--allow-unsigned" in unsigned.output
    assert _cli(settings, monkeypatch, "verify", "--allow-unsigned").exit_code == 0
    signed = _cli(settings, monkeypatch, "checkpoint")
    assert signed.exit_code == 0 and "signed position" in signed.output
    assert _cli(settings, monkeypatch, "verify").exit_code == 0


# --- (d) a replaced key --------------------------------------------------------------------------


def test_a_replaced_key_is_caught(
    witnessed: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone swaps the key file for their own and re-signs every checkpoint with it."""
    from audit.chain import checkpoint_message
    from audit.signing import public_path, raw

    original_pub = tmp_path / "auditor.pub"
    original_pub.write_bytes(public_path(witnessed.audit_key_path).read_bytes())
    witnessed.audit_key_path.unlink()
    public_path(witnessed.audit_key_path).unlink()
    generate_key(witnessed.audit_key_path)
    forger = load_private(witnessed.audit_key_path)

    # The new key will not sign on top of checkpoints it did not sign.
    with pytest.raises(SigningRefusedError) as refused:
        _sign(witnessed)
    assert refused.value.problem.kind == "bad-signature"

    store = Store(witnessed)
    for position, chain in store.execute("SELECT position, chain_hash FROM chibo_checkpoints"):
        store.execute(
            "UPDATE chibo_checkpoints SET signature = %s, public_key = %s WHERE position = %s",
            (
                forger.sign(checkpoint_message(int(position), bytes(chain))),
                raw(forger.public_key()),
                position,
            ),
        )
    blind = witnessed.model_copy(update={"audit_witness_dir": None})
    assert _cli(blind, monkeypatch, "verify").exit_code == 0, "the forger's own key agrees"
    by_auditor = _cli(blind, monkeypatch, "verify", "--public-key", str(original_pub))
    assert by_auditor.exit_code == 1 and "bad-signature" in by_auditor.output
    by_witness = _cli(witnessed, monkeypatch, "verify")
    assert by_witness.exit_code == 1 and "key-replaced" in by_witness.output


# --- positions are never reused --------------------------------------------------------------


def test_positions_of_deleted_events_are_never_reused(
    witnessed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(witnessed)
    head = _head(_cli(witnessed, monkeypatch, "verify"))
    highest = max(_positions(store))
    remaining = _truncate(store, 3)
    _progress(witnessed, 4, "after-truncation")
    new = [p for p in _positions(store) if p > remaining]
    assert new and min(new) == highest + 1, (new, remaining, highest)
    result = _cli(witnessed, monkeypatch, "verify", "--expect-head", head)
    assert result.exit_code == 1, result.output
    assert f"deleted at position {highest}" in result.output


# --- key files -------------------------------------------------------------------------------


def test_key_files_are_private_and_outside_the_database_directory(tmp_path: Path) -> None:
    key = tmp_path / "conf" / "audit" / "ed25519.pem"
    generate_key(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    with pytest.raises(FileExistsError):
        generate_key(key)
    default = default_audit_key_path()
    assert Path("var").resolve() not in default.resolve().parents
    assert default.parts[-3:] == ("chibo", "audit", "ed25519.pem")


def _ec_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


KEY_FILES = {
    "missing": None,
    "empty": b"",
    "garbage": b"\x00\xffnot a key at all\n",
    "truncated pem": b"-----BEGIN PRIVATE KEY-----\nMC4CAQ\n-----END PRIVATE KEY-----\n",
    "wrong type": "ec",
    "public key": "public",
}


@pytest.mark.parametrize("problem", sorted(KEY_FILES))
def test_key_file_problems_exit_2_with_one_clear_line(
    problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'chibo.db'}",
        audit_key_path=tmp_path / "audit.pem",
        audit_witness_dir=None,
    )
    from workers.wiring import init_db

    init_db(settings)
    content = KEY_FILES[problem]
    if content == "ec":
        settings.audit_key_path.write_bytes(_ec_pem())
    elif content == "public":
        generate_key(tmp_path / "real.pem")
        settings.audit_key_path.write_bytes((tmp_path / "real.pem.pub").read_bytes())
    elif isinstance(content, bytes):
        settings.audit_key_path.write_bytes(content)
    commands = [["checkpoint"]]
    if problem != "public key":  # a public key is what verify needs
        commands.append(["verify", "--allow-unsigned"])
    for args in commands:
        result = _cli(settings, monkeypatch, *args)
        assert result.exit_code == 2, (args, result.output)
        message = result.output.strip()
        assert "\n" not in message and str(settings.audit_key_path) in message, message


def test_verify_with_a_public_key_only(
    witnessed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An auditor's machine holds the `.pub` only."""
    os.remove(witnessed.audit_key_path)
    assert _cli(witnessed, monkeypatch, "verify").exit_code == 0
