"""The cell secretary's meeting pages over the seeded ward, on both backends: the minutes
book, announcing a meeting and recording it held (attendance in three states, roles,
speakers, resolutions), a refused form keeping what was typed, the meeting page with its
minutes (record, seal, amend) and resolutions added later; CSRF and the access table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from tests.api_support import bearer, client, login, seeded
from tests.web_support import log_in, site
from workers.settings import Settings

IDEM = re.compile(r'name="idem" value="([0-9a-f]{32})"')


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


def api_as(svc: Services, member: str) -> TestClient:
    http = client(svc)
    http.headers.update(bearer(login(http, member)))
    return http


def page_as(svc: Services, member: str) -> tuple[TestClient, str]:
    http = site(svc)
    return http, log_in(http, member)


def idem_of(html: str, index: int = 0) -> str:
    """The idempotency key of the page's `index`-th form."""
    keys: list[str] = IDEM.findall(html)
    return keys[index]


def checked(html: str, name: str, value: str) -> bool:
    """Whether the radio/checkbox `name`=`value` is checked in the page."""
    tag = re.search(rf'<input type="(?:radio|checkbox)" name="{name}" value="{value}"[^>]*>', html)
    assert tag, f"no input {name}={value}"
    return " checked" in tag.group(0)


def input_tag(html: str, name: str) -> str:
    """The `<input>` named `name` (its value and whether it is marked invalid)."""
    tag = re.search(rf'<input id="f-{name}" name="{name}"[^>]*>', html)
    assert tag, f"no input {name}"
    return tag.group(0)


def meeting_form(csrf: str, idem: str, **changes: Any) -> dict[str, Any]:
    """The meeting form as a secretary fills it: c1 on 05/03/2026, m13 excused, m14
    absent, the member in charge as guest, one resolution block and one left blank."""
    form: dict[str, Any] = {
        "csrf": csrf,
        "idem": idem,
        "id": "c1-2026-03",
        "date": "2026-03-05",
        "kind": ["regular"],
        "notice_on": "2026-03-01",
        "duration_minutes": "90",
        "att-m10": "present",
        "att-m11": "present",
        "att-m12": "present",
        "att-m13": "excused",
        "reason-m13": "ốm",
        "att-m14": "absent",
        "guests": ["m03"],
        "chair": "",
        "minute_taker": "",
        "speakers": ["m10", "m12", "m03"],
        "opinions": "Cần huy động thêm hộ dân\nPhối hợp với phường",
        "minority_opinions": "Nên lùi thời hạn sang tháng 5",
        "minutes": "on",
        "res-0-id": "nq-c1-2026-03",
        "res-0-content": "Nạo vét mương thoát nước tổ dân phố",
        "res-0-requirements": "Thông toàn tuyến trước mùa mưa",
        "res-0-measures": "Huy động hộ dân, phối hợp phường",
        "res-0-deadline": "2026-04-30",
        "res-0-executors": ["m12", "m13"],
        "res-0-inspector": "m11",
        "res-0-votes_for": "3",
        "res-0-votes_against": "0",
        "res-0-votes_abstain": "",
        "res-0-minority_opinions": "",
        "res-1-id": "",
        "res-1-content": "",
        "res-1-deadline": "",
        "res-1-inspector": "",
    }
    return form | changes


def hold_by_api(svc: Services, minutes: bool = True) -> None:
    body = {
        "date": "2026-03-05",
        "id": "c1-2026-03",
        "kind": "regular",
        "present": ["m10", "m11", "m12"],
        "excused": {"m13": "đi công tác"},
        "guests": ["m03"],
        "minutes": minutes,
    }
    answer = api_as(svc, "m10").post("/api/cells/c1/meetings", json=body)
    assert answer.status_code == 201, answer.text


