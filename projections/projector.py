"""Our projector: follows the global log in batches, exactly once, on SQLite and PostgreSQL.

Each batch is applied to the read-model tables and the projections' positions are
advanced in one transaction, so a kill at any instant leaves either the whole batch
or none of it; on restart the projector resumes from the stored positions.

The positions are read again, locked, inside that transaction: what was read before it
only says where to start reading the log. Projections may remember things between
batches (caches of their own tables); the projector makes them forget when a batch
fails, when a projection's position is not the one this projector left it at (another
process moved it), and on reset, so no batch ever sees state that was rolled back.

Only events some projection acts on are decoded (`Projection.reactions`); the others
are read and skipped.

A projection never stalls the others silently: when a batch fails and the read store
still answers, each projection is tried alone on the batch; one that cannot apply an
event is stopped just before it, its failure (name, position, reason) recorded in
`chibo_projection_failures` (`chibo projections status` shows it), and it is left out
while the others go on. It is tried again by the next projector (a process started
anew), and its failure is forgotten once it gets past that position.
"""

from __future__ import annotations

import gc
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import PersistenceError

from domain.events import TOPICS, resolve_event_class
from domain.persistence import PydanticMapper, read_rows
from projections.projection import Projection
from projections.store import Bulk, ReadStore, Row, Writer, drop_relation
from projections.tracking import (
    Failure,
    clear_failures,
    get_failures,
    get_position,
    get_positions,
    record_failure,
    set_position,
    set_positions,
)

_log = logging.getLogger(__name__)

DEFAULT_BATCH = 500
REBUILD_BATCH = {"postgres": 5_000, "sqlite": 50_000}
"""A rebuild reads at least this many events a batch: nobody waits for each one.
PostgreSQL's batches are pipelined (read, applied and committed side by side), so
small ones keep every stage busy. SQLite commits each batch on the applying thread, and
a commit writes every index page the batch touched (the keys arrive in no order, so a
batch touches most of them): a tenth as many commits made a rebuild of the meetings read
model on the benchmark log about a fifth faster (`python -m bench.projections`)."""


_collector_lock = threading.Lock()
_collector_users = 0
_collector_thresholds = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Catching up keeps batches of decoded events alive long enough to outlive the
    cycle collector's young generations, which then has them traversed again and again
    (a third of the work, measured). Meanwhile it collects less often (cycles are still
    collected); the thresholds are restored when the last catch-up in the process ends."""
    global _collector_users, _collector_thresholds
    with _collector_lock:
        if not _collector_users:
            _collector_thresholds = gc.get_threshold()
            first, *older = _collector_thresholds
            gc.set_threshold(max(first, 100_000), *older)
        _collector_users += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_users -= 1
            if not _collector_users:
                gc.set_threshold(*_collector_thresholds)


@dataclass(frozen=True)
class _Batch:
    known: dict[str, int]
    """The positions it was read for."""
    events: list[list[tuple[int, Any]]]
    """Each projection's (position, event) pairs past its position."""
    last: int
    """The position of its last event."""
    count: int
    """How many events it read; while skipping, how many positions of the log it passed
    (read or left out)."""


class _ReadAhead:
    """Reads batches on a thread of its own, up to `depth` ahead of their writing, each
    for the positions the previous one leaves (as if nobody else moved them)."""

    def __init__(
        self,
        read: Callable[[dict[str, int], int], _Batch | None],
        known: dict[str, int],
        limit: int,
        depth: int = 2,
    ) -> None:
        self._queue: queue.Queue[_Batch | BaseException | None] = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(read, known, limit), name="projector-read", daemon=True
        )
        self._thread.start()

    @staticmethod
    def after(batch: _Batch) -> dict[str, int]:
        """The positions `batch` leaves, where the next one starts."""
        return {name: max(position, batch.last) for name, position in batch.known.items()}

    def _run(
        self,
        read: Callable[[dict[str, int], int], _Batch | None],
        known: dict[str, int],
        limit: int,
    ) -> None:
        try:
            while not self._stop.is_set():
                batch = read(known, limit)
                self._put(batch)
                if batch is None:
                    return
                known = self.after(batch)
        except BaseException as error:
            self._put(error)

    def _put(self, item: _Batch | BaseException | None) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def next(self) -> _Batch | None:
        """The next batch; None once the log is read to its end."""
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class _PositionMovedError(Exception):
    """A projection's position is not the one a batch was applied for."""


