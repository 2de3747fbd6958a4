"""Workflow histories of a simulated year: recorded once and committed under
tests/histories/, so the Replayer test fails when a code change would break
workflows already running in production.

    .venv/bin/python -m tests.histories     # re-record (only for a deliberate, patched change)
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from temporalio.client import WorkflowHistory

from workers.scenario.format import load_scenario
from workers.scenario.simulate import Simulation, throwaway_store, time_skipping_server
from workers.up import test_server_binary

HERE = Path(__file__).parent
SCENARIO = HERE / "scenarios" / "ward-year.yaml"
RECORDED = HERE / "histories"


async def simulate_and_fetch(test_server: str) -> list[WorkflowHistory]:
    """Runs the year and returns the history of every workflow it started."""
    with throwaway_store("sqlite") as settings:
        async with time_skipping_server(test_server) as env:
            simulation = Simulation(load_scenario(SCENARIO), settings, env)
            await simulation.run()
            histories = []
            for workflow_id in sorted(simulation.dispatcher.started):
                # Every run, back through continue-as-new: the year's run holds most work.
                run_id: str | None = None
                while True:
                    handle = env.client.get_workflow_handle(workflow_id, run_id=run_id)
                    history = await handle.fetch_history()
                    histories.append(history)
                    started = history.events[0].workflow_execution_started_event_attributes
                    run_id = started.continued_execution_run_id or None
                    if run_id is None:
                        break
            return histories


def load_recorded() -> list[WorkflowHistory]:
    return [
        WorkflowHistory.from_json(path.stem.split("@")[0], path.read_text(encoding="utf-8"))
        for path in sorted(RECORDED.glob("*.json"))
    ]


async def record() -> None:
    RECORDED.mkdir(exist_ok=True)
    for history in await simulate_and_fetch(test_server_binary()):
        data = json.loads(history.to_json())
        (RECORDED / f"{history.workflow_id}@{history.run_id}.json").write_text(
            json.dumps(data, indent=1), encoding="utf-8"
        )


if __name__ == "__main__":
    asyncio.run(record())
