"""The commands of API.md over HTTP, on both backends: whole or nothing, the access
table (404 unreadable, 403 not allowed), idempotency, business dates, escalations."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.accounts import AccountStore
from api.app import create_app
from api.contacts import ContactStore
from api.deps import Services
from domain import commands as c
from domain.access import Caller
from domain.application import ChiboApplication
from domain.meeting import Meeting
from projections.escalations import inbox
from projections.store import ReadStore
from tests.factories import cmd
from workers.settings import Settings
from workers.wiring import make_read_store

PASSWORD = "mật-khẩu-dài-đủ"
MEMBERS = ("m01", "m03", "m04", "m10", "m11", "m12", "m13", "m20", "m21")
ESCALATION = "meeting_missed/cell=c2/2026-02/1"

Client = Callable[[str], TestClient]


@pytest.fixture
def api(
    ward: tuple[ChiboApplication, ReadStore], settings: Settings
) -> Iterator[tuple[ChiboApplication, ReadStore, Client]]:
    app, store = ward
    for member in MEMBERS:
        AccountStore(store).add(Caller("tb", member), PASSWORD)
    services = Services(app=app, open_store=lambda: make_read_store(settings), project_inline=True)
    clients: dict[str, TestClient] = {}

    def client(member: str) -> TestClient:
        if member not in clients:
            http = TestClient(create_app(services))
            answer = http.post(
                "/api/token", data={"username": f"{member}@tb", "password": PASSWORD}
            )
            assert answer.status_code == 200, answer.text
            http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            clients[member] = http
        return clients[member]

    try:
        yield app, store, client
    finally:
        for http in clients.values():
            http.close()
        for opened in services._stores:
            opened.close()


def resolution(key: str, **fields: Any) -> dict[str, Any]:
    body = {
        "id": key,
        "content": "Vận động phân loại rác",
        "requirements": "100% hộ tham gia",
        "measures": "Tuyên truyền",
        "deadline": "2026-02-28",
        "executors": ["m12"],
        "inspector": "m11",
    }
    return body | fields


def meeting(key: str = "mt1", **fields: Any) -> dict[str, Any]:
    body = {
        "date": "2026-01-05",
        "id": key,
        "kind": "regular",
        "present": ["m10", "m11", "m12"],
        "excused": {"m13": "ốm"},
        "resolutions": [resolution("nq1")],
    }
    return body | fields


def head(app: ChiboApplication) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_meeting_with_attendance_in_three_states_and_a_resolution(api: Any) -> None:
    app, _, client = api
    answer = client("m10").post("/api/cells/c1/meetings", json=meeting())
    assert answer.status_code == 201, answer.text
    held = answer.json()
    assert held["id"] == "mt1" and held["cell"] == "c1" and held["held_on"] == "2026-01-05"
    assert held["present"] == ["m10", "m11", "m12"]
    assert held["excused"] == {"m13": "ốm"}
    assert held["absent"] == ["m14"]
    assert held["chair"] == "m10" and held["minute_taker"] == "m11"  # the defaults
    [adopted] = held["resolutions"]
    assert adopted["id"] == "nq1" and adopted["executors"] == ["m12"]
    history = list(app.events.get(Meeting.id_for("mt1")))
    assert {e.actor for e in history} == {"m10"}  # the authenticated member


def test_a_meeting_is_refused_whole_naming_the_resolution_field_and_rule(api: Any) -> None:
    app, _, client = api
    before = head(app)
    body = meeting(resolutions=[resolution("nq1"), resolution("nq2", inspector=None)])
    answer = client("m10").post("/api/cells/c1/meetings", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["rule"] == "R20"
    assert "resolutions[1]" in problem["detail"] and "nq2" in problem["detail"]
    assert "inspector" in problem["detail"]
    assert head(app) == before  # nothing stored: neither the meeting nor nq1
    assert app.view(Meeting.id_for("mt1")) is None


def test_minutes_progress_and_completion(api: Any) -> None:
    _, _, client = api
    assert client("m10").post("/api/cells/c1/meetings", json=meeting(minutes=False)).is_success
    minutes = client("m11").post("/api/meetings/mt1/minutes", json={"date": "2026-01-06"})
    assert minutes.status_code == 200, minutes.text
    assert minutes.json()["minutes_recorded_on"] == "2026-01-06"

    progress = {"date": "2026-01-10", "note": "Đã họp tổ"}
    answer = client("m12").post("/api/resolutions/nq1/progress", json=progress)
    assert answer.status_code == 200, answer.text
    assert client("m13").post("/api/resolutions/nq1/progress", json=progress).status_code == 403
    assert client("m20").post("/api/resolutions/nq1/progress", json=progress).status_code == 404
    not_caller = client("m12").post("/api/resolutions/nq1/progress", json=progress | {"by": "m13"})
    assert not_caller.status_code == 422

    done = client("m12").post("/api/resolutions/nq1/completion", json={"date": "2026-01-20"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"


def test_an_unreadable_cell_is_not_found_and_a_member_may_not_hold_meetings(api: Any) -> None:
    _, _, client = api
    assert client("m20").post("/api/cells/c1/meetings", json=meeting()).status_code == 404
    assert client("m10").post("/api/cells/c9/meetings", json=meeting()).status_code == 404
    assert client("m12").post("/api/cells/c1/meetings", json=meeting()).status_code == 403
    # the committee member in charge, and the organisation secretary, may
    assert (
        client("m03")
        .post("/api/cells/c1/meetings", json=meeting("mt2", resolutions=[]))
        .status_code
        == 201
    )


def test_the_cell_of_the_path_is_not_contradicted_and_a_future_date_is_refused(api: Any) -> None:
    app, _, client = api
    before = head(app)
    other = client("m10").post("/api/cells/c1/meetings", json=meeting(cell="c2"))
    assert other.status_code == 422 and "cell" in other.json()["detail"]
    future = client("m10").post("/api/cells/c1/meetings", json=meeting(date="2100-01-05"))
    assert future.status_code == 422 and "date" in future.json()["detail"]
    assert head(app) == before


def test_idempotency_key(api: Any) -> None:
    app, _, client = api
    headers = {"Idempotency-Key": "form-42"}
    first = client("m10").post("/api/cells/c1/meetings", json=meeting(), headers=headers)
    assert first.status_code == 201
    stored = head(app)
    again = client("m10").post("/api/cells/c1/meetings", json=meeting(), headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert head(app) == stored  # nothing stored the second time
    other = client("m10").post(
        "/api/cells/c1/meetings", json=meeting(duration_minutes=90), headers=headers
    )
    assert other.status_code == 422
    # the key is the caller's own: another person's same key is another command
    mine = client("m11").post(
        "/api/cells/c1/meetings", json=meeting("mt2", resolutions=[]), headers=headers
    )
    assert mine.status_code == 201
    assert head(app) > stored


def test_a_resolution_added_later_to_a_meeting_stored_earlier(api: Any) -> None:
    _, _, client = api
    refused = meeting(resolutions=[resolution("nq1", inspector=None)])
    assert client("m10").post("/api/cells/c1/meetings", json=refused).status_code == 422
    assert client("m10").post("/api/cells/c1/meetings", json=meeting(resolutions=[])).is_success
    later = resolution("nq1") | {"date": "2026-01-12"}
    answer = client("m10").post("/api/meetings/mt1/resolutions", json=later)
    assert answer.status_code == 201, answer.text
    assert answer.json()["source"] == "mt1"
    assert client("m12").post("/api/meetings/mt1/resolutions", json=later).status_code == 403


def test_escalations_acknowledged_and_resolved_leave_the_open_inbox(api: Any) -> None:
    app, store, client = api
    app.handle(
        cmd(
            c.RaiseEscalation,
            date(2026, 3, 1),
            actor="system",
            organisation="tb",
            kind="meeting_missed",
            rule="R1",
            subject={"cell": "c2"},
            period="2026-02",
            recipients=["m04"],
        )
    )
    path = f"/api/escalations/{ESCALATION}"
    assert client("m10").post(f"{path}/acknowledgement", json={}).status_code == 404
    assert client("m21").post(f"{path}/acknowledgement", json={}).status_code == 403
    seen = client("m04").post(f"{path}/acknowledgement", json={"note": "Đã nhắc"})
    assert seen.status_code == 200, seen.text
    assert seen.json()["status"] == "acknowledged"
    assert inbox(store, "m04") == []
    done = client("m04").post(f"{path}/resolution", json={"action": "Họp bù ngày 5/3"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "resolved" and done.json()["action"] == "Họp bù ngày 5/3"
    [row] = inbox(store, "m04", status=None)
    assert row.status == "resolved" and row.resolved_by == "m04"


def test_the_organisation_secretary_handles_an_escalation_sent_to_others(api: Any) -> None:
    app, _, client = api
    app.handle(
        cmd(
            c.RaiseEscalation,
            date(2026, 3, 1),
            actor="system",
            organisation="tb",
            kind="meeting_missed",
            rule="R1",
            subject={"cell": "c2"},
            period="2026-02",
            recipients=["m04"],
        )
    )
    answer = client("m01").post(f"/api/escalations/{ESCALATION}/resolution", json={"action": "x"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["resolved_by"] == "m01"


def test_contact_by_the_member_or_their_cell_secretary(api: Any) -> None:
    _, store, client = api
    own = client("m12").put("/api/members/m12/contact", json={"email": "m12@example.vn"})
    assert own.status_code == 200 and own.json()["email"] == "m12@example.vn"
    by_secretary = client("m10").put("/api/members/m12/contact", json={"digest": True})
    assert by_secretary.status_code == 200
    assert client("m13").put("/api/members/m12/contact", json={}).status_code == 403
    assert client("m20").put("/api/members/m12/contact", json={}).status_code == 404
    bad = client("m12").put("/api/members/m12/contact", json={"email": "no at sign"})
    assert bad.status_code == 422
    contacts = ContactStore(store)
    assert contacts.get("tb", "m12") is not None
    contacts.erase("tb", "m12")
    assert contacts.get("tb", "m12") is None


def test_chibo_act_applies_the_same_commands(
    ward: tuple[ChiboApplication, ReadStore],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`chibo act` verbs take the API's bodies and build the same domain commands."""
    from typer.testing import CliRunner

    from workers.cli import app as cli

    app, _ = ward
    monkeypatch.setenv("CHIBO_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    args = ["act", "hold-meeting", "c1", "--org", "tb", "--as", "m10", "--key", "k1"]
    held = runner.invoke(cli, args, input=json.dumps(meeting()))
    assert held.exit_code == 0, held.output
    assert json.loads(held.output)["stored"] is True
    again = runner.invoke(cli, args, input=json.dumps(meeting()))
    assert again.exit_code == 0 and json.loads(again.output)["stored"] is False
    refused = runner.invoke(
        cli,
        ["act", "report-progress", "nq1", "--org", "tb", "--as", "m12", "--date", "2100-01-01"],
        input="{}",
    )
    assert refused.exit_code == 1 and "date" in refused.output
    progress = runner.invoke(
        cli,
        ["act", "report-progress", "nq1", "--org", "tb", "--as", "m12", "--date", "2026-01-10"],
        input='{"note": "Đã họp tổ"}',
    )
    assert progress.exit_code == 0, progress.output
    unknown_field = runner.invoke(
        cli, ["act", "record-minutes", "mt1", "--org", "tb", "--as", "m10"], input='{"x": 1}'
    )
    assert unknown_field.exit_code == 2 and "x" in unknown_field.output
    events: list[Any] = list(app.events.get(Meeting.id_for("mt1")))
    assert events[0].actor == "m10"
