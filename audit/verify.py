"""Reading the chain back: the stored log, the `chibo_chain` rows and the signed
checkpoints, in position order and in batches; verifying the store with them (and with
a witness or an expected head), and signing the head of a chain that verifies.

The chain's writer is audit/recorders.py; the check itself is audit/chain.py `verify`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit import witness
from audit.chain import (
    GENESIS,
    ChainRow,
    Checkpoint,
    Problem,
    Report,
    StoredRow,
    unsigned_checkpoint,
    verify,
)
from audit.recorders import RECORD_HASH, chain_id
from audit.signing import make_checkpoint, raw, signature_checker, store_checkpoint
from domain.application import ChiboApplication
from domain.persistence import read_rows
from projections.store import ReadStore

BATCH = 5000


def stored_rows(
    app: ChiboApplication, start: int = 1, stop: int | None = None
) -> Iterator[StoredRow]:
    position = start
    while rows := read_rows(app.recorder, position, BATCH, stop):
        for at, originator_id, version, topic, state in rows:
            yield StoredRow(at, chain_id(originator_id), version, topic, state)
        position = rows[-1][0] + 1


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


def log_head(app: ChiboApplication, store: ReadStore) -> int:
    """The last position the log or its chain holds, read before any of their rows: a
    check reads both up to it. Without that bound, an event committed while the check
    was reading (with its chain entry, in one transaction) was seen in one of the two
    and not the other, and a live store was reported as tampered with ("deleted" or
    "inserted"). A tail cut from either, or added to either, stays within it. Read
    after the checkpoints: each of those was signed at a position the log then held."""
    chained = store.query("SELECT MAX(position) FROM chibo_chain")[0][0]
    return max(app.recorder.max_notification_id() or 0, int(chained or 0))


def checkpoints(store: ReadStore) -> list[Checkpoint]:
    rows = store.query(
        "SELECT position, chain_hash, signature, public_key, signed_at FROM chibo_checkpoints"
        " ORDER BY position"
    )
    return [Checkpoint(int(p), bytes(c), bytes(s), bytes(k), str(t)) for p, c, s, k, t in rows]


def _chain_hash_at(store: ReadStore, position: int) -> bytes | None:
    rows = store.query("SELECT chain_hash FROM chibo_chain WHERE position = %s", (position,))
    return bytes(rows[0][0]) if rows else None


@dataclass(frozen=True)
class Head:
    """A (position, chain hash) known from outside the database: a witness's checkpoint or
    an auditor's note of `audit verify`'s output (`POSITION:HEX`)."""

    position: int
    chain_hash: bytes
    source: str
    public_key: bytes | None = None
    """The key that signed it (a witness's checkpoint): the verifying key must be it."""

    @classmethod
    def parse(cls, text: str) -> Head:
        position, sep, digest = text.strip().partition(":")
        try:
            if not sep:
                raise ValueError
            head = cls(int(position), bytes.fromhex(digest), "the expected head")
        except ValueError:
            raise ValueError(f"expected POSITION:HASH (hex), not {text!r}") from None
        if head.position < 1 or len(head.chain_hash) != 32:
            raise ValueError(f"expected POSITION:HASH with a 64-digit hex hash, not {text!r}")
        return head


def witness_heads(directory: Path) -> list[Head]:
    """The witness's checkpoints as heads the store must still hold (WitnessError)."""
    return [
        Head(c.position, c.chain_hash, f"the witness's checkpoint of {c.signed_at}", c.public_key)
        for c in witness.read(directory)
    ]


def _check_heads(
    report: Report,
    store: ReadStore,
    stored: Sequence[Checkpoint],
    heads: Iterable[Head],
    key: bytes,
) -> Problem | None:
    """The first head the store no longer holds as it was: a truncated tail, a deleted
    or changed checkpoint, a checkpoint signed by another key than the verifying one.
    Only meaningful once the chain itself verified."""
    signed = {c.position: c.chain_hash for c in stored}
    for head in sorted(heads, key=lambda h: h.position):
        if head.public_key is not None and head.public_key != key:
            return Problem(
                "key-replaced",
                head.position,
                "-",
                f"{head.source} was signed by another key than the one verifying"
                " (the audit key was replaced)",
            )
        if head.position > report.head:
            return Problem(
                "truncated",
                head.position,
                "-",
                f"{head.source} is at position {head.position} but the log ends at"
                f" {report.head}: events were deleted from its tail",
            )
        chained = _chain_hash_at(store, head.position)
        if chained is None:
            return Problem(
                "deleted", head.position, "-", f"{head.source} names a position not in the log"
            )
        if chained != head.chain_hash:
            return Problem(
                "head-mismatch",
                head.position,
                "-",
                f"the log differs from {head.source}: rewritten and re-chained",
            )
        if head.source.startswith("the witness") and signed.get(head.position) is None:
            return Problem(
                "deleted",
                head.position,
                "-",
                f"{head.source} is missing from the store's checkpoints",
            )
    return None


def verify_store(
    app: ChiboApplication,
    store: ReadStore,
    public: Ed25519PublicKey,
    *,
    allow_unsigned: bool = False,
    heads: Iterable[Head] = (),
) -> Report:
    """The whole store checked: the chain, every checkpoint's signature, at least one
    checkpoint when there are events (unless `allow_unsigned`), and every head known
    from outside (a witness, an expected head) still there as it was."""
    stored = checkpoints(store)
    head = log_head(app, store)
    report = verify(
        stored_rows(app, 1, head), chain_rows(store, 1, head), stored, signature_checker(public)
    )
    return finish_check(report, store, stored, public, allow_unsigned=allow_unsigned, heads=heads)


def finish_check(
    report: Report,
    store: ReadStore,
    stored: Sequence[Checkpoint],
    public: Ed25519PublicKey,
    *,
    allow_unsigned: bool = False,
    heads: Iterable[Head] = (),
) -> Report:
    """What `verify_store` checks once the chain itself verified (`report`, of the whole
    log, in one piece or put together from windows: `combine`) against the store's
    checkpoints `stored`."""
    if report.problem is not None:
        return report
    report.problem = _check_heads(report, store, stored, heads, raw(public))
    if report.problem is None and report.events and not report.checkpoints and not allow_unsigned:
        report.problem = Problem(
            "unsigned",
            report.head,
            "-",
            f"{report.events} events and no signed checkpoint: nothing proves the log was not"
            " rewritten (sign with `chibo audit checkpoint`, or pass --allow-unsigned)",
        )
    return report


def verify_window(
    app: ChiboApplication, store: ReadStore, public: Ed25519PublicKey, first: int, last: int | None
) -> Report:
    """The chain from position `first` to `last` (None: to the end as `log_head` reads
    it, chain rows and checkpoints past the log included) checked alone, so that
    windows can be checked side by side. It starts from the chain hash stored just
    before it, and a record begun before it from that record's stored hash: the window
    before proves both (it checks every stored hash it passes), so windows that each
    verify, put together in order (`combine`), verify the log as one pass would."""
    every = checkpoints(store)
    check = signature_checker(public)
    problem = unsigned_checkpoint(every, check)  # any of them: one pass tells it first
    if problem is not None:
        return Report(problem=problem)
    # The last window's checkpoints include any past the log's end (each is a problem).
    stored = [c for c in every if first <= c.position and (last is None or c.position <= last)]
    end = last if last is not None else log_head(app, store)
    anchor = GENESIS if first <= 1 else _chain_hash_at(store, first - 1)
    if anchor is None:
        missing = "the chain entry a window starts from is missing"
        return Report(problem=Problem("deleted", first - 1, "-", missing))
    return verify(
        stored_rows(app, first, end),
        chain_rows(store, first, end),
        stored,
        check,
        anchor=anchor,
        previous_record=_stored_record_hash(store),
    )


def combine(reports: Sequence[Report]) -> Report:
    """Reports of consecutive windows (in order) as the report of one pass: counts up to
    the first problem, which is the one told."""
    total = Report()
    for report in reports:
        total.events += report.events
        total.checkpoints += report.checkpoints
        total.signed_through = max(total.signed_through, report.signed_through)
        if report.events:
            total.head, total.head_hash = report.head, report.head_hash
        if report.problem is not None:
            total.problem = report.problem
            break
    return total


def _stored_record_hash(store: ReadStore) -> Callable[[str, int], bytes | None]:
    """The record hash the chain holds for (record, version), for a window's records
    begun before it."""

    def previous_record(originator: str, version: int) -> bytes | None:
        rows = store.query(RECORD_HASH.format(p="%s"), (originator, version))
        return bytes(rows[0][0]) if rows else None

    return previous_record


# --- signing the head -----------------------------------------------------------------------


class SigningRefusedError(RuntimeError):
    """The chain does not verify from the last valid signed checkpoint: nothing signed."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"refusing to sign: {problem}")
        self.problem = problem


def sign_checkpoint(
    app: ChiboApplication,
    store: ReadStore,
    key: Ed25519PrivateKey,
    *,
    witness_dir: Path | None = None,
) -> Checkpoint | None:
    """Signs (position, chain hash) of the chain's head once the chain verifies from the
    last valid signed checkpoint; None when nothing new is chained.

    The starting point is the latest checkpoint in the store signed by this key; with a
    witness, the witness's last checkpoint must also still be in the store as written
    (so deleting checkpoints cannot move the starting point back past a rewrite). Any
    problem raises SigningRefusedError and nothing is signed. The checkpoint is stored,
    then appended to the witness."""
    check = signature_checker(key.public_key())
    stored = checkpoints(store)
    for checkpoint in stored:
        if not check(checkpoint):
            raise SigningRefusedError(
                Problem(
                    "bad-signature",
                    checkpoint.position,
                    "-",
                    "a checkpoint is not signed by this key",
                )
            )
    anchor = stored[-1] if stored else None
    if witness_dir is not None:
        known = witness.read(witness_dir, missing_ok=True)
        if known:
            last = known[-1]
            here = {c.position: c.chain_hash for c in stored}
            if here.get(last.position) != last.chain_hash:
                raise SigningRefusedError(
                    Problem(
                        "deleted" if last.position not in here else "checkpoint-mismatch",
                        last.position,
                        "-",
                        f"the witness's last checkpoint (signed {last.signed_at}) is not in"
                        " the store as written: checkpoints were deleted or changed",
                    )
                )
    start, previous = (anchor.position, anchor.chain_hash) if anchor else (0, GENESIS)
    if anchor is not None and _chain_hash_at(store, anchor.position) != anchor.chain_hash:
        raise SigningRefusedError(
            Problem(
                "checkpoint-mismatch",
                anchor.position,
                "-",
                f"the chain differs from the checkpoint signed {anchor.signed_at}",
            )
        )

    head = log_head(app, store)
    report = verify(
        stored_rows(app, start + 1, head),
        chain_rows(store, start + 1, head),
        [],
        check,
        anchor=previous,
        previous_record=_stored_record_hash(store),
    )
    if report.problem is not None:
        raise SigningRefusedError(report.problem)
    if not report.events:
        return None
    signed = make_checkpoint(key, report.head, report.head_hash)
    store_checkpoint(store, signed)
    if witness_dir is not None:
        witness.append(witness_dir, signed)
    return signed
