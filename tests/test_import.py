"""`chibo import`: a scenario's records as real commands, refusals judged by the domain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.cell import Cell
from workers.cli import app as cli
from workers.scenario.format import load_scenario
from workers.scenario.importer import Importer
from workers.settings import Settings
from workers.wiring import make_app

SCENARIOS = Path(__file__).parent / "scenarios"


def expected_errors(name: str) -> list[dict[str, object]]:
    expected = json.loads((SCENARIOS / f"{name}.expected.json").read_text(encoding="utf-8"))
    errors: list[dict[str, object]] = expected["errors"]
    return errors


def _key(error: dict[str, object]) -> str:
    return json.dumps(error, sort_keys=True, ensure_ascii=False)


def test_ward_q1_import_reports_exactly_the_expected_errors(settings: Settings) -> None:
    app = make_app(settings)
    try:
        report = Importer(app, load_scenario(SCENARIOS / "ward-q1.yaml")).run()
    finally:
        app.close()
    assert sorted(map(_key, report.errors)) == sorted(map(_key, expected_errors("ward-q1")))
    assert report.applied > 0


def test_importing_twice_stores_nothing_new(settings: Settings) -> None:
    scenario = load_scenario(SCENARIOS / "ward-q1.yaml")
    app = make_app(settings)
    try:
        first = Importer(app, scenario).run()
        head = app.recorder.max_notification_id()
        second = Importer(app, scenario).run()
        assert app.recorder.max_notification_id() == head
    finally:
        app.close()
    assert second.applied == 0
    assert second.repeated == first.applied
    assert second.errors == first.errors


def test_cli_import_json(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIBO_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, ["import", str(SCENARIOS / "ward-q1.yaml"), "--json"])
    assert result.exit_code == 1, result.output  # ward-q1 has refused items, on purpose
    out = json.loads(result.output)
    assert set(out) == {"applied", "errors"}
    assert sorted(map(_key, out["errors"])) == sorted(map(_key, expected_errors("ward-q1")))


def test_malformed_item_is_reported_by_field_and_changes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    text = (SCENARIOS / "ward-q1.yaml").read_text(encoding="utf-8")
    broken = text.replace(
        "  - date: 2026-03-12\n    transfer_in: {cell: c2, member: m30}",
        "  - date: 2026-03-12\n    transfer_in: {cell: c2}",
    )
    assert broken != text
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    app = make_app(settings)
    try:
        report = Importer(app, load_scenario(path)).run()
        c2: Cell = app.repository.get(Cell.id_for("c2"))
    finally:
        app.close()
    [error] = [e for e in report.errors if e["item"] == 9]  # the transfer_in item
    assert error["rule"] is None
    assert "member" in str(error["message"])
    assert "m30" not in c2.memberships
