"""SCENARIOS.md, kind by kind: one small scenario per escalation, reminder and error.

Each `tests/scenarios/contract/<name>.yaml` says in its header what it proves; its
`<name>.expected.json` was written by hand from the contract's tables (never copied from
the program's output). A case where the program disagrees with the contract is marked
found two bugs (an extension did not restart the overdue chain; a decision naming a meeting
held later was reported as an unknown reference, not R25), both fixed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workers.scenario.format import load_scenario
from workers.scenario.simulate import simulate

pytestmark = pytest.mark.temporal

CONTRACT = Path(__file__).parent / "scenarios" / "contract"

# Every kind of SCENARIOS.md's escalation and reminder tables, with its rule(s).
ESCALATION_KINDS = {
    ("meeting_missed", "R1"),
    ("thematic_missed", "R3"),
    ("thematic_plan_missing", "R4"),
    ("minutes_missing", "R11"),
    ("attendance_below_target", "R13"),
    ("absent_streak", "R14"),
    ("removal_review", "R15"),
    ("resolution_overdue", "R24"),
    ("task_assignment_incomplete", "R30"),
    ("new_member_unassigned", "R31"),
    ("committee_attendance_missed", "R40"),
    ("committee_attendance_missed", "R41"),
    ("inspection_overdue", "R50"),
}
REMINDER_KINDS = {
    ("resolution_deadline_approaching", "R24"),
    ("committee_attendance_due", "R40"),
    ("committee_attendance_due", "R41"),
    ("task_assignment_due", "R30"),
}
# The rules the "Errors" section names; None: a reference to something unknown.
ERROR_RULES = {"R6", "R20", "R21", "R25", None}
# SCENARIOS.md "Version 2": its escalations, reminders, errors and compliance fields.
V2_ESCALATION_KINDS = {
    ("notice_late", "R7"),
    ("meeting_too_short", "R10"),
    ("review_missing", "R12"),
    ("leader_absent", "R16"),
    ("communication_late", "R22"),
    ("pledge_missing", "R33"),
    ("annual_report_missing", "R63"),
    ("cell_too_small", "R70"),
    ("cell_committee_missing", "R70"),
    ("retired_in_workplace", "R72"),
    ("fees_unpaid", "R74"),
}
V2_REMINDER_KINDS = {("pledge_due", "R33"), ("annual_report_due", "R63")}
V2_ERROR_RULES = {"R33", "R74"}
V2_FIELDS = {"speaker_share", "twelve_regular", "communicated_on_time"}


def scenario_names() -> list[str]:
    return sorted(path.name.removesuffix(".yaml") for path in CONTRACT.glob("*.yaml"))


def expected(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        (CONTRACT / f"{name}.expected.json").read_text(encoding="utf-8")
    )
    return result


def as_sets(result: dict[str, Any]) -> dict[str, Any]:
    """Lists compared as sets (SCENARIOS.md: order does not matter)."""
    keyed = {
        key: sorted(json.dumps(item, sort_keys=True, ensure_ascii=False) for item in result[key])
        for key in ("escalations", "reminders", "errors")
    }
    return {**result, **keyed}


@pytest.mark.parametrize("name", scenario_names())
async def test_contract_scenario(name: str, temporal_test_server_path: str) -> None:
    scenario = load_scenario(CONTRACT / f"{name}.yaml")
    result = await simulate(scenario, "sqlite", temporal_test_server_path)
    assert as_sets(result) == as_sets(expected(name))


def version_2_names() -> list[str]:
    return [n for n in scenario_names() if load_scenario(CONTRACT / f"{n}.yaml").version == 2]


@pytest.mark.postgres
@pytest.mark.parametrize("name", version_2_names())
async def test_version_2_scenario_on_postgres(
    name: str, temporal_test_server_path: str, pg_server: str
) -> None:
    scenario = load_scenario(CONTRACT / f"{name}.yaml")
    result = await simulate(scenario, "postgres", temporal_test_server_path, pg_admin=pg_server)
    assert as_sets(result) == as_sets(expected(name))


def test_version_2_kinds_each_have_a_scenario() -> None:
    """Every escalation, reminder, error rule and compliance field of "Version 2"."""
    v2 = [expected(name) for name in version_2_names()]
    assert {(e["kind"], e["rule"]) for r in v2 for e in r["escalations"]} >= V2_ESCALATION_KINDS
    assert {(x["kind"], x["rule"]) for r in v2 for x in r["reminders"]} >= V2_REMINDER_KINDS
    assert {e["rule"] for r in v2 for e in r["errors"]} >= V2_ERROR_RULES
    for result in v2:
        for cell in result["compliance"]["cells"].values():
            assert set(cell) >= V2_FIELDS
    assert any(
        cell["twelve_regular"] == {"2026": True}
        for r in v2
        for cell in r["compliance"]["cells"].values()
    )
    for name in scenario_names():
        if name not in version_2_names():
            for cell in expected(name)["compliance"]["cells"].values():
                assert not set(cell) & V2_FIELDS, name  # version 1 keeps its output


def test_every_scenario_has_its_expectation() -> None:
    names = scenario_names()
    assert names
    for name in names:
        assert (CONTRACT / f"{name}.expected.json").exists(), name


def test_every_kind_of_the_contract_has_a_scenario() -> None:
    results = [expected(name) for name in scenario_names()]
    escalations = [e for r in results for e in r["escalations"]]
    reminders = [r for result in results for r in result["reminders"]]
    errors = [e for r in results for e in r["errors"]]
    assert {(e["kind"], e["rule"]) for e in escalations} >= ESCALATION_KINDS
    assert {(r["kind"], r["rule"]) for r in reminders} >= REMINDER_KINDS
    assert {e["rule"] for e in errors} >= ERROR_RULES
    overdue_levels = {e["level"] for e in escalations if e["kind"] == "resolution_overdue"}
    assert overdue_levels == {1, 2, 3}
    inspection_periods = {e["period"] for e in escalations if e["kind"] == "inspection_overdue"}
    assert {"2026-H2", "2026"} <= inspection_periods
    due_days = {r["on"][5:] for r in reminders if r["kind"] == "committee_attendance_due"}
    assert {"06-16", "12-17"} <= due_days
