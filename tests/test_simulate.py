"""`chibo simulate` on the example scenario: exactly the contract's result, on both stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_ADMIN
from workers.scenario.format import load_scenario
from workers.scenario.simulate import Simulation, simulate

pytestmark = pytest.mark.temporal
SCENARIOS = Path(__file__).parent / "scenarios"


def as_sets(result: dict[str, Any]) -> dict[str, Any]:
    """Lists compared as sets (SCENARIOS.md: order does not matter)."""
    keyed = {
        key: sorted(json.dumps(item, sort_keys=True, ensure_ascii=False) for item in result[key])
        for key in ("escalations", "reminders", "errors")
    }
    return {**result, **keyed}


async def run(name: str, store: str, test_server: str) -> dict[str, Any]:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    return await simulate(scenario, store, test_server, pg_admin=PG_ADMIN)


def expected(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        (SCENARIOS / f"{name}.expected.json").read_text(encoding="utf-8")
    )
    return result


async def test_ward_q1_on_sqlite(temporal_test_server_path: str) -> None:
    result = await run("ward-q1", "sqlite", temporal_test_server_path)
    assert as_sets(result) == as_sets(expected("ward-q1"))


@pytest.mark.postgres
async def test_ward_q1_on_postgres(temporal_test_server_path: str, pg_server: str) -> None:
    result = await run("ward-q1", "postgres", temporal_test_server_path)
    assert as_sets(result) == as_sets(expected("ward-q1"))


async def test_its_own_worker_tells_the_simulator_when_workflows_are_at_rest(
    temporal_test_server_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the worker in its process, the simulator learns each workflow's progress from
    the worker's reports (workers/scenario/feed.py): it never queries a workflow nor
    reads a history, and the result is still exactly the contract's."""

    async def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("asked a workflow instead of reading the worker's reports")

    monkeypatch.setattr(Simulation, "progress_of", never)
    monkeypatch.setattr(Simulation, "tasks", never)
    result = await run("ward-q1", "sqlite", temporal_test_server_path)
    assert as_sets(result) == as_sets(expected("ward-q1"))
