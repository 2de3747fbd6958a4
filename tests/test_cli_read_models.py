"""The read side from the command line, on both backends: compliance after an import,
rebuild equal to the live read models, the escalation inbox, projection status."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from projections.projector import Projector
from projections.registry import all_projections
from projections.store import ReadStore
from tests.factories import missed_meeting
from workers.cli import app as cli
from workers.rebuild import WEIGHTS, groups
from workers.scenario.format import load_scenario
from workers.scenario.importer import Importer
from workers.settings import Settings
from workers.wiring import make_app, make_read_store

SCENARIOS = Path(__file__).parent / "scenarios"


def _imported(settings: Settings) -> None:
    app, store = make_app(settings), make_read_store(settings)
    try:
        Importer(app, load_scenario(SCENARIOS / "ward-q1.yaml")).run()
        app.handle(missed_meeting("tb", "c2", "2026-02", "esc-1"))
        Projector(app, store, all_projections()).run_until_caught_up()
    finally:
        store.close()
        app.close()


def _invoke(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("CHIBO_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _rows(store: ReadStore) -> dict[str, list[Any]]:
    return {
        table: sorted(store.query(f"SELECT * FROM {table}"), key=repr)
        for projection in all_projections()
        for table in projection.tables
    }


def test_compliance_after_import_matches_the_scenario(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _imported(settings)
    out = json.loads(_invoke(settings, monkeypatch, "compliance", "--period", "2026-Q1", "--json"))
    expected = json.loads((SCENARIOS / "ward-q1.expected.json").read_text(encoding="utf-8"))
    for cell, figures in expected["compliance"]["cells"].items():
        got = out["cells"][cell]
        for field in ("regular_months", "late_regular", "thematic_quarters", "attendance_rate"):
            assert got[field] == figures[field], (cell, field)
        assert got["resolutions"]["adopted"] == figures["resolutions"]["adopted"]
        assert got["inspections"] == figures["inspections"]


def test_rebuild_gives_the_live_read_models(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _imported(settings)
    store = make_read_store(settings)
    try:
        live = _rows(store)
        assert live["rm_meetings"] and live["rm_resolutions"] and live["rm_escalations"]
        # In one process, then in three (groups of projections side by side).
        for jobs in ("1", "3"):
            _invoke(settings, monkeypatch, "projections", "rebuild", "--jobs", jobs)
            assert _rows(store) == live, jobs
        _invoke(settings, monkeypatch, "projections", "rebuild", "meetings")
        assert _rows(store) == live
    finally:
        store.close()


def test_rebuild_groups_cover_every_projection_once_and_balance_them() -> None:
    names = [p.name for p in all_projections()]
    for jobs in (1, 2, 3, len(names), len(names) + 4):
        parts = groups(names, jobs)
        assert sorted(n for part in parts for n in part) == sorted(names)
        assert len(parts) == min(jobs, len(names))
    # By hand from WEIGHTS: meetings (4.5) outweighs all the others together (4.1).
    assert sorted(groups(names, 2), key=len) == [
        ["meetings"],
        [n for n in names if n != "meetings"],
    ]
    assert sum(WEIGHTS[n] for n in names if n != "meetings") < WEIGHTS["meetings"]


def test_inbox_and_status(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    _imported(settings)
    [row] = json.loads(_invoke(settings, monkeypatch, "inbox", "m04", "--json"))
    assert (row["kind"], row["cell"], row["period"], row["status"]) == (
        "meeting_missed",
        "c2",
        "2026-02",
        "open",
    )
    assert json.loads(_invoke(settings, monkeypatch, "inbox", "m03", "--json")) == []
    status = _invoke(settings, monkeypatch, "projections", "status")
    assert all("lag 0" in line for line in status.strip().splitlines())


def test_organisation_figures_against_targets(settings: Settings) -> None:
    """R13, R30, R51, R60 figures of the organisation over the first quarter."""
    from projections.compliance import organisation_figures

    _imported(settings)
    app, store = make_app(settings), make_read_store(settings)
    try:
        figures = organisation_figures(
            store, "tb", date(2026, 1, 1), date(2026, 3, 31), app.policy_on
        )
    finally:
        store.close()
        app.close()
    # Regular meetings: c1 4+5+3 of 5+5+5 counted, c2 3+3 of 3+3 → 18 of 21.
    assert figures.attendance_rate == round(18 / 21, 4)
    # Working members with tasks for 2026 on 31 March: c1 m10–m13 (m14 does not work);
    # c2 none of m20, m21, m22 and m30 (transferred in on 12 March).
    assert figures.task_coverage == 0.5
    # One cell of two inspected, rated good.
    assert figures.inspection_coverage == 0.5
    assert figures.ratings == {"good": 1}