_TRANSIENT_SQLSTATES = {"08", "40", "53", "57", "58"}
"""Connection, transaction rollback (serialization, deadlock), insufficient resources,
operator intervention, system errors: worth trying again, never a projection's fault."""


def _transient(error: BaseException) -> bool:
    """Whether `error` may pass if tried again (the database's state, not the event's)."""
    if not isinstance(error, Exception) or isinstance(error, ConnectionError | TimeoutError):
        return True
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate[:2] in _TRANSIENT_SQLSTATES:
        return True
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


class _EventError(Exception):
    """A projection could not apply the event at `position`."""

    def __init__(self, position: int, error: Exception) -> None:
        super().__init__(position, error)
        self.position = position
        self.error = error


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split()) or repr(error)
    return f"{type(error).__name__}: {text}"


class _Committer:
    """A thread that runs jobs in the order given: the transactions of a catch-up."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="projector-write", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        """Runs `fn` after the jobs before it; once one has failed, fails the rest."""
        future: Future[Any] = Future()

        def job() -> None:
            future.set_running_or_notify_cancel()
            if self._failure is not None:
                future.set_exception(RuntimeError("an earlier batch failed"))
                return
            try:
                future.set_result(fn())
            except BaseException as error:
                self._failure = error
                future.set_exception(error)

        self._jobs.put(job)
        return future

    def call(self, fn: Callable[[], Any]) -> Any:
        """`fn()` on this thread, after the jobs before it."""
        if threading.current_thread() is self._thread:
            return fn()
        return self.submit(fn).result()

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()


class _Transaction:
    """A batch's transaction, on the committer's thread: begun when first needed, with
    the positions checked to be the ones the batch was applied for."""

    def __init__(self, projector: Projector, batch: _Batch) -> None:
        self._projector = projector
        self._batch = batch
        self._context: AbstractContextManager[Writer] | None = None
        self._writer: Writer | None = None

    def begin(self) -> Writer:
        if self._writer is None:
            projector = self._projector
            self._context = projector.store.writing(durable=False)
            writer = self._context.__enter__()
            try:
                locked = get_positions(writer, projector.names, lock=projector.lock)
                if locked != self._batch.known:
                    raise _PositionMovedError
            except BaseException as error:
                self.abort(error)
                raise
            self._writer = writer
        return self._writer

    def finish(self, queued: Writer) -> None:
        """Sends what `queued` holds, moves the positions, commits."""
        try:
            writer = self.begin()
            queued.flush()
            batch = self._batch
            moved = {name: batch.last for name, position in batch.known.items()}
            set_positions(writer, {n: p for n, p in moved.items() if batch.known[n] < p})
        except BaseException as error:
            self.abort(error)
            raise
        context, self._context = self._context, None
        assert context is not None
        context.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        """Rolls back, if begun."""
        context, self._context = self._context, None
        if context is not None:
            context.__exit__(type(error), error, error.__traceback__)


class _ForwardingWriter(Writer):
    """A batch's `Writer` on the applying thread: it queues as any; what it sends runs on
    the committer's thread, in the batch's transaction."""

    def __init__(self, transaction: _Transaction, committer: _Committer) -> None:
        super().__init__()
        self._transaction = transaction
        self._committer = committer

    def _on_committer(self, method: str, *args: Any) -> Any:
        transaction = self._transaction
        return self._committer.call(lambda: getattr(transaction.begin(), method)(*args))

    def fetchall(self) -> list[Row]:
        rows: list[Row] = self._on_committer("fetchall")
        return rows

    def fetchone(self) -> Row | None:
        row: Row | None = self._on_committer("fetchone")
        return row

    def _execute(self, sql: str, params: Sequence[Any]) -> Any:
        return self._on_committer("_execute", sql, params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        return self._on_committer("_executemany", sql, rows)

    def _send_rows(self, table: str, columns: tuple[str, ...], rows: list[Sequence[Any]]) -> None:
        self._on_committer("_send_rows", table, columns, rows)

    def _send_bulk(self, bulk: Bulk, rows: list[Sequence[Any]]) -> None:
        self._on_committer("_send_bulk", bulk, rows)


class Projector:
    def __init__(
        self,
        app: Application[Any],
        store: ReadStore,
        projections: Sequence[Projection],
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        self.app = app
        self.store = store
        self.projections = list(projections)
        self.names = [p.name for p in self.projections]
        self.batch_size = batch_size
        self.lock = store.backend == "postgres"
        self.read_ahead = store.backend == "postgres"
        """Whether `run_until_caught_up` reads the next batch on a second thread while it
        writes one: worth it while a server does the writing; SQLite writes in this
        process, and would only fight the reader for the interpreter."""
        self._synced: dict[str, int] = {}
        """Each projection's position as this projector left it at its last commit: its
        instance's caches agree with its tables there."""
        self._interest: dict[str, tuple[int, ...]] = {}
        """Topic → indices of the projections that act on its events."""
        self.failures: dict[str, Failure] = {}
        """Projections that failed in this projector (left out since): name → failure."""
        self.skipping = False
        """Whether reads leave out the events no projection here acts on (a rebuild)."""
        self._skipped: tuple[str, ...] | None = None
        """The topics left out then; None: not worked out yet."""
        self._recorded: dict[str, int] | None = None
        """Failures stored (name → position) by earlier projectors; None: not read."""

    def positions(self) -> dict[str, int]:
        with self.store.reading() as cur:
            return get_positions(cur, self.names)

    def _interested(self, topic: str) -> tuple[int, ...]:
        found = self._interest.get(topic)
        if found is None:
            try:
                cls: type[Any] | None = resolve_event_class(topic)
            except LookupError:
                cls = None  # decoded anyway, to fail as the mapper does
            found = self._interest[topic] = tuple(
                i
                for i, p in enumerate(self.projections)
                if cls is None or issubclass(cls, tuple(p.reactions))
            )
        return found

    def _known(self) -> dict[str, int]:
        """The positions as this projector left them, else as stored."""
        return dict(self._synced) if len(self._synced) == len(self.names) else self.positions()

    def _skipped_topics(self) -> tuple[str, ...]:
        """The known topics none of these projections acts on (a topic the code does not
        know is read, to fail as the mapper does)."""
        if self._skipped is None:
            self._skipped = tuple(t for t in sorted(TOPICS) if not self._interested(t))
        return self._skipped

    def _read(self, known: dict[str, int], limit: int) -> _Batch | None:
        """The next `limit` events past `known` (None: nothing new), those some projection
        acts on decoded. While rebuilding (`skipping`), the events none of them acts on
        are left in the database: a group of projections rebuilt in a process of its
        own skips most of the log, and turning skipped rows into Python objects cost
        about a tenth of such a rebuild."""
        start = min(known.values(), default=0)
        skipped = self._skipped_topics() if self.skipping else ()
        if skipped:
            # Up to the head read first: a short page then means everything up to it was
            # looked at, skipped rows at the end included (positions are handed out in
            # commit order: the recorders insert under a table lock).
            head = self.app.recorder.max_notification_id() or 0
            if head <= start:
                return None
            rows = read_rows(self.app.recorder, start + 1, limit, head, excluding=skipped)
            last = rows[-1][0] if len(rows) == limit else head
        else:
            rows = read_rows(self.app.recorder, start + 1, limit)
            if not rows:
                return None
            last = rows[-1][0]
        behind = [known[name] for name in self.names]
        ahead = max(behind)  # past it, every projection is behind
        # Each projection's events past its position, decoded once for all of them.
        events: list[list[tuple[int, Any]]] = [[] for _ in self.projections]
        decode = cast(PydanticMapper, self.app.mapper).decode  # ChiboApplication's mapper
        interest, interested = self._interest, self._interested
        for position, originator_id, version, topic, state in rows:
            wanting = interest.get(topic)
            if wanting is None:
                wanting = interested(topic)
            if position <= ahead:
                wanting = tuple(i for i in wanting if position > behind[i])
            if wanting:
                event = decode(originator_id, version, topic, state)
                for i in wanting:
                    events[i].append((position, event))
        return _Batch(known, events, last, last - start if skipped else len(rows))

    def run_once(self, batch_size: int | None = None) -> int:
        """Applies the next batch (of `batch_size` events, default this projector's);
        returns how many events it held (0: caught up). A projection that cannot apply
        one of its events is left out (`failures`), the others go on."""
        limit = batch_size or self.batch_size
        while self.projections:
            batch = self._read(self._known(), limit)
            if batch is None:
                return 0
            try:
                applied = self._apply(batch)
            except Exception as error:
                self._isolate(batch, error)
                return batch.count
            if applied is not None:
                self._clear_passed()
                return batch.count
            # A position moved back under us: read them again.
        return 0

    # --- failures ------------------------------------------------------------------------

    def _healthy(self) -> bool:
        """Whether the read store answers at all."""
        try:
            with self.store.transaction() as cur:
                cur.execute("SELECT 1")
                cur.fetchall()
        except Exception:
            return False
        return True

    def _isolate(self, batch: _Batch, error: Exception) -> None:
        """After `batch` failed whole: each projection alone on it, in a transaction of its
        own; one that fails there is stopped before the event it cannot apply. Raises
        `error` if it may pass by itself (the database's trouble, not an event's)."""
        self._forget()
        if _transient(error) or not self._healthy():
            raise error
        for projection, events in zip(list(self.projections), batch.events, strict=True):
            known = batch.known[projection.name]
            try:
                self._apply_alone(projection, events, known, batch.last, None)
            except Exception as failure:
                projection.forget()
                cause = failure.error if isinstance(failure, _EventError) else failure
                if _transient(cause):
                    raise cause from None
                if isinstance(failure, _EventError):
                    failing = failure.position
                else:  # not one event's (its commit): stopped at its first of the batch
                    failing = next((p for p, _ in events if p > known), known + 1)
                self._fail(
                    projection, events, known, Failure(projection.name, failing, _reason(cause))
                )
        self._synced = {}

    def _apply_alone(
        self,
        projection: Projection,
        events: Sequence[tuple[int, Any]],
        known: int,
        last: int,
        failure: Failure | None,
    ) -> None:
        """`projection`'s events past `known` up to `last` in one transaction, flushed one
        by one (an error is raised as the event's `_EventError`), and its position moved
        to `last`; with `failure`, records it there too."""
        with self.store.writing(durable=False) as w:
            name = projection.name
            if get_position(w, name, lock=self.lock) != known:
                return  # another projector moved it: it follows from there
            for position, event in events:
                if known < position <= last:
                    try:
                        projection.apply(w, event, position)
                        w.flush()
                    except Exception as error:
                        raise _EventError(position, error) from error
            if known < last:
                set_position(w, name, last)
            if failure is not None:
                record_failure(w, failure)

    def _fail(
        self,
        projection: Projection,
        events: Sequence[tuple[int, Any]],
        known: int,
        failure: Failure,
    ) -> None:
        """Keeps what `projection` applied before the event it cannot apply, records the
        failure, and leaves the projection out."""
        self._apply_alone(projection, events, known, failure.position - 1, failure)
        projection.forget()
        self.failures[projection.name] = failure
        self.projections = [p for p in self.projections if p is not projection]
        self.names = [p.name for p in self.projections]
        self._interest = {}
        self._synced = {}

    def _clear_passed(self) -> None:
        """Forgets the stored failures of projections now past them."""
        if self._recorded is None:
            with self.store.transaction() as cur:
                stored = get_failures(cur, self.names)
            self._recorded = {name: f.position for name, f in stored.items()}
        if not self._recorded:
            return
        passed = [n for n, p in self._recorded.items() if self._synced.get(n, 0) >= p]
        if passed:
            with self.store.transaction() as cur:
                clear_failures(cur, passed)
            for name in passed:
                del self._recorded[name]

    def stored_failures(self) -> dict[str, Failure]:
        """The failures recorded for this projector's projections (by any process)."""
        with self.store.transaction() as cur:
            return get_failures(cur, [*self.names, *self.failures])

    def _apply(self, batch: _Batch) -> dict[str, int] | None:
        """One transaction: the batch and the new positions, which it returns; None (and
        nothing written) if a projection's position is now behind what the batch was
        read for."""
        known, last = batch.known, batch.last
        try:
            # Not durable: a batch lost with the database server's last moments is still
            # all or nothing with its positions, and is simply applied again.
            with self.store.writing(durable=False) as w:
                # Read again inside the transaction: another projector may have moved on.
                locked = get_positions(w, self.names, lock=self.lock)
                if any(locked[name] < known[name] for name in self.names):
                    self._synced = {}
                    return None
                self._apply_events(w, batch, locked)
                set_positions(w, {name: last for name in self.names if locked[name] < last})
        except BaseException:
            self._forget()
            raise
        self._synced = {name: max(position, last) for name, position in locked.items()}
        return self._synced

    def _apply_events(self, w: Writer, batch: _Batch, positions: dict[str, int]) -> None:
        """Each projection's events of `batch` past its position in `positions`."""
        for projection, events in zip(self.projections, batch.events, strict=True):
            position = positions[projection.name]
            if self._synced.get(projection.name) != position:
                projection.forget()
            if events and events[0][0] <= position:
                events = [item for item in events if item[0] > position]
            if events:
                projection.apply_batch(w, events)

    def _forget(self) -> None:
        self._synced = {}
        for projection in self.projections:
            projection.forget()

    def run_until_caught_up(
        self, progress: Callable[[int], None] | None = None, batch_size: int | None = None
    ) -> int:
        """Applies batches until none is left; returns how many events they held.
        With `read_ahead`, each next batch is read (and decoded) on a second thread while
        this one is written: nothing but reading happens there."""
        with fewer_collections():
            return self._catch_up(progress, batch_size or self.batch_size)

    def _catch_up(self, progress: Callable[[int], None] | None, limit: int) -> int:
        total = 0
        if not self.read_ahead:
            while count := self.run_once(limit):
                total += count
                if progress:
                    progress(count)
            return total
        while self.projections:
            try:
                total += self._pipeline(progress, limit, counted := [0])
                self._clear_passed()
                return total
            except _PositionMovedError:
                # Another process moved a position: what was applied ahead assumed the
                # positions this projector left, so it is forgotten, and read again.
                total += counted[0]
                self._forget()
            except Exception:
                # One batch at a time from there: a projection that cannot apply it is
                # left out (`run_once`), and the pipeline goes on with the others.
                total += counted[0]
                self._forget()
                count = self.run_once(limit)
                total += count
                if progress and count:
                    progress(count)
            except BaseException:
                self._forget()
                raise
        return total

    def _pipeline(
        self, progress: Callable[[int], None] | None, limit: int, counted: list[int]
    ) -> int:
        """Reads batches on one thread, applies each on this one while the previous is
        sent and committed on a third (which alone uses the connection meanwhile). Each
        batch is applied for the positions the previous one leaves; its transaction
        checks them first and, if they are not those, writes nothing and raises
        `_PositionMovedError`. `counted[0]`: the events of the batches committed so far."""
        committer = _Committer()
        reader = _ReadAhead(self._read, self._known(), limit)
        in_flight: tuple[_Batch, Future[None]] | None = None
        try:
            while (batch := reader.next()) is not None:
                transaction = _Transaction(self, batch)
                writer = _ForwardingWriter(transaction, committer)
                try:
                    self._apply_events(writer, batch, batch.known)
                except BaseException as error:
                    # Rolls it back if begun. A committer that failed (maybe this very
                    # batch's check) already rolled back what it ran: nothing to undo.
                    with suppress(Exception):
                        committer.call(partial(transaction.abort, error))
                    raise
                self._synced = reader.after(batch)  # what the projections now remember
                finishing = committer.submit(partial(transaction.finish, writer))
                if in_flight is not None:
                    self._settle(in_flight, progress, counted)
                in_flight = (batch, finishing)
            if in_flight is not None:
                self._settle(in_flight, progress, counted)
                in_flight = None
            return counted[0]
        except BaseException:
            if in_flight is not None:
                in_flight[1].exception()  # the earlier failure, if any, is the one to tell
                self._settle(in_flight, progress, counted)
            raise
        finally:
            reader.close()
            committer.close()

    @staticmethod
    def _settle(
        in_flight: tuple[_Batch, Future[None]],
        progress: Callable[[int], None] | None,
        counted: list[int],
    ) -> None:
        """Waits for a batch's commit (raising what it raised) and counts it."""
        batch, finishing = in_flight
        finishing.result()
        counted[0] += batch.count
        if progress:
            progress(batch.count)

    def head(self) -> int:
        """The position of the last event in the log."""
        return self.app.recorder.max_notification_id() or 0

    def reset(self) -> None:
        """Drops and recreates this projector's tables and forgets their positions."""
        self._forget()
        with self.store.dropping() as cur:
            for projection in self.projections:
                for table in projection.tables:
                    drop_relation(cur, self.store.backend, table)
                for statement in projection.ddl:
                    cur.execute(statement)
                set_position(cur, projection.name, 0)
            clear_failures(cur, self.names)
        self._recorded = None
        # Empty tables at position 0: what the (forgotten) caches now say too.
        self._synced = dict.fromkeys(self.names, 0)

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Refills the tables from the whole log; returns how many events it read."""
        self.reset()
        self.skipping = True
        try:
            return self.run_until_caught_up(
                progress, max(self.batch_size, REBUILD_BATCH[self.store.backend])
            )
        finally:
            self.skipping = False

    def run_forever(
        self,
        stop: threading.Event,
        poll_interval: float = 0.2,
        on_idle: Callable[[], None] | None = None,
        *,
        until_failure: bool = False,
    ) -> None:
        """Follows the log until `stop`; `on_idle` runs whenever it has caught up. With
        `until_failure`, returns once the others have caught up after a projection
        failed (`failures`)."""
        pause = poll_interval
        while not stop.is_set():
            try:
                applied = self.run_once()
            except (PersistenceError, sqlite3.Error, psycopg.Error) as error:
                # The log could not be read (a busy or broken connection): the database's
                # state, not an event's. Try again, slower each time, rather than die.
                _log.warning("projector: reading the log failed, trying again: %s", error)
                stop.wait(pause)
                pause = min(pause * 2, 5.0)
                continue
            pause = poll_interval
            if not applied:
                if until_failure and self.failures:
                    return
                if on_idle:
                    on_idle()
                stop.wait(poll_interval)

    @contextmanager
    def running(self, poll_interval: float = 0.02) -> Iterator[Projector]:
        """Runs this projector on a background thread for the duration of the block
        (the embedded simulator and tests; production runs `chibo projector`)."""
        stop = threading.Event()
        thread = threading.Thread(
            target=self.run_forever, args=(stop, poll_interval), name="projector", daemon=True
        )
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(timeout=60)
            if thread.is_alive():  # one batch takes milliseconds: it is stuck, say so
                raise RuntimeError("the projector thread did not stop within 60 s")

    def wait_for(self, position: int, timeout: float = 30.0) -> None:
        """Blocks until every projection has applied the log up to `position`.

        Asked again after 1 ms, then twice as long each time up to 50 ms: the projector
        is usually a batch behind (a few ms), and a fixed 50 ms pause was most of a
        read-your-writes request's wait and of a check's in a simulated year."""
        deadline = time.monotonic() + timeout
        pause = 0.001
        while min(self.positions().values(), default=position) < position:
            if time.monotonic() > deadline:
                raise TimeoutError(f"projections did not reach position {position}")
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