def test_the_minutes_book_shows_each_meeting_with_attendance_and_minutes(svc: Services) -> None:
    hold_by_api(svc)
    http, _ = page_as(svc, "m12")  # a member reads the book
    page = http.get("/cells/c1/meetings")
    assert page.status_code == 200, page.text
    assert "Sổ biên bản sinh hoạt — chi bộ c1" in page.text
    assert '<a href="/meetings/c1-2026-03">c1-2026-03</a>' in page.text
    assert "05/03/2026" in page.text and "Thường kỳ" in page.text
    # present m10 m11 m12, excused m13, absent m14 (retired, not marked)
    assert re.search(r"<td>3</td>\s*<td>1</td>\s*<td>1</td>", page.text)
    assert "Đã ghi biên bản ngày 05/03/2026" in page.text
    assert 'href="/cells/c1/meetings/announce"' in page.text
    assert 'href="/cells/c1/meetings/new"' in page.text
    outsider, _ = page_as(svc, "m20")
    answer = outsider.get("/cells/c1/meetings")
    assert answer.status_code == 404 and "Không tìm thấy" in answer.text
    assert outsider.get("/meetings/c1-2026-03").status_code == 404
    assert outsider.get("/cells/c1/meetings/new").status_code == 404


def test_a_meeting_announced_then_recorded_held_from_the_announcement(svc: Services) -> None:
    http, csrf = page_as(svc, "m10")
    form = http.get("/cells/c1/meetings/announce")
    assert form.status_code == 200 and "Thông báo cuộc họp chi bộ" in form.text
    assert 'name="preparers" value="m13"' in form.text  # the cell's members to choose
    data = {
        "csrf": csrf,
        "idem": idem_of(form.text),
        "id": "c1-2026-03",
        "kind": ["regular"],
        "date": "2026-03-01",
        "scheduled_on": "2026-03-05",
        "place": "Nhà văn hóa tổ dân phố số 1",
        "content": "Sơ kết quý I",
        "documents": "Dự thảo nghị quyết tháng 3\nBáo cáo quý I",
        "preparers": ["m10", "m11"],
    }
    answer = http.post("/cells/c1/meetings/announce", data=data)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/meetings/c1-2026-03?notice=saved"
    again = http.post("/cells/c1/meetings/announce", data=data)  # a double submit
    assert again.status_code == 303, again.text

    shown = http.get(answer.headers["location"])
    assert shown.status_code == 200
    assert "Đã lưu." in shown.text and "Đã thông báo" in shown.text
    assert "05/03/2026" in shown.text and "01/03/2026" in shown.text
    assert "Nhà văn hóa tổ dân phố số 1" in shown.text
    assert "<li>Báo cáo quý I</li>" in shown.text
    assert "Đảng viên m11 (m11)" in shown.text
    assert 'href="/cells/c1/meetings/new?from=c1-2026-03"' in shown.text

    form = http.get("/cells/c1/meetings/new", params={"from": "c1-2026-03"})
    assert form.status_code == 200
    assert 'value="c1-2026-03"' in form.text and 'value="2026-03-05"' in form.text
    assert checked(form.text, "kind", "regular") and not checked(form.text, "kind", "thematic")
    assert checked(form.text, "guests", "m03")  # the member in charge, as guest by default
    assert 'name="minutes" checked' in form.text  # minutes recorded, by default

    answer = http.post("/cells/c1/meetings/new", data=meeting_form(csrf, idem_of(form.text)))
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/meetings/c1-2026-03?notice=saved"

    record = api_as(svc, "m10").get("/api/meetings/c1-2026-03").json()
    assert record["status"] == "held" and record["held_on"] == "2026-03-05"
    assert record["present"] == ["m10", "m11", "m12"]
    assert record["excused"] == {"m13": "ốm"} and record["absent"] == ["m14"]
    assert record["guests"] == ["m03"] and record["speakers"] == ["m10", "m12", "m03"]
    assert record["chair"] == "m10" and record["minute_taker"] == "m11"  # the defaults
    assert record["duration_minutes"] == 90 and record["notice_on"] == "2026-03-01"
    assert record["opinions"] == ["Cần huy động thêm hộ dân", "Phối hợp với phường"]
    assert record["minority_opinions"] == ["Nên lùi thời hạn sang tháng 5"]
    assert record["minutes_recorded_on"] == "2026-03-05"
    adopted = api_as(svc, "m10").get("/api/cells/c1/resolutions").json()["items"]
    assert [r["resolution"] for r in adopted] == ["nq-c1-2026-03"]  # the blank block ignored
    assert adopted[0]["executors"] == ["m12", "m13"] and adopted[0]["deadline"] == "2026-04-30"

    shown = http.get("/meetings/c1-2026-03").text
    assert "Đã họp" in shown and "Nhà văn hóa tổ dân phố số 1" in shown  # announcement kept
    assert re.search(r"Đảng viên m13 \(m13\)</td><td>Vắng có lý do</td><td>ốm</td>", shown)
    assert re.search(r"Đảng viên m14 \(m14\)</td><td>Vắng không lý do</td>", shown)
    assert '<a href="/resolutions/nq-c1-2026-03">nq-c1-2026-03</a>' in shown
    assert "30/04/2026" in shown and "Nên lùi thời hạn sang tháng 5" in shown
    assert "Đã ghi biên bản ngày 05/03/2026" in shown


