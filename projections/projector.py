"""Our projector: follows the global log in batches, exactly once, on SQLite and PostgreSQL.

Each batch is applied to the read-model tables and the projections' positions are
advanced in one transaction, so a kill at any instant leaves either the whole batch
or none of it; on restart the projector resumes from the stored positions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.application import Application

from projections.projection import Projection
from projections.store import ReadStore
from projections.tracking import get_position, set_position

DEFAULT_BATCH = 500


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
        self.batch_size = batch_size
        self.lock = store.backend == "postgres"

    def positions(self) -> dict[str, int]:
        with self.store.transaction() as cur:
            return {p.name: get_position(cur, p.name) for p in self.projections}

    def run_once(self) -> int:
        """Applies the next batch; returns how many events it held (0: caught up)."""
        start = min(self.positions().values(), default=0)
        notifications = self.app.recorder.select_notifications(
            start=start + 1, limit=self.batch_size
        )
        if not notifications:
            return 0
        events = [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]
        last = notifications[-1].id
        with self.store.transaction() as cur:
            for projection in self.projections:
                # Read again inside the transaction: another projector may have moved on.
                position = get_position(cur, projection.name, lock=self.lock)
                for notification_id, event in events:
                    if notification_id > position:
                        projection.apply(cur, event, notification_id)
                if last > position:
                    set_position(cur, projection.name, last)
        return len(events)

    def run_until_caught_up(self, progress: Callable[[int], None] | None = None) -> int:
        total = 0
        while count := self.run_once():
            total += count
            if progress:
                progress(count)
        return total

    def head(self) -> int:
        """The position of the last event in the log."""
        return self.app.recorder.max_notification_id() or 0

    def reset(self) -> None:
        """Drops and recreates this projector's tables and forgets their positions."""
        with self.store.transaction() as cur:
            for projection in self.projections:
                for table in projection.tables:
                    cur.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in projection.ddl:
                    cur.execute(statement)
                set_position(cur, projection.name, 0)

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Refills the tables from the whole log; returns how many events it read."""
        self.reset()
        return self.run_until_caught_up(progress)

    def run_forever(self, stop: threading.Event, poll_interval: float = 0.2) -> None:
        while not stop.is_set():
            if not self.run_once():
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
            thread.join()

    def wait_for(self, position: int, timeout: float = 30.0) -> None:
        """Blocks until every projection has applied the log up to `position`."""
        deadline = time.monotonic() + timeout
        while min(self.positions().values(), default=position) < position:
            if time.monotonic() > deadline:
                raise TimeoutError(f"projections did not reach position {position}")
            time.sleep(0.05)
