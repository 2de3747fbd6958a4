"""Compliance and figures under the policy in force, not the defaults: `chibo compliance`
after `chibo import` reports what `chibo simulate` reports for the same file, and
`chibo figures` measures attendance against the policy's target (R2, R3, R13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from workers.cli import app as cli
from workers.settings import Settings

SCENARIO = Path(__file__).parent / "scenarios" / "policy-compliance.yaml"
NO_RESOLUTIONS = {
    "adopted": 0,
    "completed_on_time": 0,
    "completed_late": 0,
    "open": 0,
    "overdue_open": 0,
}
# Worked out by hand from the file, under its policy (first_week_days 3,
# thematic_per_quarter 2, attendance_target 0.75), over January to March 2026.
EXPECTED = {
    # Regular meetings on 2 January, 5 February, 10 March: the last two after day 3
    # (the defaults' day 7 would make only March late). Two thematic meetings in Q1
    # meet the policy's two. Counted (official or probationary) m10–m13: 4 + 3 + 2
    # present of 4 + 4 + 4.
    "c1": {
        "regular_months": 3,
        "late_regular": 2,
        "thematic_quarters": 1,
        "attendance_rate": 0.75,
        "resolutions": NO_RESOLUTIONS,
        "inspections": 0,
    },
    # Regular meetings on 6 January (after day 3) and 2 February, none in March; one
    # thematic meeting, short of two. m23 is exempted, so not counted: 3 + 2 present
    # of 3 + 3.
    "c2": {
        "regular_months": 2,
        "late_regular": 1,
        "thematic_quarters": 0,
        "attendance_rate": round(5 / 6, 4),
        "resolutions": NO_RESOLUTIONS,
        "inspections": 0,
    },
}


def _invoke(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("CHIBO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CHIBO_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _imported_compliance(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    _invoke(settings, monkeypatch, "import", str(SCENARIO))
    _invoke(settings, monkeypatch, "projections", "rebuild")  # what the projector would do
    return json.loads(_invoke(settings, monkeypatch, "compliance", "--period", "2026-Q1", "--json"))


def test_compliance_after_import_is_judged_under_the_policy(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _imported_compliance(settings, monkeypatch)
    assert (out["start"], out["end"]) == ("2026-01-01", "2026-04-01")
    assert out["cells"] == EXPECTED


def test_figures_measure_attendance_against_the_policy_target(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _imported_compliance(settings, monkeypatch)
    figures = json.loads(
        _invoke(settings, monkeypatch, "figures", "tb", "--period", "2026-Q1", "--json")
    )
    # Regular meetings of both cells: 9 + 5 counted members present of 12 + 6.
    assert figures["attendance_rate"] == round(14 / 18, 4)
    assert figures["attendance_target"] == 0.75
    override = json.loads(
        _invoke(
            settings,
            monkeypatch,
            "figures",
            "tb",
            "--period",
            "2026-Q1",
            "--target",
            "0.9",
            "--json",
        )
    )
    assert override["attendance_target"] == 0.9


@pytest.mark.temporal
def test_simulate_reports_the_same_compliance(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The simulator keeps its own throw-away store, on the same backend as this run's.
    backend = "sqlite" if settings.database_url.startswith("sqlite") else "postgres"
    simulated = json.loads(
        _invoke(settings, monkeypatch, "simulate", str(SCENARIO), "--json", "--store", backend)
    )
    assert simulated["compliance"]["cells"] == EXPECTED
    assert _imported_compliance(settings, monkeypatch)["cells"] == simulated["compliance"]["cells"]
