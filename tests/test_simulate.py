"""`chibo simulate` on the example scenario: exactly the contract's result, on both stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_ADMIN
from workers.scenario.format import load_scenario
from workers.scenario.simulate import simulate

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
