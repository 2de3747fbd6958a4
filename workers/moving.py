"""Moving an organisation to another partition (`chibo partitions move`).

A log is never rewritten: the organisation's history is copied, in its order, into the
target's log (new positions in the target's chain), and stays in the source's log for
auditors, with a row in each store saying so (`audit/moves.py`). In order:

1. the source stops taking its writes: its accounts are disabled and their sessions
   and calendar links dropped, and its workflows in the source's namespace are stopped;
2. the source's chain must verify: a checkpoint of its head is signed, or the move is
   refused and nothing is copied;
3. its records (the organisation, its cells and every record of theirs, its ledgers,
   escalations and reminders) are copied into the target in one transaction, after a
   row that holds the target's dispatcher until the copy's range is known; a record id
   the target already has refuses the move (two organisations may both have a `c1`);
4. its accounts, contacts and webhook are copied; the target's chain is signed; the
   directory names the target as its partition.

The target's projector reads the copied events like any others; its dispatcher restarts
the duties they steer (the calendar, follow-ups, escalations) but does not send their
notices again (`workflows/dispatcher.py`, HISTORY_REACTIONS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import StoredEvent
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from audit.chain import StoredRow
from audit.moves import (
    Move,
    abandon_move_in,
    begin_move_in,
    clear_unfinished,
    finish_move_in,
    moves,
    record_move_out,
)
from audit.verify import SigningRefusedError, checkpoints, sign_checkpoint, stored_rows
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.command_log import CommandRecord
from domain.notices import Escalation
from domain.organisation import Organisation
from domain.resolution import Resolution
from projections.store import Cursor, ReadStore
from workers.partitions import Directory, Partition
from workers.settings import Settings
from workers.stores import make_app, make_read_store
from workflows.calendar import calendar_workflow_id
from workflows.escalation import escalation_workflow_id
from workflows.followup import followup_workflow_id

SIDE_TABLES: dict[str, tuple[str, ...]] = {
    "chibo_accounts": ("organisation", "member", "password_hash", "disabled", "created_at"),
    "chibo_contacts": (
        "organisation",
        "member",
        "email",
        "digest",
        "updated_at",
        "updated_by",
    ),
    "chibo_contact_kinds": ("organisation", "member", "kind"),
    "chibo_webhooks": ("organisation", "url", "secret", "set_by", "set_at"),
}
"""The organisation's rows outside the log that go with it (sessions and calendar links
do not: they name the source partition, and are issued again in the target)."""


class MoveRefusedError(ValueError):
    """The move cannot be made; nothing was copied (the message says why, for users)."""


class MoveIncompleteError(RuntimeError):
    """The records were copied but the move could not be finished (the message says
    what is left); running the move again finishes it."""


@dataclass
class Owned:
    """An organisation's part of a log: its streams' rows in log order, and the keys
    of the records whose workflows steer its duties."""

    rows: list[StoredRow] = field(default_factory=list)
    streams: set[str] = field(default_factory=set)
    cells: set[str] = field(default_factory=set)
    resolutions: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MoveReport:
    organisation: str
    source: str
    target: str
    streams: int
    events: int
    first: int
    last: int
    source_head: int
    source_hash: str
    side_rows: dict[str, int]
    workflows_stopped: int


def owned_by(app: ChiboApplication, organisation: str, stop: int) -> Owned:
    """The organisation's streams in the log up to `stop`: a stream is its own when its
    first event names it, or names one of its cells (founded before their records)."""
    owned = Owned()
    _gather(app, organisation, owned, 1, stop)
    return owned


def _gather(
    app: ChiboApplication, organisation: str, owned: Owned, start: int, stop: int | None
) -> list[StoredRow]:
    """Adds to `owned` the organisation's rows from `start` to `stop` (the end: None);
    returns them."""
    found: list[StoredRow] = []
    decode = app.mapper.decode
    for row in stored_rows(app, start, stop):
        if row.version == 1:
            event = decode(UUID(row.originator_id), 1, row.topic, row.state)
            if not _belongs(event, organisation, owned):
                continue
            owned.streams.add(row.originator_id)
        elif row.originator_id not in owned.streams:
            continue
        found.append(row)
    owned.rows += found
    return found


def _belongs(event: object, organisation: str, owned: Owned) -> bool:
    if isinstance(event, Organisation.Registered):
        return event.key == organisation
    if isinstance(event, CommandRecord.Accepted):
        return False  # the command log keys retries, not records: it stays
    found = getattr(event, "organisation", None)
    cell = getattr(event, "cell", None)
    if isinstance(found, str):
        mine = found == organisation
        if mine and isinstance(event, Cell.Founded):
            owned.cells.add(event.key)
        elif mine and isinstance(event, Escalation.Raised):
            owned.escalations.append(event.key)
        return mine
    if isinstance(cell, str):
        mine = cell in owned.cells
        if mine and isinstance(event, Resolution.Adopted):
            owned.resolutions.append(event.key)
        return mine
    raise MoveRefusedError(
        f"không rõ hồ sơ {type(event).__qualname__} thuộc đảng ủy nào"
        f" (cannot tell whose record {type(event).__qualname__} is)"
    )


def _in_target(store: ReadStore, streams: set[str], after: int) -> tuple[dict[str, int], int, int]:
    """The highest version of each of `streams` the target's chain already holds, and
    the first and last of their positions there past `after` (0, 0 if none)."""
    held: dict[str, int] = {}
    first, last = 0, 0
    ordered = sorted(streams)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        past = "CASE WHEN position > %s THEN position END"
        for stream, version, low, high in store.query(
            f"SELECT originator_id, MAX(originator_version), MIN({past}), MAX({past})"
            f" FROM chibo_chain WHERE originator_id IN ({marks}) GROUP BY originator_id",
            [after, after, *chunk],
        ):
            held[str(stream)] = int(version)
            if low is not None:
                first = int(low) if not first else min(first, int(low))
                last = max(last, int(high))
    return held, first, last


SideRows = dict[str, list[tuple[object, ...]]]


def _side_rows(cur: Cursor, organisation: str) -> SideRows:
    found: SideRows = {}
    for table, columns in SIDE_TABLES.items():
        cur.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE organisation = %s", (organisation,)
        )
        found[table] = [tuple(row) for row in cur.fetchall()]
    return found


def _put_side_rows(cur: Cursor, organisation: str, rows: SideRows) -> None:
    """The organisation's rows in the target: only leftovers of an earlier attempt can
    be there (its records were not), so they are replaced."""
    for table, columns in SIDE_TABLES.items():
        cur.execute(f"DELETE FROM {table} WHERE organisation = %s", (organisation,))
        if rows[table]:
            cur.executemany(
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join(['%s'] * len(columns))})",
                rows[table],
            )


def _stop_writes(store: ReadStore, organisation: str) -> tuple[list[str], SideRows]:
    """Disables the organisation's accounts here and drops their sessions and calendar
    links; returns the members whose accounts were enabled (to enable again if the move
    does not happen) and its rows to copy, as they were just before."""
    with store.transaction() as cur:
        side = _side_rows(cur, organisation)
        cur.execute(
            "SELECT member FROM chibo_accounts WHERE organisation = %s AND disabled = 0",
            (organisation,),
        )
        enabled = [str(row[0]) for row in cur.fetchall()]
        cur.execute(
            "UPDATE chibo_accounts SET disabled = 1 WHERE organisation = %s", (organisation,)
        )
        cur.execute("DELETE FROM chibo_sessions WHERE organisation = %s", (organisation,))
        cur.execute("DELETE FROM chibo_calendar_tokens WHERE organisation = %s", (organisation,))
    return enabled, side


def _resume_writes(store: ReadStore, organisation: str, members: list[str]) -> None:
    with store.transaction() as cur:
        cur.executemany(
            "UPDATE chibo_accounts SET disabled = 0 WHERE organisation = %s AND member = %s",
            [(organisation, member) for member in members],
        )


def workflow_ids(organisation: str, owned: Owned) -> list[str]:
    """The source's workflows that steer the organisation's duties."""
    return [
        calendar_workflow_id(organisation),
        *(followup_workflow_id(key) for key in owned.resolutions),
        *(escalation_workflow_id(key) for key in owned.escalations),
    ]


async def stop_workflows(client: Client, ids: list[str], reason: str) -> int:
    """Terminates those still running; returns how many were."""
    stopped = 0
    for workflow_id in ids:
        try:
            await client.get_workflow_handle(workflow_id).terminate(reason=reason)
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            continue  # never started, or already ended
        stopped += 1
    return stopped


def _signed_head(
    app: ChiboApplication, store: ReadStore, key: Ed25519PrivateKey
) -> tuple[int, bytes]:
    """Signs the head of this chain (it must verify); returns (position, chain hash)."""
    signed = sign_checkpoint(app, store, key)
    if signed is None:  # nothing new since the last checkpoint: that one is the head
        signed = checkpoints(store)[-1]
    return signed.position, signed.chain_hash


def move_organisation(
    directory: Directory,
    base: Settings,
    organisation: str,
    target_name: str,
    key: Ed25519PrivateKey,
    stop: Callable[[list[str]], int],
) -> MoveReport:
    """Moves `organisation` to the partition `target_name` (see the module); `stop`
    ends the given workflows in the source's namespace and says how many ran."""
    source_p = _source(directory, organisation, target_name)
    target_p = directory.named(target_name)
    source_s, target_s = source_p.settings(base), target_p.settings(base)
    source_app, source_store = make_app(source_s), make_read_store(source_s)
    target_app, target_store = make_app(target_s), make_read_store(target_s)
    try:
        enabled, side = _stop_writes(source_store, organisation)
        try:
            try:
                head, chain_hash = _signed_head(source_app, source_store, key)
            except SigningRefusedError as refused:
                raise MoveRefusedError(
                    f"chuỗi của phân vùng nguồn {source_p.name} không hợp lệ"
                    f" (the source's chain does not verify): {refused.problem}"
                ) from None
            owned = owned_by(source_app, organisation, head)
            if not owned.rows:
                raise MoveRefusedError(
                    f"đảng ủy {organisation} không có hồ sơ nào ở {source_p.name}"
                    f" (no records of {organisation} in {source_p.name})"
                )
            before = _settled_moves_in(target_store, organisation, source_p.name, owned)
            held, _, _ = _in_target(target_store, owned.streams, 0)
            if held and not before:
                raise MoveRefusedError(
                    f"phân vùng {target_name} đã có {len(held)} hồ sơ trùng mã"
                    f" (the target already has {len(held)} of these record ids,"
                    f" e.g. {min(held)}): đổi mã trước khi chuyển"
                )
            # What an earlier run did not copy: the whole history the first time, else
            # what was recorded in the source after that run's head (below).
            missing = [row for row in owned.rows if row.version > held.get(row.originator_id, 0)]
            stopped = stop(workflow_ids(organisation, owned))
        except BaseException:
            _resume_writes(source_store, organisation, enabled)
            raise
        if missing:
            first, last = _copy(
                target_app,
                target_store,
                (organisation, source_p.name, head, chain_hash),
                missing,
                None if before else side,  # an earlier run copied them, as they were then
            )
        else:  # all copied by earlier runs: the move goes on from the last copy
            first, last = before[-1].first or 0, before[-1].last or 0
        if not _moved_out(source_store, organisation, last):
            with source_store.transaction() as cur:
                record_move_out(
                    cur,
                    Move(
                        organisation,
                        "out",
                        target_name,
                        head,
                        chain_hash.hex(),
                        0,
                        first,
                        last,
                        last - first + 1,
                        _now(),
                    ),
                )
        try:
            sign_checkpoint(target_app, target_store, key)
        except SigningRefusedError as refused:
            raise MoveIncompleteError(
                f"đã chép sang {target_name} nhưng chuỗi của {target_name} không hợp lệ,"
                f" chưa ký (copied, but the target's chain does not verify; not signed,"
                f" directory unchanged): {refused.problem}"
            ) from None
        # Stopping a workflow does not stop an activity it had started: one finishing now
        # records its event past the signed head, where this copy did not look.
        late = _gather(source_app, organisation, owned, head + 1, None)
        if late:
            raise MoveIncompleteError(
                f"{len(late)} sự kiện của {organisation} được ghi ở {source_p.name} sau vị trí"
                f" {head} đã ký, khi đang chép; chạy lại lệnh chuyển để chép nốt ({len(late)}"
                f" events of {organisation} were recorded in the source after its signed"
                f" head {head}, by work that was running when the move began; directory"
                f" unchanged: run the move again to copy them)"
            )
        return MoveReport(
            organisation=organisation,
            source=source_p.name,
            target=target_name,
            streams=len(owned.streams),
            events=len(owned.rows),
            first=first,
            last=last,
            source_head=head,
            source_hash=chain_hash.hex(),
            side_rows={table: len(rows) for table, rows in side.items()},
            workflows_stopped=stopped,
        )
    finally:
        for closing in (source_store, source_app, target_store, target_app):
            closing.close()


