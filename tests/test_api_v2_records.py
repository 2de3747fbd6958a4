"""The records of SCENARIOS.md version 2 over HTTP, on both backends, over ward-q1
(tests/scenarios/ward-q1.yaml): a resolution's first communication (R22), pledges (R33),
the party fees register (R74), the annual report (R63), and compliance's version 2
fields once the organisation adopts `rules_version` 2."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from domain import commands as c
from domain.fees import FeeLedger, ledger_key
from domain.resolution import Resolution
from tests.api_support import assert_problem, bearer, client, login, ward_q1
from tests.factories import cmd
from workers.settings import Settings

ACCOUNTS = ("m01", "m03", "m10", "m11", "m12", "m20")
"""The organisation secretary, the committee member in charge of c1, c1's secretary,
deputy and a member, c2's secretary."""


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from ward_q1(settings, ACCOUNTS)


def as_member(svc: Services, member: str) -> TestClient:
    http = client(svc)
    http.headers.update(bearer(login(http, member)))
    return http


def events(svc: Services) -> int:
    return svc.app.recorder.max_notification_id() or 0


def version(svc: Services, agg_id: UUID) -> int:
    """The record's version: a command that changes nothing leaves it (the command log
    still keeps the command)."""
    found: int = svc.app.repository.get(agg_id).version
    return found


def test_a_resolution_is_communicated_once(svc: Services) -> None:
    secretary = as_member(svc, "m10")
    path = "/api/resolutions/nq-c1-01/communication"
    first = secretary.post(path, json={"date": "2026-01-06"})
    assert first.status_code == 200, first.text
    assert first.json()["recorded"] is True
    assert first.json()["communicated_on"] == "2026-01-06"
    before = version(svc, Resolution.id_for("nq-c1-01"))
    again = secretary.post(path, json={"date": "2026-01-09", "to_upper_committee": False})
    assert again.status_code == 200, again.text
    assert again.json()["recorded"] is False
    assert version(svc, Resolution.id_for("nq-c1-01")) == before  # nothing recorded
    shown = secretary.get("/api/resolutions/nq-c1-01").json()
    assert shown["communicated_on"] == "2026-01-06"
    # A member of the cell reads it but does not do the cell's business; c2 does not read it.
    assert_problem(as_member(svc, "m12").post(path, json={}), 403)
    assert_problem(as_member(svc, "m20").post(path, json={}), 404)
    assert_problem(secretary.post("/api/resolutions/no-such/communication", json={}), 404)


