"""bench.scenario_gen: valid, deterministic, of the requested size, self-consistent."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml

from bench.scenario_gen import dump_scenario, generate_scenario
from domain.periods import add_months
from workers.scenario.format import TIMELINE_KEYS, Scenario
from workers.scenario.importer import Importer
from workers.scenario.simulate import throwaway_store
from workers.wiring import make_app

MEMBER_FIELDS = ("member", "by", "chair", "minute_taker", "inspector")
MEMBER_LISTS = ("present", "guests", "speakers", "executors")


@pytest.fixture(scope="module")
def default() -> dict[str, Any]:
    return generate_scenario()


def referenced_members(value: Any, key: str = "") -> set[str]:
    """Every member id named anywhere in a timeline item (or an organisation/cell)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("excused", "tasks"):
                found |= set(v)
            else:
                found |= referenced_members(v, k)
    elif isinstance(value, list):
        if key in (*MEMBER_LISTS, "members", "standing_committee", "committee", "by"):
            found |= {v for v in value if isinstance(v, str)}
        for v in value:
            if not isinstance(v, str):
                found |= referenced_members(v, key)
    elif isinstance(value, str) and key in (*MEMBER_FIELDS, "secretary", "deputy", "in_charge"):
        found.add(value)
    return found


def test_validates(default: dict[str, Any]) -> None:
    scenario = Scenario.model_validate(default)
    assert scenario.version == 1
    for item in scenario.timeline:
        extra = item.model_extra or {}
        assert len(extra) == 1
        assert next(iter(extra)) in TIMELINE_KEYS


def test_deterministic_for_a_seed(default: dict[str, Any]) -> None:
    assert dump_scenario(generate_scenario()) == dump_scenario(default)
    assert dump_scenario(generate_scenario(seed=2)) != dump_scenario(default)


def test_sizes(default: dict[str, Any]) -> None:
    assert len(default["cells"]) == 20
    assert len(default["members"]) == 400
    assert len({m["id"] for m in default["members"]}) == 400
    rostered = [m for cell in default["cells"] for m in cell["members"]]
    assert sorted(rostered) == sorted(m["id"] for m in default["members"])
    assert default["start"] == date(2026, 1, 1)
    assert default["end"] == add_months(default["start"], 12) == date(2027, 1, 1)
    months = {item["date"].strftime("%Y-%m") for item in default["timeline"]}
    assert len(months) == 12
    small = generate_scenario(cells=3, members=30, months=4, seed=5)
    assert (len(small["cells"]), len(small["members"])) == (3, 30)
    assert small["end"] == date(2026, 5, 1)


def test_dates_sorted_and_inside(default: dict[str, Any]) -> None:
    dates = [item["date"] for item in default["timeline"]]
    assert dates == sorted(dates)
    assert default["start"] <= dates[0]
    assert dates[-1] < default["end"]
    assert all("on" not in item for item in default["timeline"])


def test_every_referenced_member_is_listed(default: dict[str, Any]) -> None:
    listed = {m["id"] for m in default["members"]}
    named = referenced_members(default["organization"])
    named |= referenced_members(default["cells"])
    named |= referenced_members(default["timeline"])
    assert named
    assert named <= listed


def test_has_the_variety_a_year_needs(default: dict[str, Any]) -> None:
    keys = {next(k for k in item if k != "date") for item in default["timeline"]}
    assert keys >= {
        "hold_meeting",
        "record_minutes",
        "report_progress",
        "complete_resolution",
        "extend_deadline",
        "set_thematic_plan",
        "assign_tasks",
        "transfer_in",
        "transfer_out",
        "inspect",
    }
    meetings = [item["hold_meeting"] for item in default["timeline"] if "hold_meeting" in item]
    assert any(m["kind"] == ["regular", "thematic"] for m in meetings)
    assert any(m.get("excused") for m in meetings)
    assert any(m.get("guests") for m in meetings)
    assert any(m.get("minutes") is False for m in meetings)


def test_yaml_round_trip(default: dict[str, Any]) -> None:
    text = dump_scenario(default)
    assert "Đảng ủy" in text
    assert "\non:" not in text and " on:" not in text
    assert Scenario.model_validate(yaml.safe_load(text)) == Scenario.model_validate(default)


def test_imports_with_only_intended_errors() -> None:
    """Refused items are the deliberately incomplete resolutions (R20), nothing else."""
    scenario = Scenario.model_validate(generate_scenario(cells=4, members=60, months=6, seed=3))
    with throwaway_store("sqlite") as settings:
        app = make_app(settings)
        try:
            report = Importer(app, scenario).run()
        finally:
            app.close()
    assert report.applied > len(scenario.timeline)
    assert {e["rule"] for e in report.errors} <= {"R20"}, report.errors
