"""Entry points of the long-running processes: projector, dispatcher, worker."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable

from temporalio.client import Client

from audit.signing import load_private, unsigned_events
from audit.verify import SigningRefusedError, sign_checkpoint
from projections.projector import Projector
from projections.registry import all_projections
from workers.settings import Settings
from workers.wiring import connect_temporal, make_activities, make_app, make_read_store
from workers.worker import build_worker
from workflows.dispatcher import Dispatcher

log = logging.getLogger("chibo")


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s"
    )


def _stop_on_signals(stop: Callable[[], None]) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop())


def run_projector(settings: Settings) -> int:
    """Follows the log until stopped (0); once a projection cannot apply an event, catches
    the others up, says which, where and why, and returns 1 (the supervisor restarts it,
    and the failed projection is tried again)."""
    app, store = make_app(settings), make_read_store(settings)
    stop = threading.Event()
    _stop_on_signals(stop.set)
    projector = Projector(app, store, all_projections(), settings.projector_batch_size)
    log.info("projector following the log from %s", projector.positions())
    key = None
    if settings.audit_key_path.exists():
        key = load_private(settings.audit_key_path)  # KeyFileError: a clear message, exit 2
    else:
        log.warning("no audit key at %s: checkpoints are not signed", settings.audit_key_path)
    if key is not None and settings.audit_witness_dir is None:
        log.warning("CHIBO_AUDIT_WITNESS_DIR not set: checkpoints have no witness")

    def checkpoint() -> None:
        # Sign the chain's head once enough events are unsigned (tamper evidence), after
        # verifying the chain from the last signed checkpoint.
        nonlocal key
        if key is not None and unsigned_events(store) >= settings.checkpoint_every:
            try:
                signed = sign_checkpoint(app, store, key, witness_dir=settings.audit_witness_dir)
            except SigningRefusedError as refused:
                log.error("%s; no more checkpoints until `chibo audit verify` is clean", refused)
                key = None
                return
            if signed:
                log.info("signed checkpoint at position %s", signed.position)

    try:
        projector.run_forever(stop, on_idle=checkpoint, until_failure=True)
        if projector.failures:
            for failure in projector.failures.values():
                log.error("%s; the other projections are caught up", failure.message())
            return 1
        log.info("projector stopped at %s", projector.positions())
        return 0
    finally:
        store.close()
        app.close()


def run_dispatcher(settings: Settings) -> None:
    async def main() -> None:
        app, store = make_app(settings), make_read_store(settings)
        stop = threading.Event()
        loop = asyncio.get_running_loop()
        main_task = asyncio.current_task()

        def request_stop() -> None:
            # Cancel at once: a call to an unreachable Temporal may hang for long, and
            # delivery is at least once, so an interrupted batch is simply sent again.
            stop.set()
            if main_task is not None:
                main_task.cancel()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, request_stop)
        try:
            client = await _connect_with_retry(settings, stop)
            if client is None:
                return
            dispatcher = Dispatcher(
                app, store, client, settings.task_queue, settings.dispatcher_batch_size
            )
            log.info("dispatcher following the log from %s", dispatcher.position())
            await dispatcher.run_forever(stop, asyncio.sleep)
        except asyncio.CancelledError:
            log.info("dispatcher stopped")
        finally:
            store.close()
            app.close()

    asyncio.run(main())


def run_worker(settings: Settings) -> None:
    async def main() -> None:
        stop = threading.Event()
        loop = asyncio.get_running_loop()
        stopped = asyncio.Event()

        def request_stop() -> None:
            stop.set()
            stopped.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, request_stop)
        client = await _connect_with_retry(settings, stop)
        if client is None:
            return
        app = make_app(settings)
        activities = make_activities(settings, app)
        worker = build_worker(client, settings.task_queue, activities, settings.worker_cache_size)
        log.info("worker polling task queue %s", settings.task_queue)
        try:
            async with worker:
                await stopped.wait()
        finally:
            activities.close()
            app.close()

    asyncio.run(main())


async def _connect_with_retry(settings: Settings, stop: threading.Event) -> Client | None:
    delay = 0.5
    while not stop.is_set():
        try:
            return await connect_temporal(settings)
        except RuntimeError as error:
            log.warning(
                "Temporal at %s not reachable (%s); retrying in %.1fs",
                settings.effective_temporal_address,
                error,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
    return None