def test_pledges_by_the_member_and_the_cells_leaders(svc: Services) -> None:
    member = as_member(svc, "m12")
    answer = member.put(
        "/api/cells/c1/pledges/2026/m12",
        json={"date": "2026-01-10", "pledge": "Gương mẫu phân loại rác"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "cell": "c1",
        "year": 2026,
        "member": "m12",
        "pledge": "Gương mẫu phân loại rác",
        "pledged_on": "2026-01-10",
    }
    # Another member's pledge: the cell's leaders only; another cell: as if unknown.
    assert_problem(member.put("/api/cells/c1/pledges/2026/m13", json={"pledge": "x"}), 403)
    assert_problem(
        as_member(svc, "m20").put("/api/cells/c1/pledges/2026/m12", json={"pledge": "x"}), 404
    )
    deputy = as_member(svc, "m11")
    answer = deputy.put(
        "/api/cells/c1/pledges/2026/m13", json={"date": "2026-01-12", "pledge": "Học tập"}
    )
    assert answer.status_code == 200, answer.text
    # R33: m21 is a member of c2, not of c1.
    before = events(svc)
    refused = assert_problem(
        deputy.put("/api/cells/c1/pledges/2026/m21", json={"pledge": "Không thuộc chi bộ"}), 422
    )
    assert refused["rule"] == "R33"
    assert events(svc) == before
    listed = member.get("/api/cells/c1/pledges/2026").json()
    assert [(p["member"], p["pledge"]) for p in listed["pledges"]] == [
        ("m12", "Gương mẫu phân loại rác"),
        ("m13", "Học tập"),
    ]
    assert_problem(as_member(svc, "m20").get("/api/cells/c1/pledges/2026"), 404)


def test_fees_are_paid_once_per_month_and_shown_in_the_register(svc: Services) -> None:
    secretary = as_member(svc, "m10")
    body = {"date": "2026-02-03", "months": ["2026-01", "2026-02"]}
    first = secretary.post("/api/members/m12/fees", json=body)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "member": "m12",
        "recorded": ["2026-01", "2026-02"],
        "paid": {"2026-01": "2026-02-03", "2026-02": "2026-02-03"},
    }
    ledger = FeeLedger.id_for(ledger_key("tb", "m12"))
    before = version(svc, ledger)
    again = secretary.post("/api/members/m12/fees", json={**body, "date": "2026-02-05"})
    assert again.status_code == 200, again.text
    assert again.json()["recorded"] == []
    assert again.json()["paid"] == first.json()["paid"]
    assert version(svc, ledger) == before  # a repeated payment records nothing
    before = events(svc)
    # R74: one bad month refuses the whole payment.
    refused = assert_problem(
        secretary.post("/api/members/m12/fees", json={"months": ["2026-03", "2026-13"]}), 422
    )
    assert refused["rule"] == "R74" and "2026-13" in refused["detail"]
    assert events(svc) == before
    register = secretary.get("/api/cells/c1/fees/2026").json()
    assert register["months"][0] == "2026-01" and len(register["months"]) == 12
    rows = {m["member"]: m["paid"] for m in register["members"]}
    assert rows["m12"] == {"2026-01": "2026-02-03", "2026-02": "2026-02-03"}
    assert rows["m13"] == {}
    # The organisation secretary pays for anyone; a plain member, c2's secretary may not.
    assert (
        as_member(svc, "m01").post("/api/members/m13/fees", json={"months": ["2026-01"]})
    ).status_code == 200
    assert_problem(as_member(svc, "m12").post("/api/members/m13/fees", json=body), 403)
    assert_problem(as_member(svc, "m20").post("/api/members/m13/fees", json=body), 404)
    assert_problem(as_member(svc, "m20").get("/api/cells/c1/fees/2026"), 404)
    assert_problem(secretary.post("/api/members/m99/fees", json=body), 404)


def test_the_annual_report_is_the_organisation_secretarys(svc: Services) -> None:
    path = "/api/organisations/tb/annual-reports/2026"
    assert_problem(as_member(svc, "m10").put(path, json={"summary": "Chi bộ"}), 403)
    secretary = as_member(svc, "m01")
    assert secretary.get(path).json()["submitted_on"] is None
    answer = secretary.put(path, json={"date": "2026-11-20", "summary": "Tổng kết năm 2026"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "organisation": "tb",
        "year": 2026,
        "submitted_on": "2026-11-20",
        "summary": "Tổng kết năm 2026",
        "recorded": True,
    }
    assert secretary.put(path, json={"summary": "Lần hai"}).json()["recorded"] is False
    assert as_member(svc, "m03").get(path).json()["submitted_on"] == "2026-11-20"
    assert assert_problem(as_member(svc, "m10").get(path), 403)["rule"] == "R80"
    assert_problem(secretary.get("/api/organisations/hn/annual-reports/2026"), 404)


def test_compliance_carries_the_version_2_fields(svc: Services) -> None:
    secretary = as_member(svc, "m10")
    before = secretary.get("/api/compliance?cell=c1&period=2026-Q1").json()["items"][0]
    assert before["speaker_share"] is None and before["twelve_regular"] is None
    svc.app.handle(
        cmd(
            c.AdoptPolicy,
            date(2026, 1, 1),
            organisation="tb",
            name="v2",
            effective_from=date(2026, 1, 1),
            values={"rules_version": 2},
        )
    )
    svc.caught_up()
    item = secretary.get("/api/compliance?cell=c1&period=2026-Q1").json()["items"][0]
    assert isinstance(item["speaker_share"], float) and 0 < item["speaker_share"] <= 1
    assert item["twelve_regular"] == {}  # no whole year within a quarter
    assert item["communicated_on_time"] == 0