def test_the_open_resolutions_are_offered_for_review_checked(svc: Services) -> None:
    hold_by_api(svc)
    resolution = {
        "date": "2026-03-05",
        "id": "nq-c1-2026-03",
        "content": "Vận động phân loại rác",
        "requirements": "100% hộ tham gia",
        "measures": "Tuyên truyền",
        "deadline": "2026-12-31",
        "executors": ["m12"],
        "inspector": "m11",
    }
    api = api_as(svc, "m10")
    assert api.post("/api/meetings/c1-2026-03/resolutions", json=resolution).status_code == 201
    http, csrf = page_as(svc, "m10")
    form = http.get("/cells/c1/meetings/new")
    assert checked(form.text, "reviewed", "nq-c1-2026-03")
    assert "Vận động phân loại rác" in form.text and "31/12/2026" in form.text
    data = meeting_form(
        csrf,
        idem_of(form.text),
        id="c1-2026-04",
        date="2026-04-02",
        notice_on="",
        reviewed=["nq-c1-2026-03"],
        **{"res-0-id": ""},
    )
    data = {k: v for k, v in data.items() if not k.startswith("res-0-") or k == "res-0-id"}
    answer = http.post("/cells/c1/meetings/new", data=data)
    assert answer.status_code == 303, answer.text
    assert api.get("/api/meetings/c1-2026-04").json()["reviewed"] == ["nq-c1-2026-03"]


def test_an_announcement_refused_by_r7_keeps_what_was_typed(svc: Services) -> None:
    http, csrf = page_as(svc, "m10")
    form = http.get("/cells/c1/meetings/announce")
    data = {
        "csrf": csrf,
        "idem": idem_of(form.text),
        "id": "c1-2026-03-cd",
        "kind": ["thematic"],
        "date": "2026-03-01",
        "scheduled_on": "2026-03-12",
        "place": "Hội trường phường",
        "content": "Chuyên đề học tập và làm theo tư tưởng Hồ Chí Minh",
        "documents": "Tài liệu chuyên đề",
    }
    answer = http.post("/cells/c1/meetings/announce", data=data)
    assert answer.status_code == 422 and "Quy tắc R7" in answer.text
    assert checked(answer.text, "kind", "thematic") and not checked(answer.text, "kind", "regular")
    assert 'value="Hội trường phường"' in input_tag(answer.text, "place")
    assert 'value="2026-03-12"' in input_tag(answer.text, "scheduled_on")
    assert ">Tài liệu chuyên đề</textarea>" in answer.text
    assert api_as(svc, "m10").get("/api/meetings/c1-2026-03-cd").status_code == 404
    answer = http.post("/cells/c1/meetings/announce", data=data | {"preparers": ["m12"]})
    assert answer.status_code == 303, answer.text
    record = api_as(svc, "m10").get("/api/meetings/c1-2026-03-cd").json()
    assert record["kinds"] == ["thematic"] and record["scheduled_on"] == "2026-03-12"


def test_a_refused_resolution_is_marked_in_its_own_block(svc: Services) -> None:
    http, csrf = page_as(svc, "m10")
    form = http.get("/cells/c1/meetings/new")
    second = {
        "res-1-id": "nq-c1-2026-03b",
        "res-1-content": "Vận động phân loại rác",
        "res-1-requirements": "100% hộ tham gia",
        "res-1-measures": "Tuyên truyền",
        "res-1-deadline": "2026-06-30",
        "res-1-executors": ["m12"],
        "res-1-inspector": "",
    }
    blank_first = {f"res-0-{name}": "" for name in ("id", "content", "deadline", "inspector")}
    data = meeting_form(csrf, idem_of(form.text), **(second | blank_first))
    data = {k: v for k, v in data.items() if k in blank_first or not k.startswith("res-0-")}
    answer = http.post("/cells/c1/meetings/new", data=data)
    assert answer.status_code == 422 and "Quy tắc R20" in answer.text
    # the blank block is dropped: the refused one is shown first, its inspector marked
    assert 'value="nq-c1-2026-03b"' in input_tag(answer.text, "res-0-id")
    tag = re.search(r'<select id="f-res-0-inspector"[^>]*>', answer.text)
    assert tag and 'aria-invalid="true"' in tag.group(0)