def _source(directory: Directory, organisation: str, target_name: str) -> Partition:
    try:
        source = directory.partition_of(organisation)
    except KeyError:
        raise MoveRefusedError(
            f"đảng ủy {organisation} không thuộc phân vùng nào (in no partition)"
        ) from None
    try:
        directory.named(target_name)
    except KeyError:
        raise MoveRefusedError(f"không có phân vùng {target_name} (no such partition)") from None
    if source.name == target_name:
        raise MoveRefusedError(
            f"đảng ủy {organisation} đã ở phân vùng {target_name} (already there)"
        )
    return source


def _copy(
    target: ChiboApplication,
    store: ReadStore,
    origin: tuple[str, str, int, bytes],
    rows: list[StoredRow],
    side: SideRows | None,
) -> tuple[int, int]:
    """`rows` appended to the target's log in one transaction (with the side rows, if
    given); returns their first and last positions there. `origin`: the organisation,
    the source partition, and the source's signed head (position, chain hash)."""
    organisation, source, head, chain_hash = origin
    with store.transaction() as cur:
        # An earlier attempt that died before its copy left its row: the target has
        # none of these records (checked), so that row holds the dispatcher for nothing.
        clear_unfinished(cur, organisation)
        after = target.recorder.max_notification_id() or 0
        moved_at = begin_move_in(cur, organisation, source, head, chain_hash.hex(), after)
        # Before the records: a run that dies after their copy has nothing left to copy.
        if side is not None:
            _put_side_rows(cur, organisation, side)
    try:
        positions = target.recorder.insert_events(
            [
                StoredEvent(
                    originator_id=UUID(row.originator_id),
                    originator_version=row.version,
                    topic=row.topic,
                    state=row.state,
                )
                for row in rows
            ]
        )
    except BaseException:
        with store.transaction() as cur:
            abandon_move_in(cur, organisation, moved_at)
        raise
    if not positions:
        raise RuntimeError("the target's recorder did not say where it put the events")
    first, last = min(positions), max(positions)
    with store.transaction() as cur:
        finish_move_in(cur, organisation, moved_at, first, last)
    return first, last


