"""`chibo simulate` across a year boundary finishes every time, with the same result.

It used to hang in about one run in eight: a progress query reached the organisation
calendar while the task that continues it as new was in flight; the time-skipping server
never answered that query and its clock stopped skipping (see
`Simulation.progress_of`). The expected result was written by hand from SCENARIOS.md:
December and January without a meeting (R1), the resolution's two reminders and two
overdue levels (R24), the January task and thematic-plan deadlines (R30, R4); Q4 began
before the window, so no R3/R40/R41 check for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_contract_scenarios import as_sets

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

REPRO = Path(__file__).parent / "scenarios" / "repro"
RUNS = 10


def test_simulate_across_a_year_boundary_finishes_every_time(tmp_path: Path) -> None:
    scenario = REPRO / "simulate-hang-year-boundary.yaml"
    expected = json.loads(
        (REPRO / "simulate-hang-year-boundary.expected.json").read_text(encoding="utf-8")
    )
    outputs = []
    for _ in range(RUNS):
        # A hang fails this run (timeout) instead of stalling the suite.
        done = subprocess.run(
            [sys.executable, "-m", "workers.cli", "simulate", str(scenario), "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout)
    assert len(set(outputs)) == 1
    assert as_sets(json.loads(outputs[0])) == as_sets(expected)
