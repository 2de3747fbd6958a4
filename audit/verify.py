"""Reading the chain back: the stored log, the `chibo_chain` rows and the signed
checkpoints, in position order and in batches, and verifying the store with them.

The chain's writer is audit/recorders.py; the check itself is audit/chain.py `verify`.
"""

from __future__ import annotations

from collections.abc import Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.chain import ChainRow, Checkpoint, Report, StoredRow, verify
from audit.signing import signature_checker
from domain.application import ChiboApplication
from projections.store import ReadStore

BATCH = 5000


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
