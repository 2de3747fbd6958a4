"""A meeting's life over HTTP beyond holding it: announced ahead (R7), then recorded held
under the same id; its minutes sealed and amended with a reason (R11). On both
backends, with the access table (403 for a reader without the cell's business, 404
outside the cell)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from tests.api_support import assert_problem, bearer, client, login, seeded
from workers.settings import Settings


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


def as_member(svc: Services, member: str) -> TestClient:
    http = client(svc)
    http.headers.update(bearer(login(http, member)))
    return http


ANNOUNCEMENT: dict[str, Any] = {
    "date": "2026-03-01",
    "id": "c1-2026-03",
    "kind": "regular",
    "scheduled_on": "2026-03-05",
    "place": "Nhà văn hóa tổ dân phố số 1",
    "content": "Sơ kết quý I",
    "documents": ["Dự thảo nghị quyết tháng 3", "Báo cáo quý I"],
    "preparers": ["m10", "m11"],
}


def held(key: str = "c1-2026-03", minutes: bool = True) -> dict[str, Any]:
    return {
        "date": "2026-03-05",
        "id": key,
        "kind": "regular",
        "present": ["m10", "m11", "m12"],
        "excused": {"m13": "ốm"},
        "guests": ["m03"],
        "minutes": minutes,
    }


def test_an_announced_meeting_is_then_recorded_held_under_its_id(svc: Services) -> None:
    secretary = as_member(svc, "m10")
    answer = secretary.post("/api/cells/c1/announcements", json=ANNOUNCEMENT)
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert record["id"] == "c1-2026-03" and record["cell"] == "c1"
    assert record["status"] == "announced" and record["kinds"] == ["regular"]
    assert record["scheduled_on"] == "2026-03-05" and record["notice_on"] == "2026-03-01"
    assert record["place"] == "Nhà văn hóa tổ dân phố số 1"
    assert record["documents"] == ["Dự thảo nghị quyết tháng 3", "Báo cáo quý I"]
    assert record["preparers"] == ["m10", "m11"]
    book = secretary.get("/api/meetings/c1-2026-03").json()
    assert book["status"] == "announced" and book["held_on"] is None

    answer = secretary.post("/api/cells/c1/meetings", json=held())
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "held" and answer.json()["held_on"] == "2026-03-05"
    assert answer.json()["place"] == "Nhà văn hóa tổ dân phố số 1"  # the announcement kept


def test_an_announcement_is_refused_by_its_rules_and_the_access_table(svc: Services) -> None:
    secretary = as_member(svc, "m10")
    thematic = ANNOUNCEMENT | {"id": "c1-2026-03-cd", "kind": "thematic", "preparers": []}
    body = assert_problem(secretary.post("/api/cells/c1/announcements", json=thematic), 422)
    assert body["rule"] == "R7"
    mixed = ANNOUNCEMENT | {"id": "c1-2026-03-x", "kind": ["regular", "forum"]}
    body = assert_problem(secretary.post("/api/cells/c1/announcements", json=mixed), 422)
    assert body["rule"] == "R6"
    assert_problem(
        as_member(svc, "m12").post("/api/cells/c1/announcements", json=ANNOUNCEMENT), 403
    )
    assert_problem(
        as_member(svc, "m20").post("/api/cells/c1/announcements", json=ANNOUNCEMENT), 404
    )
    assert_problem(secretary.get("/api/meetings/c1-2026-03"), 404)  # nothing stored
    assert_problem(secretary.get("/api/meetings/c1-2026-03-cd"), 404)


def test_minutes_are_sealed_once_recorded_and_amended_with_a_reason(svc: Services) -> None:
    secretary = as_member(svc, "m10")
    assert secretary.post("/api/cells/c1/meetings", json=held(minutes=False)).status_code == 201
    body = assert_problem(
        secretary.post("/api/meetings/c1-2026-03/seal", json={"date": "2026-03-06"}), 422
    )
    assert body["rule"] == "R11"  # nothing recorded to seal yet
    body = assert_problem(
        secretary.post(
            "/api/meetings/c1-2026-03/amendments",
            json={"date": "2026-03-06", "reason": "x", "change": "y"},
        ),
        422,
    )
    assert body["rule"] == "R11"
    minutes = secretary.post("/api/meetings/c1-2026-03/minutes", json={"date": "2026-03-06"})
    assert minutes.status_code == 200, minutes.text

    assert_problem(
        as_member(svc, "m12").post("/api/meetings/c1-2026-03/seal", json={"date": "2026-03-07"}),
        403,
    )
    assert_problem(
        as_member(svc, "m20").post("/api/meetings/c1-2026-03/seal", json={"date": "2026-03-07"}),
        404,
    )
    sealed = secretary.post("/api/meetings/c1-2026-03/seal", json={"date": "2026-03-07"})
    assert sealed.status_code == 200, sealed.text
    assert sealed.json()["minutes_sealed_on"] == "2026-03-07"
    again = secretary.post("/api/meetings/c1-2026-03/seal", json={"date": "2026-03-08"})
    assert assert_problem(again, 422)["rule"] == "R11"

    blank = {"date": "2026-03-10", "reason": "  ", "change": "Bổ sung ý kiến"}
    answer = secretary.post("/api/meetings/c1-2026-03/amendments", json=blank)
    assert assert_problem(answer, 422)["rule"] == "R11"
    amendment = {
        "date": "2026-03-10",
        "reason": "Ghi thiếu ý kiến của đồng chí m12",
        "change": "Bổ sung ý kiến: làm thêm rãnh thoát nước",
    }
    assert_problem(
        as_member(svc, "m12").post("/api/meetings/c1-2026-03/amendments", json=amendment), 403
    )
    assert_problem(
        as_member(svc, "m20").post("/api/meetings/c1-2026-03/amendments", json=amendment), 404
    )
    answer = secretary.post("/api/meetings/c1-2026-03/amendments", json=amendment)
    assert answer.status_code == 200, answer.text
    assert answer.json()["amendments"] == [
        {
            "amended_on": "2026-03-10",
            "reason": "Ghi thiếu ý kiến của đồng chí m12",
            "change": "Bổ sung ý kiến: làm thêm rãnh thoát nước",
        }
    ]
    assert secretary.get("/api/meetings/c1-2026-03").json()["amendments"] == 1
