"""Tamper evidence: every stored event is chained by hash, per record and over the log.

Hashes cover the stored bytes exactly (id, version, topic, state), so they can be
recomputed from the rows alone, by anyone, without decoding an event:

    record_hash = H(previous record_hash of that record | id | version | topic | state)
    chain_hash  = H(previous chain_hash | position | record_hash)

The chain is written in the same transaction as the events (never in a later pass that
could chain a forgery: audit/recorders.py), and checkpoints sign (position, chain_hash)
with a key kept outside the database (audit/signing.py). This module is pure: the format
and the check over rows, whoever reads them (the store: audit/verify.py; a bundle:
audit/bundle.py).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

GENESIS = bytes(32)


def record_hash(
    previous: bytes, originator_id: str, version: int, topic: str, state: bytes
) -> bytes:
    h = hashlib.sha256(previous)
    h.update(originator_id.encode())
    h.update(struct.pack(">q", version))
    h.update(topic.encode())
    h.update(b"\x00")
    h.update(state)
    return h.digest()


def chain_hash(previous: bytes, position: int, record: bytes) -> bytes:
    return hashlib.sha256(previous + struct.pack(">q", position) + record).digest()


def checkpoint_message(position: int, chain: bytes) -> bytes:
    """What a checkpoint signs."""
    return b"chibo-checkpoint:" + struct.pack(">q", position) + chain


class StoredRow(NamedTuple):
    """An event row as stored: its position in the log and the bytes that were hashed.
    (Tuples, not frozen dataclasses: a verify makes two a stored event, and a frozen
    dataclass costs four times as much to make.)"""

    position: int
    originator_id: str
    version: int
    topic: str
    state: bytes


class ChainRow(NamedTuple):
    position: int
    originator_id: str
    version: int
    record_hash: bytes
    chain_hash: bytes


@dataclass(frozen=True)
class Checkpoint:
    position: int
    chain_hash: bytes
    signature: bytes
    public_key: bytes
    signed_at: str


@dataclass(frozen=True)
class Problem:
    """The first thing found wrong: what, where (log position) and which record."""

    kind: str  # altered | deleted | inserted | reordered | chain-broken | bad-signature | ...
    position: int
    record: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} at position {self.position} (record {self.record}): {self.detail}"


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    signed_through: int = 0
    head: int = 0
    head_hash: bytes = b""
    """The chain hash at `head` (what `audit verify --expect-head` takes, in hex)."""
    problem: Problem | None = None


def unsigned_checkpoint(
    checkpoints: Iterable[Checkpoint], signature_ok: Callable[[Checkpoint], bool]
) -> Problem | None:
    """The first checkpoint not signed by the audit key, as a problem: checked before
    any event, so that it is told first however the log is read."""
    for checkpoint in sorted(checkpoints, key=lambda c: c.position):
        if not signature_ok(checkpoint):
            return Problem(
                "bad-signature",
                checkpoint.position,
                "-",
                "the checkpoint is not signed by the audit key",
            )
    return None


def verify(
    events: Iterable[StoredRow],
    chain: Iterable[ChainRow],
    checkpoints: Iterable[Checkpoint],
    signature_ok: Callable[[Checkpoint], bool],
    *,
    anchor: bytes = GENESIS,
    record_anchors: dict[str, tuple[int, bytes]] | None = None,
    previous_record: Callable[[str, int], bytes | None] | None = None,
) -> Report:
    """Recomputes both chains from the rows and checks every checkpoint; stops at the
    first problem. `anchor` and `record_anchors` start a window that is not the whole log;
    `previous_record(id, version)` gives the record hash of a version before the window
    (for a window whose records are not known in advance)."""
    report = Report()
    records: dict[str, tuple[int, bytes]] = dict(record_anchors or {})
    pending = sorted(checkpoints, key=lambda c: c.position)
    report.problem = unsigned_checkpoint(pending, signature_ok)
    if report.problem is not None:
        return report
    next_checkpoint = 0
    previous_chain = anchor
    event_iter, chain_iter = iter(events), iter(chain)
    event, link = next(event_iter, None), next(chain_iter, None)
    while event is not None or link is not None:
        if link is None or (event is not None and event.position < link.position):
            assert event is not None
            report.problem = Problem(
                "inserted",
                event.position,
                event.originator_id,
                f"version {event.version} ({event.topic}) is not in the chain",
            )
            return report
        if event is None or link.position < event.position:
            report.problem = Problem(
                "deleted",
                link.position,
                link.originator_id,
                f"version {link.version} is chained but missing from the log",
            )
            return report
        if (event.originator_id, event.version) != (link.originator_id, link.version):
            report.problem = Problem(
                "reordered",
                event.position,
                event.originator_id,
                f"version {event.version} stands where the chain has"
                f" {link.originator_id} version {link.version}",
            )
            return report
        known = records.get(event.originator_id)
        if known is None and previous_record is not None and event.version > 1:
            found = previous_record(event.originator_id, event.version - 1)
            known = (event.version - 1, found) if found is not None else None
        last_version, last_hash = known or (0, GENESIS)
        if event.version != last_version + 1:
            report.problem = Problem(
                "reordered",
                event.position,
                event.originator_id,
                f"version {event.version} follows version {last_version}",
            )
            return report
        recomputed = record_hash(
            last_hash, event.originator_id, event.version, event.topic, event.state
        )
        if recomputed != link.record_hash:
            report.problem = Problem(
                "altered",
                event.position,
                event.originator_id,
                f"version {event.version} ({event.topic}) does not hash to its chain entry",
            )
            return report
        chained = chain_hash(previous_chain, event.position, recomputed)
        if chained != link.chain_hash:
            report.problem = Problem(
                "chain-broken",
                event.position,
                event.originator_id,
                "the log chain does not continue here (rows removed, added or rewritten)",
            )
            return report
        records[event.originator_id] = (event.version, recomputed)
        previous_chain = chained
        report.events += 1
        report.head = event.position
        report.head_hash = chained
        while (
            next_checkpoint < len(pending) and pending[next_checkpoint].position <= event.position
        ):
            checkpoint = pending[next_checkpoint]
            if checkpoint.position != event.position or checkpoint.chain_hash != chained:
                report.problem = Problem(
                    "checkpoint-mismatch",
                    checkpoint.position,
                    event.originator_id,
                    f"the log differs from the checkpoint signed {checkpoint.signed_at}",
                )
                return report
            report.checkpoints += 1
            report.signed_through = checkpoint.position
            next_checkpoint += 1
        event, link = next(event_iter, None), next(chain_iter, None)
    if next_checkpoint < len(pending):
        checkpoint = pending[next_checkpoint]
        report.problem = Problem(
            "deleted",
            checkpoint.position,
            "-",
            "a signed checkpoint stands beyond the end of the log",
        )
    return report
