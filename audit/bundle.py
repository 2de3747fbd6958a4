"""Bundles: a window of the log exported with its chain, the checkpoints in it, the
anchors that tie it to the log before it and the public key, so that an auditor can
verify it with no database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.chain import GENESIS, ChainRow, Checkpoint, Report, StoredRow, verify
from audit.signing import raw, signature_checker
from audit.verify import chain_rows, checkpoints, stored_rows
from domain.application import ChiboApplication
from projections.store import ReadStore

BUNDLE_FORMAT = "chibo-audit-bundle/1"


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