def _settled_moves_in(store: ReadStore, organisation: str, source: str, owned: Owned) -> list[Move]:
    """The copies of this organisation from this source into `store` by earlier runs,
    oldest first: a whole history, then what was recorded after a run's head. A run
    that stopped between its copy and saying where is settled first: the range is
    where the chain holds the organisation's rows past the copy's start (no later copy
    began while that row held the target's dispatcher); a run whose copy never
    committed leaves nothing, and its row goes."""
    found: list[Move] = []
    for move in moves(store):
        if (move.organisation, move.direction, move.partition) != (organisation, "in", source):
            continue
        if move.first is None:
            _, first, last = _in_target(store, owned.streams, move.after)
            with store.transaction() as cur:
                if not first:
                    abandon_move_in(cur, organisation, move.moved_at)
                    continue
                finish_move_in(cur, organisation, move.moved_at, first, last)
            move = move._replace(first=first, last=last, events=last - first + 1)
        found.append(move)
    return found


def _moved_out(store: ReadStore, organisation: str, last: int) -> bool:
    """Whether the source already says where the copy ending at `last` went."""
    return any(
        m.organisation == organisation and m.direction == "out" and m.last == last
        for m in moves(store)
    )


def moved_directory(directory: Directory, organisation: str, target_name: str) -> Directory:
    """The directory with `organisation` listed under `target_name` only."""
    partitions = [
        p.model_copy(
            update={
                "organisations": [o for o in p.organisations if o != organisation]
                + ([organisation] if p.name == target_name else [])
            }
        )
        for p in directory.partitions
    ]
    return Directory(partitions=partitions)


def write_directory(path: Path, directory: Directory) -> None:
    """Replaces the file at once (a reader never sees half of it)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(
        yaml.safe_dump(directory.model_dump(), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    temporary.replace(path)


def _now() -> str:
    return datetime.now(UTC).isoformat()
