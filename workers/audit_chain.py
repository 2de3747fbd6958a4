"""Tamper evidence for auditors: the key, signed checkpoints, verification of the store or
of an exported bundle (which needs no database)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from domain.application import ChiboApplication
from domain.chain import (
    GENESIS,
    ChainRow,
    Checkpoint,
    Report,
    StoredRow,
    checkpoint_message,
    verify,
)
from projections.store import ReadStore

BATCH = 5000
BUNDLE_FORMAT = "chibo-audit-bundle/1"


# --- the key -------------------------------------------------------------------------------


def generate_key(path: Path) -> Ed25519PublicKey:
    """Writes a new private key (mode 0600) and its public key beside it (`.pub`)."""
    if path.exists():
        raise FileExistsError(f"{path} exists: refusing to replace an audit key")
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key()
    public_path(path).write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public


def public_path(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".pub")


def load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    """The public key from a `.pub` file, or derived from the private key file."""
    data = path.read_bytes()
    if b"PRIVATE" in data:
        return load_private(path).public_key()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signature_checker(public: Ed25519PublicKey) -> Any:
    expected = raw(public)

    def ok(checkpoint: Checkpoint) -> bool:
        if checkpoint.public_key != expected:
            return False
        try:
            public.verify(
                checkpoint.signature,
                checkpoint_message(checkpoint.position, checkpoint.chain_hash),
            )
        except InvalidSignature:
            return False
        return True

    return ok


# --- reading the store ---------------------------------------------------------------------


def stored_rows(
    app: ChiboApplication, start: int = 1, stop: int | None = None
) -> Iterator[StoredRow]:
    position = start
    while notifications := app.recorder.select_notifications(position, BATCH, stop=stop):
        for n in notifications:
            originator = (
                n.originator_id.hex if hasattr(n.originator_id, "hex") else str(n.originator_id)
            )
            yield StoredRow(n.id, originator, n.originator_version, n.topic, bytes(n.state))
        position = notifications[-1].id + 1


def chain_rows(store: ReadStore, start: int = 1, stop: int | None = None) -> Iterator[ChainRow]:
    position = start
    while True:
        rows = store.query(
            "SELECT position, originator_id, originator_version, record_hash, chain_hash"
            " FROM chibo_chain WHERE position >= %s AND position <= %s ORDER BY position LIMIT %s",
            (position, stop if stop is not None else 2**62, BATCH),
        )
        if not rows:
            return
        for p, originator, version, record, chain in rows:
            yield ChainRow(int(p), originator, int(version), bytes(record), bytes(chain))
        position = int(rows[-1][0]) + 1


def checkpoints(store: ReadStore) -> list[Checkpoint]:
    rows = store.query(
        "SELECT position, chain_hash, signature, public_key, signed_at FROM chibo_checkpoints"
        " ORDER BY position"
    )
    return [Checkpoint(int(p), bytes(c), bytes(s), bytes(k), str(t)) for p, c, s, k, t in rows]


def verify_store(app: ChiboApplication, store: ReadStore, public: Ed25519PublicKey) -> Report:
    return verify(
        stored_rows(app), chain_rows(store), checkpoints(store), signature_checker(public)
    )


# --- checkpoints ---------------------------------------------------------------------------


def sign_checkpoint(store: ReadStore, key: Ed25519PrivateKey) -> Checkpoint | None:
    """Signs (position, chain hash) of the chain's head; None when nothing new is chained."""
    head = store.query(
        "SELECT position, chain_hash FROM chibo_chain ORDER BY position DESC LIMIT 1"
    )
    if not head:
        return None
    position, chain = int(head[0][0]), bytes(head[0][1])
    last = store.query("SELECT MAX(position) FROM chibo_checkpoints")[0][0]
    if last is not None and int(last) >= position:
        return None
    checkpoint = Checkpoint(
        position,
        chain,
        key.sign(checkpoint_message(position, chain)),
        raw(key.public_key()),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO chibo_checkpoints (position, chain_hash, signature, public_key,"
            " signed_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (position) DO NOTHING",
            (
                checkpoint.position,
                checkpoint.chain_hash,
                checkpoint.signature,
                checkpoint.public_key,
                checkpoint.signed_at,
            ),
        )
    return checkpoint


def unsigned_events(store: ReadStore) -> int:
    row = store.query(
        "SELECT (SELECT COALESCE(MAX(position), 0) FROM chibo_chain)"
        " - (SELECT COALESCE(MAX(position), 0) FROM chibo_checkpoints)"
    )
    return int(row[0][0])


# --- bundles -------------------------------------------------------------------------------


def _recorded_at(row: StoredRow) -> datetime:
    timestamp = orjson.loads(row.state).get("timestamp")
    return datetime.fromisoformat(timestamp) if timestamp else datetime.min.replace(tzinfo=UTC)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def export_bundle(
    app: ChiboApplication,
    store: ReadStore,
    public: Ed25519PublicKey,
    start: datetime,
    end: datetime,
    path: Path,
) -> int:
    """Writes the events recorded in [start, end], their chain, the checkpoints among
    them, the anchors that tie the window to the log before it, and the public key."""
    records: dict[str, tuple[int, bytes]] = {}
    anchor, previous_chain = GENESIS, GENESIS
    events: list[dict[str, Any]] = []
    chain: list[dict[str, Any]] = []
    record_anchors: dict[str, dict[str, Any]] = {}
    for row, link in zip(stored_rows(app), chain_rows(store), strict=False):
        at = _recorded_at(row)
        if at > end:
            break
        if at < start:
            records[row.originator_id] = (row.version, link.record_hash)
            previous_chain = link.chain_hash
            continue
        if not events:
            anchor = previous_chain
        if row.originator_id in records:
            # The record began before the window: its last hash there anchors it.
            version, record = records.pop(row.originator_id)
            record_anchors[row.originator_id] = {"version": version, "record_hash": _b64(record)}
        events.append(
            {
                "position": row.position,
                "originator_id": row.originator_id,
                "version": row.version,
                "topic": row.topic,
                "state": _b64(row.state),
            }
        )
        chain.append(
            {
                "position": link.position,
                "originator_id": link.originator_id,
                "version": link.version,
                "record_hash": _b64(link.record_hash),
                "chain_hash": _b64(link.chain_hash),
            }
        )
    first = events[0]["position"] if events else 0
    last = events[-1]["position"] if events else 0
    signed = [
        {
            "position": c.position,
            "chain_hash": _b64(c.chain_hash),
            "signature": _b64(c.signature),
            "public_key": _b64(c.public_key),
            "signed_at": c.signed_at,
        }
        for c in checkpoints(store)
        if first <= c.position <= last
    ]
    bundle = {
        "format": BUNDLE_FORMAT,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "public_key": _b64(raw(public)),
        "anchor": _b64(anchor),
        "record_anchors": record_anchors,
        "events": events,
        "chain": chain,
        "checkpoints": signed,
    }
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return len(events)


def verify_bundle(path: Path, public: Ed25519PublicKey | None = None) -> Report:
    """Checks a bundle alone; the embedded public key unless the auditor gives their own."""
    bundle = json.loads(path.read_text(encoding="utf-8"))
    if bundle.get("format") != BUNDLE_FORMAT:
        raise ValueError(f"{path} is not a {BUNDLE_FORMAT} file")
    key = public or Ed25519PublicKey.from_public_bytes(base64.b64decode(bundle["public_key"]))
    b = base64.b64decode
    return verify(
        (
            StoredRow(e["position"], e["originator_id"], e["version"], e["topic"], b(e["state"]))
            for e in bundle["events"]
        ),
        (
            ChainRow(
                c["position"],
                c["originator_id"],
                c["version"],
                b(c["record_hash"]),
                b(c["chain_hash"]),
            )
            for c in bundle["chain"]
        ),
        [
            Checkpoint(
                c["position"],
                b(c["chain_hash"]),
                b(c["signature"]),
                b(c["public_key"]),
                c["signed_at"],
            )
            for c in bundle["checkpoints"]
        ],
        signature_checker(key),
        anchor=b(bundle["anchor"]),
        record_anchors={
            r: (a["version"], b(a["record_hash"])) for r, a in bundle["record_anchors"].items()
        },
    )
