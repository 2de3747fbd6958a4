"""The member's calendar feed (`GET /api/calendar/{token}.ics`, API.md) over the seeded
ward `tb` on both backends: it parses with `icalendar` and with `vobject`, carries every
meeting of the member's cell (announced and held) and the deadline of every open
resolution they execute or inspect, with a reminder the day before, and nothing of
another cell; the link is the credential: replaced, revoked, or of a disabled account,
it answers 404. Expected values are written by hand."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import vobject
from fastapi.testclient import TestClient
from icalendar import Calendar

from api.accounts import AccountStore
from api.deps import Services
from domain.access import Caller
from tests.api_support import PASSWORD, assert_problem, bearer, client, login, seeded
from workers.settings import Settings

TODAY = date.today()


@pytest.fixture(autouse=True)
def _today() -> None:
    """Today as each test starts, as the app reads its clock: a value taken when the
    module was collected went stale when the suite ran past midnight."""
    global TODAY
    TODAY = date.today()


C1 = "Chi bộ Tổ dân phố số 1"


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


def api(http: TestClient, member: str, method: str, path: str, body: dict[str, Any]) -> None:
    answer = http.request(method, f"/api{path}", headers=bearer(login(http, member)), json=body)
    assert answer.status_code in (200, 201), answer.text


def resolution(key: str, content: str, days: int, executors: list[str], inspector: str) -> Any:
    return {
        "id": key,
        "content": content,
        "requirements": "Hoàn thành đủ",
        "measures": "Phân công cụ thể",
        "deadline": (TODAY + timedelta(days=days)).isoformat(),
        "executors": executors,
        "inspector": inspector,
    }


@pytest.fixture
def ward(svc: Services) -> Services:
    """c1: a meeting held 20 days ago adopting four resolutions (m12 executes nq-gan and
    nq-xong, which m12 then completes, and inspects nq-kiem; nq-khac is others' only),
    and the next meeting announced for a week from now; c2: a meeting and a resolution."""
    http = client(svc)
    held = TODAY - timedelta(days=20)
    api(
        http,
        "m10",
        "POST",
        "/cells/c1/meetings",
        {
            "date": held.isoformat(),
            "id": "c1-hop",
            "kind": "regular",
            "present": ["m10", "m11", "m12", "m13"],
            "resolutions": [
                resolution("nq-gan", "Nạo vét mương thoát nước", 10, ["m12"], "m11"),
                resolution("nq-kiem", "Trồng cây xanh", 30, ["m13"], "m12"),
                resolution("nq-khac", "Sửa nhà văn hóa", 15, ["m13"], "m10"),
                resolution("nq-xong", "Thu quỹ khuyến học", 5, ["m12"], "m11"),
            ],
        },
    )
    api(http, "m12", "POST", "/resolutions/nq-xong/completion", {"note": "Đã thu đủ"})
    api(
        http,
        "m10",
        "POST",
        "/cells/c1/announcements",
        {
            "id": "c1-sap",
            "kind": "regular",
            "scheduled_on": (TODAY + timedelta(days=7)).isoformat(),
            "place": "Nhà văn hóa tổ dân phố số 1",
            "content": "Sơ kết tháng, triển khai nhiệm vụ tháng sau",
        },
    )
    api(
        http,
        "m20",
        "POST",
        "/cells/c2/meetings",
        {
            "date": held.isoformat(),
            "id": "c2-hop",
            "kind": "regular",
            "present": ["m20", "m21", "m22"],
            "resolutions": [resolution("nq-c2", "Dạy thêm miễn phí", 12, ["m21"], "m20")],
        },
    )
    return svc


def new_link(http: TestClient, member: str) -> str:
    answer = http.post("/api/calendar-tokens", headers=bearer(login(http, member)))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["url"] == "http://testserver" + body["path"]
    assert body["path"].startswith("/api/calendar/") and body["path"].endswith(".ics")
    path: str = body["path"]
    return path


def events_by_uid(text: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(text)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_carries_my_meetings_and_deadlines_and_nothing_else(ward: Services) -> None:
    http = client(ward)
    path = new_link(http, "m12")
    answer = http.get(path)  # no login: the token in the path is the credential
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert answer.headers["cache-control"] == "private, no-store"

    calendar = Calendar.from_ical(answer.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//chibo//Lich sinh hoat chi bo//VI"
    events = events_by_uid(answer.content)
    assert sorted(events) == [
        "deadline-tb-nq-gan@chibo",
        "deadline-tb-nq-kiem@chibo",
        "meeting-tb-c1-hop@chibo",
        "meeting-tb-c1-sap@chibo",
    ]

    held = events["meeting-tb-c1-hop@chibo"]
    assert held.decoded("DTSTART") == TODAY - timedelta(days=20)
    assert held.decoded("DTEND") == TODAY - timedelta(days=19)
    assert str(held["SUMMARY"]) == f"Sinh hoạt chi bộ thường kỳ: {C1}"
    assert f"Đã họp ngày {(TODAY - timedelta(days=20)).strftime('%d/%m/%Y')}" in str(
        held["DESCRIPTION"]
    )
    assert "có mặt 4 đảng viên" in str(held["DESCRIPTION"])

    announced = events["meeting-tb-c1-sap@chibo"]
    assert announced.decoded("DTSTART") == TODAY + timedelta(days=7)
    assert str(announced["LOCATION"]) == "Nhà văn hóa tổ dân phố số 1"
    assert "Nội dung: Sơ kết tháng, triển khai nhiệm vụ tháng sau" in str(announced["DESCRIPTION"])
    assert "Dự kiến họp ngày" in str(announced["DESCRIPTION"])

    mine = events["deadline-tb-nq-gan@chibo"]
    assert mine.decoded("DTSTART") == TODAY + timedelta(days=10)
    assert str(mine["SUMMARY"]) == "Hạn nghị quyết: Nạo vét mương thoát nước"
    assert "Đồng chí là người thực hiện." in str(mine["DESCRIPTION"])
    inspected = events["deadline-tb-nq-kiem@chibo"]
    assert inspected.decoded("DTSTART") == TODAY + timedelta(days=30)
    assert str(inspected["SUMMARY"]) == "Hạn nghị quyết: Trồng cây xanh"
    assert "Đồng chí là người kiểm tra." in str(inspected["DESCRIPTION"])
    for deadline in (mine, inspected):
        alarms = deadline.walk("VALARM")
        assert len(alarms) == 1
        assert str(alarms[0]["ACTION"]) == "DISPLAY"
        assert alarms[0].decoded("TRIGGER") == timedelta(days=-1)

    text = answer.text
    for other in ("c2-hop", "nq-c2", "Dạy thêm", "nq-khac", "Sửa nhà văn hóa", "nq-xong"):
        assert other not in text, other


def test_a_second_parser_reads_the_same_feed(ward: Services) -> None:
    http = client(ward)
    answer = http.get(new_link(http, "m12"))
    parsed = vobject.readOne(answer.text)
    found = {
        str(event.uid.value): (event.dtstart.value, str(event.summary.value))
        for event in parsed.vevent_list
    }
    meeting = f"Sinh hoạt chi bộ thường kỳ: {C1}"
    assert found == {
        "meeting-tb-c1-hop@chibo": (TODAY - timedelta(days=20), meeting),
        "meeting-tb-c1-sap@chibo": (TODAY + timedelta(days=7), meeting),
        "deadline-tb-nq-gan@chibo": (
            TODAY + timedelta(days=10),
            "Hạn nghị quyết: Nạo vét mương thoát nước",
        ),
        "deadline-tb-nq-kiem@chibo": (TODAY + timedelta(days=30), "Hạn nghị quyết: Trồng cây xanh"),
    }
    gan = next(e for e in parsed.vevent_list if e.uid.value == "deadline-tb-nq-gan@chibo")
    assert gan.valarm.trigger.value == timedelta(days=-1)


def test_another_cells_member_sees_only_their_cell(ward: Services) -> None:
    AccountStore(ward.store()).add(Caller("tb", "m21"), PASSWORD)
    http = client(ward)
    events = events_by_uid(http.get(new_link(http, "m21")).content)
    assert sorted(events) == ["deadline-tb-nq-c2@chibo", "meeting-tb-c2-hop@chibo"]
    assert str(events["meeting-tb-c2-hop@chibo"]["SUMMARY"]) == (
        "Sinh hoạt chi bộ thường kỳ: Chi bộ Trường Tiểu học"
    )


def test_uids_are_stable_and_an_extension_moves_the_same_event(ward: Services) -> None:
    http = client(ward)
    path = new_link(http, "m12")
    first = events_by_uid(http.get(path).content)
    api(
        http,
        "m10",
        "POST",
        "/resolutions/nq-gan/extension",
        {"new_deadline": (TODAY + timedelta(days=40)).isoformat(), "meeting": "c1-hop"},
    )
    later = events_by_uid(http.get(path).content)
    assert sorted(first) == sorted(later)
    moved = later["deadline-tb-nq-gan@chibo"]
    assert moved.decoded("DTSTART") == TODAY + timedelta(days=40)
    assert int(moved["SEQUENCE"]) == int(first["deadline-tb-nq-gan@chibo"]["SEQUENCE"]) + 1


def test_a_revoked_replaced_wrong_or_disabled_link_answers_404(ward: Services) -> None:
    http = client(ward)
    token = bearer(login(http, "m12"))
    assert http.get("/api/calendar-tokens", headers=token).json() == {
        "active": False,
        "created_at": None,
    }
    old = new_link(http, "m12")
    assert http.get("/api/calendar-tokens", headers=token).json()["active"] is True
    current = new_link(http, "m12")
    assert current != old
    assert_problem(http.get(old), 404)  # replaced: the old URL no longer works
    assert http.get(current).status_code == 200

    assert_problem(http.get("/api/calendar/" + "x" * 43 + ".ics"), 404)
    assert_problem(http.get(current.replace(".ics", ".ICS")), 404)

    assert http.delete("/api/calendar-tokens", headers=token).status_code == 204
    assert_problem(http.get(current), 404)
    assert http.get("/api/calendar-tokens", headers=token).json()["active"] is False

    again = new_link(http, "m12")
    AccountStore(ward.store()).set_disabled(Caller("tb", "m12"), True)
    assert_problem(http.get(again), 404)


def test_the_links_need_a_login_and_the_log_never_holds_the_token(
    ward: Services, caplog: pytest.LogCaptureFixture
) -> None:
    http = client(ward)
    assert_problem(http.post("/api/calendar-tokens"), 401)
    assert_problem(http.delete("/api/calendar-tokens"), 401)
    path = new_link(http, "m12")
    with caplog.at_level(logging.INFO, logger="chibo.api.access"):
        assert http.get(path).status_code == 200
    secret = path.removeprefix("/api/calendar/").removesuffix(".ics")
    assert "GET /api/calendar/***.ics 200" in caplog.text
    assert secret not in caplog.text
