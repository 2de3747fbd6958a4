"""Bundles: a window of the log (by recording time or by business date) exported with
its chain, the checkpoints in it, the anchors that tie it to the log before it and the
public key, so that an auditor can verify it with no database."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

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


def _occurred_on(row: StoredRow) -> date | None:
    day = orjson.loads(row.state).get("occurred_on")
    return date.fromisoformat(day) if isinstance(day, str) else None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class Window:
    """Which events a bundle is for: recorded in [start, end] (recording time), or dated
    in [start, end] (business date, `occurred_on`); an open end is None.

    A bundle is verified alone, so it holds a contiguous stretch of the log: for a
    business-date window, the stretch from the first event dated in the window to the
    last one; events in it dated outside the window are there as chain context, marked
    `"in_window": false`."""

    by: Literal["recorded", "business"]
    start: datetime | date | None
    end: datetime | date | None

    @classmethod
    def recorded(cls, start: datetime | None, end: datetime | None) -> Window:
        return cls("recorded", start, end)

    @classmethod
    def business(cls, start: date | None, end: date | None) -> Window:
        return cls("business", start, end)

    def holds(self, row: StoredRow) -> bool:
        value: Any = _recorded_at(row) if self.by == "recorded" else _occurred_on(row)
        if value is None:
            return False
        return (self.start is None or value >= self.start) and (
            self.end is None or value <= self.end
        )

    def describe(self) -> str:
        what = "recorded" if self.by == "recorded" else "dated"
        lo = self.start.isoformat() if self.start else "the beginning"
        hi = self.end.isoformat() if self.end else "now"
        return f"{what} from {lo} to {hi}"


def export_bundle(
    app: ChiboApplication,
    store: ReadStore,
    public: Ed25519PublicKey,
    start: datetime,
    end: datetime,
    path: Path,
) -> int:
    """The events recorded in [start, end]: see export_window."""
    return export_window(app, store, public, Window.recorded(start, end), path)


def export_window(
    app: ChiboApplication,
    store: ReadStore,
    public: Ed25519PublicKey,
    window: Window,
    path: Path,
) -> int:
    """Writes the stretch of the log that holds the window's events, their chain, the
    checkpoints among them, the anchors that tie it to the log before it, and the public
    key; returns how many events are in the window."""
    selected = [row.position for row in stored_rows(app) if window.holds(row)]
    first_in, last_in = (selected[0], selected[-1]) if selected else (0, -1)
    records: dict[str, tuple[int, bytes]] = {}
    anchor, previous_chain = GENESIS, GENESIS
    events: list[dict[str, Any]] = []
    chain: list[dict[str, Any]] = []
    record_anchors: dict[str, dict[str, Any]] = {}
    chosen = set(selected)
    for row, link in zip(stored_rows(app), chain_rows(store), strict=False):
        if row.position > last_in:
            break
        if row.position < first_in:
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
                "in_window": row.position in chosen,
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
        "window": {
            "by": window.by,
            "from": window.start.isoformat() if window.start else None,
            "to": window.end.isoformat() if window.end else None,
        },
        "from": window.start.isoformat() if window.start else None,
        "to": window.end.isoformat() if window.end else None,
        "public_key": _b64(raw(public)),
        "anchor": _b64(anchor),
        "record_anchors": record_anchors,
        "events": events,
        "chain": chain,
        "checkpoints": signed,
    }
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return len(selected)


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
