"""Verifying the chain on every core.

The chain is one sequence, but it can be checked in windows side by side: each window
starts from the chain hash stored just before it, and its records begun earlier from
their stored hashes, which the window before checks (`audit.verify.verify_window`). Put
together in order (`audit.verify.combine`), the windows say what one pass says, and
with two cores cost about half. Each window runs in its own process with its own
connections.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.chain import Report
from audit.signing import raw
from audit.verify import Head, checkpoints, combine, finish_check, verify_store, verify_window
from workers.settings import Settings
from workers.stores import make_app, make_read_store

MIN_WINDOW = 50_000
"""Events a window holds at least: below that, starting a process costs more than it
saves (about a second here, against some 50 000 events checked)."""


def windows(head: int, jobs: int) -> list[tuple[int, int | None]]:
    """Positions 1 to `head` in `jobs` consecutive windows; the last is open-ended (it also
    meets whatever was chained past `head`, and checkpoints beyond the log)."""
    size = -(-head // jobs)
    bounds: list[tuple[int, int | None]] = [(1 + i * size, (i + 1) * size) for i in range(jobs)]
    bounds[-1] = (bounds[-1][0], None)
    return bounds


def _verify_window(settings: Settings, public: bytes, first: int, last: int | None) -> Report:
    """One process: a window of the chain, over its own connections."""
    app, store = make_app(settings), make_read_store(settings)
    try:
        return verify_window(app, store, Ed25519PublicKey.from_public_bytes(public), first, last)
    finally:
        store.close()
        app.close()


def verify_everywhere(
    settings: Settings,
    public: Ed25519PublicKey,
    *,
    jobs: int | None = None,
    allow_unsigned: bool = False,
    heads: Iterable[Head] = (),
    min_window: int = MIN_WINDOW,
) -> Report:
    """`audit.verify.verify_store` in `jobs` processes (default: the cores; one when the
    log is too short for windows of `min_window` events)."""
    app, store = make_app(settings), make_read_store(settings)
    try:
        head = app.recorder.max_notification_id() or 0
        jobs = min(jobs or os.cpu_count() or 1, max(1, head // max(1, min_window)))
        if jobs <= 1:
            return verify_store(app, store, public, allow_unsigned=allow_unsigned, heads=heads)
        parts = windows(head, jobs)
        spawn = multiprocessing.get_context("spawn")  # no threads or connections inherited
        with ProcessPoolExecutor(jobs, mp_context=spawn) as pool:
            reports = list(
                pool.map(
                    _verify_window,
                    [settings] * jobs,
                    [raw(public)] * jobs,
                    [first for first, _ in parts],
                    [last for _, last in parts],
                )
            )
        return finish_check(
            combine(reports),
            store,
            checkpoints(store),
            public,
            allow_unsigned=allow_unsigned,
            heads=heads,
        )
    finally:
        store.close()
        app.close()