def test_a_refused_meeting_names_the_rule_keeps_what_was_typed_and_stores_nothing(
    svc: Services,
) -> None:
    http, csrf = page_as(svc, "m10")
    form = http.get("/cells/c1/meetings/new")
    idem = idem_of(form.text)
    answer = http.post(
        "/cells/c1/meetings/new", data=meeting_form(csrf, idem, **{"res-0-deadline": ""})
    )
    assert answer.status_code == 422, answer.text
    assert "Quy tắc R20" in answer.text and "Thời hạn hoàn thành" in answer.text
    assert 'value="Nạo vét mương thoát nước tổ dân phố"' not in answer.text  # a textarea:
    assert ">Nạo vét mương thoát nước tổ dân phố</textarea>" in answer.text
    assert checked(answer.text, "att-m13", "excused") and checked(answer.text, "att-m14", "absent")
    assert not checked(answer.text, "att-m13", "present")
    assert 'value="ốm"' in input_tag(answer.text, "reason-m13")
    assert checked(answer.text, "res-0-executors", "m13") and checked(answer.text, "guests", "m03")
    assert 'aria-invalid="true"' in input_tag(answer.text, "res-0-deadline")
    assert 'aria-invalid="true"' not in input_tag(answer.text, "res-0-id")
    assert f'name="idem" value="{idem}"' in answer.text  # the same form, resent, stores once
    assert api_as(svc, "m10").get("/api/meetings/c1-2026-03").status_code == 404

    excused = meeting_form(csrf, idem, **{"reason-m13": " "})
    answer = http.post("/cells/c1/meetings/new", data=excused)
    assert answer.status_code == 422 and "Quy tắc R9" in answer.text
    assert checked(answer.text, "att-m13", "excused")
    assert 'value=" "' in input_tag(answer.text, "reason-m13")
    assert 'aria-invalid="true"' in input_tag(answer.text, "reason-m13")
    assert "Cần sửa: Lý do" in answer.text
    assert api_as(svc, "m10").get("/api/meetings/c1-2026-03").status_code == 404


def test_forms_need_the_csrf_token_and_the_cells_business(svc: Services) -> None:
    http, _ = page_as(svc, "m10")
    form = http.get("/cells/c1/meetings/new")
    data = meeting_form("not-the-token", idem_of(form.text))
    answer = http.post("/cells/c1/meetings/new", data=data)
    assert answer.status_code == 403 and "Biểu mẫu đã hết hạn" in answer.text
    assert api_as(svc, "m10").get("/api/meetings/c1-2026-03").status_code == 404

    member, csrf = page_as(svc, "m12")  # reads the cell, does not do its business
    form = member.get("/cells/c1/meetings/new")
    assert form.status_code == 200
    answer = member.post("/cells/c1/meetings/new", data=meeting_form(csrf, idem_of(form.text)))
    assert answer.status_code == 403 and "Bạn không có quyền làm việc này." in answer.text
    assert ">Nạo vét mương thoát nước tổ dân phố</textarea>" in answer.text
    announce = {"csrf": csrf, "idem": "a" * 32, "id": "c1-x", "kind": "regular"}
    answer = member.post(
        "/cells/c1/meetings/announce", data=announce | {"scheduled_on": "2026-03-05"}
    )
    assert answer.status_code == 403
    assert api_as(svc, "m10").get("/api/meetings/c1-2026-03").status_code == 404
    assert api_as(svc, "m10").get("/api/meetings/c1-x").status_code == 404

    outsider, csrf = page_as(svc, "m20")
    answer = outsider.post("/cells/c1/meetings/announce", data=announce | {"csrf": csrf})
    assert answer.status_code == 404


