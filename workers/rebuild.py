"""Rebuilding read models on every core.

Projections are independent: each reads only the log and writes only its own tables,
under its own position. So groups of them rebuild in separate processes, each reading
and decoding the log itself; with two cores the rebuild costs about the slowest group,
not the sum. A group that fails leaves its projections as a failed rebuild leaves them
(rebuilt again by the next run); the others are not touched by it.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from typing import Any

from projections.projector import Projector
from projections.registry import all_projections
from workers.settings import Settings
from workers.stores import make_app, make_read_store

WEIGHTS: dict[str, float] = {
    "meetings": 4.5,
    "cells": 2.0,
    "resolutions": 1.3,
    "inspections": 0.2,
    "organisations": 0.1,
    "tasks": 0.1,
    "escalations": 0.1,
    "fees": 0.1,
    "reminders": 0.1,
    "deliveries": 0.1,
}
"""Seconds each projection adds to reading 150 000 events of the benchmark log
(`python -m bench.projections`, SQLite, one projection at a time): what the groups are
balanced by. Unknown names weigh 1."""


def groups(names: Sequence[str], jobs: int) -> list[list[str]]:
    """`names` in at most `jobs` groups of about equal weight (heaviest first, each into
    the lightest group so far), each kept in the registry's order."""
    order = {name: i for i, name in enumerate(names)}
    loads: list[tuple[float, list[str]]] = [(0.0, []) for _ in range(max(1, jobs))]
    for name in sorted(names, key=lambda n: -WEIGHTS.get(n, 1.0)):
        weight, group = min(loads, key=lambda entry: entry[0])
        loads.remove((weight, group))
        group.append(name)
        loads.append((weight + WEIGHTS.get(name, 1.0), group))
    return [sorted(group, key=order.__getitem__) for _, group in loads if group]


def _rebuild_here(
    settings: Settings, names: Sequence[str], progress: Callable[[int], None] | None
) -> int:
    """Rebuilds `names` in this process; returns how many events were read."""
    app, store = make_app(settings), make_read_store(settings)
    try:
        chosen = [p for p in all_projections() if p.name in names]
        return Projector(app, store, chosen).rebuild(progress)
    finally:
        store.close()
        app.close()


def _rebuild_group(settings: Settings, names: list[str], reports: Any, index: int) -> None:
    """One process: rebuilds `names`, reporting progress and its end on `reports`."""
    try:
        count = _rebuild_here(settings, names, lambda n: reports.put(("progress", index, n)))
        reports.put(("done", index, count))
    except BaseException as error:  # told to the parent, which raises it
        reports.put(("failed", index, f"{type(error).__name__}: {error}"))


class RebuildError(Exception):
    """A group of projections could not be rebuilt (the message says which and why)."""


def rebuild(
    settings: Settings,
    names: Sequence[str] | None = None,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Drops and refills the named read models (all when None) from the whole log, in
    `jobs` processes (default: the cores, at most one a projection); returns how many
    events were read. `progress` hears how far the slowest group has come."""
    chosen = [p.name for p in all_projections() if names is None or p.name in names]
    jobs = min(jobs or os.cpu_count() or 1, len(chosen))
    if jobs <= 1:
        return _rebuild_here(settings, chosen, progress)
    parts = groups(chosen, jobs)
    context = multiprocessing.get_context("spawn")  # no threads or connections inherited
    reports = context.Queue()
    processes = [
        context.Process(
            target=_rebuild_group, args=(settings, part, reports, i), name=f"rebuild-{i}"
        )
        for i, part in enumerate(parts)
    ]
    for process in processes:
        process.start()
    done: dict[int, int] = {}
    failed: list[str] = []
    seen = [0] * len(parts)
    told = 0
    try:
        while len(done) + len(failed) < len(parts):
            try:
                kind, index, value = reports.get(timeout=1.0)
            except queue.Empty:
                dead = [
                    i
                    for i, p in enumerate(processes)
                    if not p.is_alive() and i not in done and p.exitcode not in (None, 0)
                ]
                if dead and reports.empty():
                    failed += [
                        f"{parts[i]}: the process ended ({processes[i].exitcode})" for i in dead
                    ]
                    break
                continue
            if kind == "progress":
                seen[index] += value
                slowest = min(seen)
                if progress and slowest > told:
                    progress(slowest - told)
                    told = slowest
            elif kind == "done":
                done[index] = value
            else:
                failed.append(f"{parts[index]}: {value}")
    finally:
        for process in processes:
            process.join()
    if failed:
        raise RebuildError("; ".join(failed))
    return max(done.values(), default=0)
