"""Auditors' two time axes (issue 10 item 7): a record or a cell as it stood on a business
date (`--on`, events dated then or earlier, in log order) beside as known at a recording
time (`--as-of`), and bundles exported by either window. Expectations are worked out by
hand from a small story whose log order differs from its business dates."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner, Result

from audit.bundle import verify_bundle
from audit.signing import generate_key
from domain import commands as c
from domain.events import utc_now
from tests.factories import cmd, draft, hold, seed_ward
from workers.cli import app as cli
from workers.settings import Settings
from workers.wiring import make_app


def _story(settings: Settings) -> dict[str, Any]:
    """In log order: the February meeting (dated 02-10), m14 leaves (02-20), the January
    meeting recorded late (dated 01-20), a resolution adopted at the February meeting
    (02-10), completed (03-05). Returns the moments and log positions between them."""
    app = make_app(settings)
    marks: dict[str, Any] = {}
    try:
        seed_ward(app)

        def mark(name: str) -> None:
            marks[name] = (utc_now(), app.recorder.max_notification_id())

        mark("seeded")
        hold(app, "c1-2026-02", on=date(2026, 2, 10))
        mark("feb")
        app.handle(cmd(c.TransferOut, date(2026, 2, 20), cell="c1", member="m14"))
        mark("transfer")
        hold(app, "c1-2026-01", on=date(2026, 1, 20))
        mark("jan")
        statement = draft("nq-x", deadline=date(2026, 3, 31))
        app.handle(
            cmd(c.AdoptResolution, date(2026, 2, 10), meeting="c1-2026-02", resolution=statement)
        )
        mark("adopted")
        app.handle(
            cmd(c.CompleteResolution, date(2026, 3, 5), resolution="nq-x", by="m12", note="xong")
        )
        mark("completed")
    finally:
        app.close()
    return marks


def _audit(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.setenv("CHIBO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CHIBO_AUDIT_KEY_PATH", str(settings.audit_key_path))
    return CliRunner().invoke(cli, ["audit", *args])


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cell_on_a_business_date_is_consistent_in_every_section(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    marks = _story(settings)

    def cell(*args: str) -> dict[str, Any]:
        view: dict[str, Any] = _json(_audit(settings, monkeypatch, "cell", "c1", *args, "--json"))
        return view

    def meetings(view: dict[str, Any]) -> list[str]:
        return [m["meeting"] for m in view["meetings_held"]]

    def open_items(view: dict[str, Any]) -> list[str]:
        return [r["key"] for r in view["open_resolutions"]]

    def roster(view: dict[str, Any]) -> list[str]:
        return [m["member"] for m in view["roster"]]

    jan = cell("--on", "2026-01-31")
    assert meetings(jan) == ["c1-2026-01"]  # recorded after February's, dated before
    assert open_items(jan) == []
    assert roster(jan) == ["m10", "m11", "m12", "m13", "m14"]

    feb = cell("--on", "2026-02-28")
    assert meetings(feb) == ["c1-2026-01", "c1-2026-02"]
    assert open_items(feb) == ["nq-x"]
    assert roster(feb) == ["m10", "m11", "m12", "m13"]

    mar = cell("--on", "2026-03-31")
    assert open_items(mar) == [] and len(meetings(mar)) == 2

    feb_15 = cell("--on", "2026-02-15")
    assert roster(feb_15) == ["m10", "m11", "m12", "m13", "m14"]  # leaves on 02-20

    # Both axes: on 02-28, as known right after the transfer was recorded.
    known = cell("--on", "2026-02-28", "--as-of", marks["transfer"][0].isoformat())
    assert meetings(known) == ["c1-2026-02"]  # January's meeting not recorded yet
    assert open_items(known) == [] and roster(known) == ["m10", "m11", "m12", "m13"]


def test_show_on_a_business_date_beside_as_of(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    marks = _story(settings)

    def show(*args: str) -> dict[str, Any]:
        out: dict[str, Any] = _json(_audit(settings, monkeypatch, "show", "nq-x", *args, "--json"))
        return out

    before = show("--on", "2026-02-09")
    assert (before["state"], before["version"]) == (None, 0)
    adopted = show("--on", "2026-02-10")
    assert (adopted["state"]["status"], adopted["version"], adopted["on"]) == (
        "open",
        1,
        "2026-02-10",
    )
    assert show("--on", "2026-03-04")["state"]["status"] == "open"
    done = show("--on", "2026-03-05")
    assert (done["state"]["status"], done["version"]) == ("completed", 2)
    # as known before the completion was recorded, even on a later business date
    assert show("--on", "2026-12-31", "--as-of", marks["adopted"][0].isoformat())["version"] == 1

    c1 = _json(_audit(settings, monkeypatch, "show", "cell:c1", "--on", "2026-01-31", "--json"))
    assert sorted(c1["state"]["meetings"]) == ["c1-2026-01"]

    clash = _audit(settings, monkeypatch, "show", "nq-x", "--on", "2026-03-01", "--version", "1")
    assert clash.exit_code == 2
    bad = _audit(settings, monkeypatch, "show", "nq-x", "--on", "2026-13-01")
    assert bad.exit_code == 2 and "invalid date" in bad.output


def test_export_by_business_date_window(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update={"audit_key_path": tmp_path / "audit.pem"})
    generate_key(settings.audit_key_path)
    marks = _story(settings)
    bundle = tmp_path / "jan-feb.json"
    result = _audit(
        settings,
        monkeypatch,
        "export",
        str(bundle),
        "--from-date",
        "2026-01-15",
        "--to-date",
        "2026-02-12",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(bundle.read_text(encoding="utf-8"))

    def span(a: str, b: str) -> set[int]:
        return set(range(marks[a][1] + 1, marks[b][1] + 1))

    # February's meeting, January's meeting and the adoption are dated in the window;
    # the transfer (02-20) between them is chain context; the completion is left out.
    expected = span("seeded", "feb") | span("transfer", "adopted")
    assert {e["position"] for e in data["events"] if e["in_window"]} == expected
    assert {e["position"] for e in data["events"] if not e["in_window"]} == span("feb", "transfer")
    assert f"{len(expected)} events written" in result.output
    for event in data["events"]:
        day = date.fromisoformat(orjson.loads(base64.b64decode(event["state"]))["occurred_on"])
        assert (date(2026, 1, 15) <= day <= date(2026, 2, 12)) == event["in_window"]
    assert data["window"] == {"by": "business", "from": "2026-01-15", "to": "2026-02-12"}
    assert verify_bundle(bundle).problem is None

    by_time = tmp_path / "recorded.json"
    moment = marks["transfer"][0].isoformat()
    assert _audit(settings, monkeypatch, "export", str(by_time), "--from", moment).exit_code == 0
    recorded = json.loads(by_time.read_text(encoding="utf-8"))
    assert {e["position"] for e in recorded["events"]} == span("transfer", "completed")
    assert all(e["in_window"] for e in recorded["events"])

    both = _audit(
        settings, monkeypatch, "export", str(by_time), "--from", moment, "--to-date", "2026-02-01"
    )
    assert both.exit_code == 2 and "one window" in both.output
    neither = _audit(settings, monkeypatch, "export", str(by_time))
    assert neither.exit_code == 2