def test_minutes_recorded_sealed_and_amended_from_the_meeting_page(svc: Services) -> None:
    hold_by_api(svc, minutes=False)
    http, csrf = page_as(svc, "m10")
    page = http.get("/meetings/c1-2026-03")
    assert "Chưa có biên bản" in page.text
    answer = http.post(
        "/meetings/c1-2026-03/minutes",
        data={"csrf": csrf, "idem": idem_of(page.text, 0), "minutes_on": "2026-03-04"},
    )
    assert answer.status_code == 422 and "Quy tắc R11" in answer.text  # before the meeting
    assert 'value="2026-03-04"' in answer.text
    answer = http.post(
        "/meetings/c1-2026-03/minutes",
        data={"csrf": csrf, "idem": idem_of(page.text, 0), "minutes_on": "2026-03-06"},
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("?notice=saved")
    page = http.get("/meetings/c1-2026-03")
    assert "Đã ghi biên bản ngày 06/03/2026" in page.text
    assert 'action="/meetings/c1-2026-03/seal"' in page.text

    assert (
        http.post(
            "/meetings/c1-2026-03/seal",
            data={"idem": idem_of(page.text, 0), "sealed_on": "2026-03-07"},
        ).status_code
        == 403
    )  # no token: nothing sealed
    answer = http.post(
        "/meetings/c1-2026-03/seal",
        data={"csrf": csrf, "idem": idem_of(page.text, 0), "sealed_on": "2026-03-07"},
    )
    assert answer.status_code == 303, answer.text
    page = http.get("/meetings/c1-2026-03")
    assert "Biên bản đã thông qua, niêm phong ngày 07/03/2026" in page.text
    assert 'action="/meetings/c1-2026-03/seal"' not in page.text

    amend = {"csrf": csrf, "idem": idem_of(page.text, 0), "amended_on": "2026-03-10"}
    answer = http.post(
        "/meetings/c1-2026-03/amendments",
        data=amend | {"reason": " ", "change": "Bổ sung ý kiến của đồng chí m12"},
    )
    assert answer.status_code == 422 and "Quy tắc R11" in answer.text
    assert ">Bổ sung ý kiến của đồng chí m12</textarea>" in answer.text
    answer = http.post(
        "/meetings/c1-2026-03/amendments",
        data=amend | {"reason": "Ghi thiếu ý kiến", "change": "Bổ sung ý kiến của đồng chí m12"},
    )
    assert answer.status_code == 303, answer.text
    page = http.get("/meetings/c1-2026-03").text
    assert "1 lần sửa đổi" in page
    assert re.search(
        r"<td>10/03/2026</td><td>Ghi thiếu ý kiến</td><td>Bổ sung ý kiến của đồng chí m12</td>",
        page,
    )
    record = api_as(svc, "m10").get("/api/meetings/c1-2026-03").json()
    assert record["minutes_sealed_on"] == "2026-03-07" and record["amendments"] == 1


def test_a_resolution_added_to_a_held_meeting(svc: Services) -> None:
    hold_by_api(svc)
    http, csrf = page_as(svc, "m10")
    page = http.get("/meetings/c1-2026-03")
    assert "Cuộc họp chưa có nghị quyết nào." in page.text
    idem = idem_of(page.text, len(IDEM.findall(page.text)) - 1)
    data = {
        "csrf": csrf,
        "idem": idem,
        "adopted_on": "2026-03-05",
        "res-0-id": "nq-c1-2026-03b",
        "res-0-content": "Vận động phân loại rác tại nguồn",
        "res-0-requirements": "100% hộ tham gia",
        "res-0-measures": "Tuyên truyền, kiểm tra hằng tuần",
        "res-0-deadline": "2026-06-30",
        "res-0-executors": ["m12"],
        "res-0-inspector": "",
    }
    answer = http.post("/meetings/c1-2026-03/resolutions", data=data)
    assert answer.status_code == 422 and "Quy tắc R20" in answer.text
    assert "Người kiểm tra" in answer.text
    assert ">Vận động phân loại rác tại nguồn</textarea>" in answer.text
    assert checked(answer.text, "res-0-executors", "m12")
    assert api_as(svc, "m10").get("/api/resolutions/nq-c1-2026-03b").status_code == 404
    answer = http.post("/meetings/c1-2026-03/resolutions", data=data | {"res-0-inspector": "m11"})
    assert answer.status_code == 303, answer.text
    page = http.get("/meetings/c1-2026-03")
    assert '<a href="/resolutions/nq-c1-2026-03b">nq-c1-2026-03b</a>' in page.text
    assert "30/06/2026" in page.text
    found = api_as(svc, "m10").get("/api/resolutions/nq-c1-2026-03b").json()
    assert found["inspector"] == "m11" and found["source"] == "c1-2026-03"
