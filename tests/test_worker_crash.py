"""Killing the worker (a real `chibo worker` process, SIGKILL) during a simulated
year changes nothing in the result once a new one takes over."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.test_simulate import as_sets, expected
from workers.scenario.format import load_scenario
from workers.scenario.simulate import TASK_QUEUE, Simulation, throwaway_store, time_skipping_server

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
ROOT = Path(__file__).parent.parent
SCENARIO = ROOT / "tests" / "scenarios" / "ward-q1.yaml"
# Days on which the worker dies: a meeting with resolutions, the day after a
# deadline (an overdue escalation is due), and a quarter's first day.
KILL_DAYS = {date(2026, 1, 8), date(2026, 3, 16), date(2026, 4, 1)}


class WorkerProcess:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        """Each start's output, to tell what a worker was doing when a run stalls."""
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        with (self.logs / f"worker-{self.kills}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workers", "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def tails(self) -> str:
        """The last lines each started worker wrote."""
        return "\n".join(
            f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-15:])
            for path in sorted(self.logs.glob("worker-*.log"))
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.kills += 1


async def test_result_unchanged_after_the_worker_is_killed(
    temporal_test_server_path: str, tmp_path: Path
) -> None:
    scenario = load_scenario(SCENARIO)
    with throwaway_store("sqlite") as settings:
        async with time_skipping_server(temporal_test_server_path) as env:
            worker = WorkerProcess(
                dict(
                    os.environ,
                    CHIBO_DATABASE_URL=settings.database_url,
                    CHIBO_TEMPORAL_ADDRESS=env.client.service_client.config.target_host,
                    CHIBO_TASK_QUEUE=TASK_QUEUE,
                    # No sticky cache: the next task goes to whoever polls next.
                    CHIBO_WORKER_CACHE_SIZE="0",
                ),
                tmp_path,
            )

            @contextlib.asynccontextmanager
            async def external() -> AsyncIterator[None]:
                worker.start()
                try:
                    yield
                finally:
                    worker.kill()

            async def after_day(day: date) -> None:
                if day in KILL_DAYS:
                    worker.kill()
                    worker.start()

            try:
                result: dict[str, Any] = await Simulation(
                    scenario, settings, env, worker=external, after_day=after_day
                ).run()
            except TimeoutError as stalled:
                raise AssertionError(f"{stalled}; the workers wrote:\n{worker.tails()}") from None
    assert worker.kills == len(KILL_DAYS) + 1
    assert as_sets(result) == as_sets(expected("ward-q1")), json.dumps(result, indent=1)
