"""Every GET of API.md's "Queries" table, for each kind of caller, on both backends:
what the access table lets a caller read answers 200 with exactly those items; anything
else answers 404 like an unknown record (problem+json); lists are filtered and paged.

The record: organisation tb (tests/factories.py seed_ward) with c1 (m10 secretary, m11
deputy, m12–m14; m03 in charge) and c2 (m20 secretary, m21, m22; m04 in charge); a
meeting of c1 with attendance in three classes and one resolution; an escalation about
c2 addressed to m04; a reminder to m12; m30 made auditor by the organisation secretary
m01. A second organisation hn has a member m12 too (same member id, other
organisation) and a cell c9."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.accounts import AccountStore
from api.app import create_app
from api.deps import Services
from audit.signing import generate_key, load_private
from audit.verify import sign_checkpoint
from domain import commands as c
from domain.access import Caller
from domain.application import ChiboApplication
from projections.store import ReadStore
from tests.factories import cmd, draft, hold, project
from workers.settings import Settings
from workers.wiring import make_read_store

PASSWORD = "mật-khẩu-đủ-dài"
HELD = date(2026, 1, 5)

CALLERS = {
    "c1_member": ("tb", "m12"),
    "c2_member": ("tb", "m21"),
    "c1_secretary": ("tb", "m10"),
    "org_secretary": ("tb", "m01"),
    "committee": ("tb", "m03"),
    "in_charge_c2": ("tb", "m04"),
    "auditor": ("tb", "m30"),
    "other_org": ("hn", "m12"),
}
TB_ABOVE = ("org_secretary", "committee", "in_charge_c2", "auditor")
"""Callers who read every cell of tb (m04 is a committee member too)."""


def _seed(app: ChiboApplication) -> None:
    hold(
        app,
        "c1-2026-01",
        present=["m10", "m11", "m12"],
        excused={"m13": "ốm (ill)"},
        guests=["m03"],
    )
    statement = draft("nq-c1-01", deadline=date(2026, 2, 28))
    app.handle(cmd(c.AdoptResolution, HELD, "m10", meeting="c1-2026-01", resolution=statement))
    app.handle(
        cmd(
            c.ReportProgress,
            date(2026, 1, 20),
            "m12",
            resolution="nq-c1-01",
            by="m12",
            note="Đã họp tổ",
        )
    )
    app.handle(
        cmd(
            c.RaiseEscalation,
            date(2026, 3, 1),
            "chibo",
            organisation="tb",
            kind="meeting_missed",
            rule="R1",
            subject={"cell": "c2"},
            period="2026-02",
            recipients=["m04"],
        )
    )
    app.handle(
        cmd(
            c.SendReminder,
            date(2026, 2, 21),
            "chibo",
            organisation="tb",
            kind="deadline_near",
            rule="R24",
            subject={"resolution": "nq-c1-01"},
            recipients=["m12"],
        )
    )
    app.handle(cmd(c.GrantAuditor, date(2026, 1, 2), "m01", organisation="tb", member="m30"))
    # another organisation with a member of the same id
    app.handle(
        cmd(
            c.CreateOrganisation,
            organisation="hn",
            name="Đảng ủy phường khác",
            secretary="m90",
            standing_committee=["m90"],
            committee=["m90"],
        )
    )
    for member in ("m90", "m12"):
        app.handle(
            cmd(
                c.RegisterMember,
                organisation="hn",
                member=member,
                name=f"Người khác {member}",
                status="official",
                working=True,
            )
        )
    app.handle(
        cmd(
            c.FoundCell,
            organisation="hn",
            cell="c9",
            name="Chi bộ khác",
            type="residential",
            secretary="m90",
            members=["m90", "m12"],
        )
    )


@dataclass
class Api:
    client: TestClient
    services: Services
    tokens: dict[str, str]

    def get(self, who: str, path: str, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.get(path, params=params, headers=headers)

    def ok(self, who: str, path: str, **params: Any) -> Any:
        response = self.get(who, path, **params)
        assert response.status_code == 200, (who, path, response.text)
        return response.json()

    def items(self, who: str, path: str, **params: Any) -> list[Any]:
        body = self.ok(who, path, **params)
        assert body["next_cursor"] is None
        items: list[Any] = body["items"]
        return items

    def missing(self, who: str, path: str, **params: Any) -> None:
        """404 exactly as for an unknown record, as a problem document."""
        response = self.get(who, path, **params)
        assert response.status_code == 404, (who, path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert set(body) == {"type", "title", "status", "detail", "rule"}
        assert body["status"] == 404

    def refused(self, who: str, path: str, code: int, /, **params: Any) -> dict[str, Any]:
        response = self.get(who, path, **params)
        assert response.status_code == code, (who, path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def api(
    ward: tuple[ChiboApplication, ReadStore], settings: Settings, tmp_path: Path
) -> Iterator[Api]:
    app, store = ward
    _seed(app)
    project(app, store)
    accounts = AccountStore(store)
    for org, member in CALLERS.values():
        accounts.add(Caller(org, member), PASSWORD)
    key = tmp_path / "audit" / "ed25519.pem"  # never the user's own key
    generate_key(key)
    assert sign_checkpoint(app, store, load_private(key)) is not None
    services = Services(
        app=app,
        open_store=lambda: make_read_store(settings),
        project_inline=True,
        audit_key_path=key,
    )
    client = TestClient(create_app(services))
    tokens = {}
    for who, (org, member) in CALLERS.items():
        response = client.post(
            "/api/token", data={"username": f"{member}@{org}", "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        tokens[who] = response.json()["access_token"]
    try:
        yield Api(client, services, tokens)
    finally:
        client.close()
        for opened in services._stores:
            opened.close()


def test_cells_lists_only_readable_cells(api: Api) -> None:
    c1 = {"id": "c1", "name": "Chi bộ Tổ dân phố số 1", "secretary": "m10", "in_charge": "m03"}
    c2 = {"id": "c2", "name": "Chi bộ Trường Tiểu học", "secretary": "m20", "in_charge": "m04"}
    assert api.items("c1_member", "/api/cells") == [c1]
    assert api.items("c1_secretary", "/api/cells") == [c1]
    assert api.items("c2_member", "/api/cells") == [c2]
    for who in TB_ABOVE:
        assert api.items(who, "/api/cells") == [c1, c2], who
    assert [c["id"] for c in api.items("other_org", "/api/cells")] == ["c9"]


def test_cell_register(api: Api) -> None:
    register = api.ok("c1_member", "/api/cells/c1", on="2026-01-10")
    assert register["on"] == "2026-01-10"
    assert register["in_charge"] == register["member_in_charge"] == "m03"
    members = {m["member"]: m for m in register["members"]}
    assert sorted(members) == ["m10", "m11", "m12", "m13", "m14"]
    assert members["m10"]["roles"] == ["secretary"]
    assert members["m11"]["roles"] == ["deputy"]
    assert members["m14"]["status"] == "official" and members["m14"]["working"] is False
    assert api.ok("c1_member", "/api/cells/c1", on="2025-12-31")["members"] == []
    for who in TB_ABOVE:
        api.ok(who, "/api/cells/c2")
    for who in ("c2_member", "other_org"):
        api.missing(who, "/api/cells/c1")
    api.missing("c1_member", "/api/cells/c2")
    api.missing("c1_member", "/api/cells/nowhere")  # unknown looks the same
    api.missing("org_secretary", "/api/cells/c9")  # nobody reads across organisations
    api.refused("c1_member", "/api/cells/c1", 422, on="not-a-date")


def test_minutes_book_and_meeting(api: Api) -> None:
    (book,) = api.items("c1_member", "/api/cells/c1/meetings")
    assert book["meeting"] == "c1-2026-01" and book["held_on"] == "2026-01-05"
    assert book["present"] == ["m10", "m11", "m12"]
    assert book["excused"] == {"m13": "ốm (ill)"}
    assert book["absent"] == ["m14"]
    assert book["guests"] == ["m03"]
    assert api.ok("committee", "/api/meetings/c1-2026-01") == book
    assert api.items("c2_member", "/api/cells/c2/meetings") == []
    for who in ("c2_member", "other_org"):
        api.missing(who, "/api/cells/c1/meetings")
        api.missing(who, "/api/meetings/c1-2026-01")
    api.missing("c1_member", "/api/meetings/c1-2099-01")


def test_resolution_board_and_detail(api: Api) -> None:
    (row,) = api.items("c1_member", "/api/cells/c1/resolutions")
    assert row["resolution"] == "nq-c1-01" and row["executors"] == ["m12"]
    assert [
        r["resolution"]
        for r in api.items("c1_member", "/api/cells/c1/resolutions", status="overdue")
    ] == ["nq-c1-01"]
    assert api.items("c1_member", "/api/cells/c1/resolutions", status="completed") == []
    body = api.refused("c1_member", "/api/cells/c1/resolutions", 422, status="late")
    assert "status" in body["detail"]
    one = api.ok("c1_secretary", "/api/resolutions/nq-c1-01")
    assert one["deadline"] == "2026-02-28" and one["deadline_history"] == []
    assert one["progress"] == [{"reported_on": "2026-01-20", "by": "m12", "note": "Đã họp tổ"}]
    assert one["last_progress_on"] == "2026-01-20"
    for who in TB_ABOVE:
        api.ok(who, "/api/resolutions/nq-c1-01")
    for who in ("c2_member", "other_org"):
        api.missing(who, "/api/cells/c1/resolutions")
        api.missing(who, "/api/resolutions/nq-c1-01")


def test_inbox_and_escalations(api: Api) -> None:
    (escalation,) = api.items("in_charge_c2", "/api/inbox")
    assert escalation["type"] == "escalation" and escalation["status"] == "open"
    assert escalation["escalation"]["cell"] == "c2" and escalation["rule"] == "R1"
    (reminder,) = api.items("c1_member", "/api/inbox", all="true")
    assert reminder["type"] == "reminder" and reminder["on"] == "2026-02-21"
    assert api.items("c2_member", "/api/inbox") == []
    assert api.items("other_org", "/api/inbox") == []  # hn's m12 is not tb's m12
    key = escalation["key"]
    # supervisors' view: whoever reads c2, or the recipient
    for who in (*TB_ABOVE, "c2_member"):
        assert [e["key"] for e in api.items(who, "/api/escalations")] == [key], who
    for who in ("c1_member", "c1_secretary", "other_org"):
        assert api.items(who, "/api/escalations") == [], who
    assert api.items("org_secretary", "/api/escalations", cell="c1") == []
    assert api.items("org_secretary", "/api/escalations", status="resolved") == []
    assert len(api.items("org_secretary", "/api/escalations", cell="c2", status="open")) == 1
    api.refused("org_secretary", "/api/escalations", 422, status="closed")


def test_compliance(api: Api) -> None:
    cells = api.items("c1_member", "/api/compliance", period="2026-Q1")
    assert [c["cell"] for c in cells] == ["c1"]
    (c1,) = cells
    assert (c1["start"], c1["end"], c1["period"]) == ("2026-01-01", "2026-03-31", "2026-Q1")
    assert c1["regular_months"] == 1 and c1["late_regular"] == 0
    assert c1["resolutions"]["adopted"] == 1
    everything = api.items("org_secretary", "/api/compliance", period="2026-Q1")
    assert [c["cell"] for c in everything] == ["c1", "c2"]
    assert everything[1]["regular_months"] == 0
    assert [
        c["cell"] for c in api.items("auditor", "/api/compliance", cell="c2", period="2026")
    ] == ["c2"]
    api.missing("c1_member", "/api/compliance", cell="c2", period="2026-Q1")
    assert [c["cell"] for c in api.items("other_org", "/api/compliance", period="2026")] == ["c9"]
    for bad in ("2026-13", "2026-Q5", "Q1", "2026-1"):
        body = api.refused("org_secretary", "/api/compliance", 422, period=bad)
        assert "period" in body["detail"], bad


def test_record_history_and_state(api: Api) -> None:
    events = api.items("c1_member", "/api/records/nq-c1-01/history")
    assert [e["event"] for e in events][-1] == "ProgressReported"
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["actor"] == "m12" and events[-1]["occurred_on"] == "2026-01-20"
    assert set(events[0]) == {
        "event",
        "version",
        "actor",
        "command_id",
        "occurred_on",
        "recorded_at",
        "data",
    }
    for who in TB_ABOVE:
        api.ok(who, "/api/records/nq-c1-01/history")
        api.ok(who, "/api/records/resolution:nq-c1-01")
    for who in ("c2_member", "other_org"):
        api.missing(who, "/api/records/nq-c1-01/history")
        api.missing(who, "/api/records/nq-c1-01")
        api.missing(who, "/api/records/meeting:c1-2026-01/history")
    api.missing("c1_member", "/api/records/no-such-record/history")
    # the organisation's record: its leadership, committee and auditors only
    for who in TB_ABOVE:
        assert api.items(who, "/api/records/tb/history")[0]["event"] == "Registered", who
    for who in ("c1_member", "c1_secretary", "other_org"):
        api.missing(who, "/api/records/tb/history")
    # an escalation: its recipient, whoever reads its cell (keys hold slashes)
    key = api.items("in_charge_c2", "/api/inbox")[0]["key"]
    assert api.ok("c2_member", f"/api/records/{key}")["state"]["status"] == "open"
    api.missing("c1_member", f"/api/records/{key}/history")
    # as it stood on a business date, and as known at a time
    before = api.ok("c1_member", "/api/records/nq-c1-01", on="2026-01-10")
    assert before["kind"] == "resolution" and before["key"] == "nq-c1-01"
    assert before["state"]["reports"] == []
    now = api.ok("c1_member", "/api/records/nq-c1-01")
    assert len(now["state"]["reports"]) == 1 and now["version"] == events[-1]["version"]
    recorded = events[0]["recorded_at"]
    at_first = api.ok("c1_member", "/api/records/nq-c1-01", as_of=recorded)
    assert at_first["version"] == 1
    early = api.ok("c1_member", "/api/records/nq-c1-01", as_of="2000-01-01T00:00:00+00:00")
    assert early["state"] is None and early["version"] == 0
    assert api.ok("c1_member", "/api/records/nq-c1-01", on="2025-12-31")["state"] is None


def test_audit_endpoints_and_access_log(api: Api) -> None:
    for who in ("auditor", "org_secretary"):
        report = api.ok(who, "/api/audit/verification")
        assert report["ok"] is True and report["problem"] is None
        assert report["events"] > 0 and report["signed_through"] == report["events"]
    for who in ("c1_member", "c1_secretary", "committee", "other_org"):
        api.refused(who, "/api/audit/verification", 403)
    for who in ("org_secretary", "c1_member", "committee", "other_org"):
        api.refused(who, "/api/audit/access-log", 403)
    api.ok("committee", "/api/meetings/c1-2026-01")  # outside c1: logged
    api.ok("c1_member", "/api/meetings/c1-2026-01")  # inside: not logged
    api.missing("c2_member", "/api/meetings/c1-2026-01")  # refused: nothing read
    rows = api.items("auditor", "/api/audit/access-log")
    readers = {(r["member"], r["record"]) for r in rows}
    assert ("m03", "c1-2026-01") in readers
    assert all(r["member"] != "m12" and r["member"] != "m21" for r in rows)
    assert all(r["organisation"] == "tb" for r in rows)


def test_pages_and_credentials(api: Api) -> None:
    first = api.ok("org_secretary", "/api/cells", limit=1)
    assert [c["id"] for c in first["items"]] == ["c1"] and first["next_cursor"]
    second = api.ok("org_secretary", "/api/cells", limit=1, cursor=first["next_cursor"])
    assert [c["id"] for c in second["items"]] == ["c2"] and second["next_cursor"] is None
    for limit in (0, 1001, -1):
        body = api.refused("org_secretary", "/api/cells", 422, limit=limit)
        assert "limit" in body["detail"]
    body = api.refused("org_secretary", "/api/escalations", 422, cursor="!!nope")
    assert "cursor" in body["detail"]
    paths = [
        "/api/cells",
        "/api/cells/c1",
        "/api/cells/c1/meetings",
        "/api/meetings/c1-2026-01",
        "/api/cells/c1/resolutions",
        "/api/resolutions/nq-c1-01",
        "/api/inbox",
        "/api/escalations",
        "/api/compliance",
        "/api/records/nq-c1-01/history",
        "/api/records/nq-c1-01",
        "/api/audit/verification",
        "/api/audit/access-log",
    ]
    for path in paths:
        response = api.client.get(path)
        assert response.status_code == 401, path
        assert response.headers["content-type"].startswith("application/problem+json")


def test_openapi_documents_every_query() -> None:
    """Every query of API.md is in the OpenAPI document with its errors and a paged
    answer for lists (no database needed to build it)."""
    from unittest.mock import MagicMock

    document = create_app(Services(app=MagicMock(), open_store=MagicMock())).openapi()
    lists = {
        "/api/cells",
        "/api/cells/{cell}/meetings",
        "/api/cells/{cell}/resolutions",
        "/api/inbox",
        "/api/escalations",
        "/api/compliance",
        "/api/records/{record}/history",
        "/api/audit/access-log",
    }
    single = {
        "/api/cells/{cell}",
        "/api/meetings/{meeting}",
        "/api/resolutions/{resolution}",
        "/api/records/{record}",
        "/api/audit/verification",
    }
    for path in lists | single:
        get = document["paths"][path]["get"]
        assert {"200", "401", "422"} <= set(get["responses"]), path
        if path in lists:
            names = {p["name"] for p in get["parameters"]}
            assert {"limit", "cursor"} <= names, path
            schema = get["responses"]["200"]["content"]["application/json"]["schema"]
            assert schema["$ref"].split("/")[-1].startswith("Page_"), path
    for path in ("/api/cells/{cell}", "/api/meetings/{meeting}", "/api/records/{record}"):
        assert "404" in document["paths"][path]["get"]["responses"], path
    assert "403" in document["paths"]["/api/audit/verification"]["get"]["responses"]
