"""The cell's pages through a browser-like client on both backends: the list of cells,
a cell's overview, the resolution board, one resolution with its four forms, and the
January page (thematic plan, tasks, who is still missing). Records are made through the
API first; what the pages store is checked through the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from api.deps import Services
from domain import commands as c
from tests.api_support import bearer, client, login, seeded
from tests.factories import cmd
from tests.web_support import csrf_of, log_in, site
from workers.settings import Settings

TODAY = date.today()
THIS_MONTH = f"c1-{TODAY:%Y-%m}"


@pytest.fixture(autouse=True)
def _today() -> None:
    """Today as each test starts, as the app reads its clock: a value taken when the
    module was collected went stale when the suite ran past midnight."""
    global TODAY, THIS_MONTH
    TODAY = date.today()
    THIS_MONTH = f"c1-{TODAY:%Y-%m}"


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


def dmy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def resolution(key: str, deadline: str, **fields: Any) -> dict[str, Any]:
    body = {
        "id": key,
        "content": f"Nội dung {key}",
        "requirements": "100% hộ tham gia",
        "measures": "Tuyên truyền",
        "deadline": deadline,
        "executors": ["m12"],
        "inspector": "m11",
    }
    return body | fields


def hold(svc: Services, key: str, on: date, *resolutions: dict[str, Any]) -> None:
    """A meeting of c1 recorded through the API by its secretary."""
    api = client(svc)
    body = {
        "date": on.isoformat(),
        "id": key,
        "kind": "regular",
        "present": ["m10", "m11", "m12"],
        "excused": {"m13": "ốm"},
        "resolutions": list(resolutions),
    }
    answer = api.post("/api/cells/c1/meetings", json=body, headers=bearer(login(api, "m10")))
    assert answer.status_code == 201, answer.text


def api_get(svc: Services, member: str, path: str) -> Any:
    api = client(svc)
    answer = api.get(f"/api{path}", headers=bearer(login(api, member)))
    assert answer.status_code == 200, answer.text
    return answer.json()


def month(svc: Services) -> None:
    """January's meeting with an overdue resolution (nq1, due 28/02/2026) and one due
    next year (nq2); this month's meeting with nothing adopted."""
    hold(
        svc,
        "mt1",
        date(2026, 1, 5),
        resolution("nq1", "2026-02-28"),
        resolution("nq2", f"{TODAY.year + 1}-06-30", executors=["m12", "m13"]),
    )
    hold(svc, THIS_MONTH, TODAY)


def idem_of(html: str, action: str) -> str:
    form = html[html.index(f'action="{action}"') :]
    found = re.search(r'name="idem" value="([0-9a-f]{32})"', form)
    assert found
    return found.group(1)


# --- the list and the overview -----------------------------------------------------------------


def test_cells_lists_only_the_cells_the_viewer_may_read(svc: Services) -> None:
    http = site(svc)
    log_in(http, "m10")
    page = http.get("/cells")
    assert page.status_code == 200
    assert "Các chi bộ" in page.text
    assert 'href="/cells/c1"' in page.text and "Chi bộ Tổ dân phố số 1" in page.text
    assert "Đảng viên m10" in page.text and "Đảng viên m03" in page.text
    assert "Chi bộ Trường Tiểu học" not in page.text and 'href="/cells/c2"' not in page.text

    boss = site(svc)
    log_in(boss, "m01")
    page = boss.get("/cells")
    assert "Chi bộ Tổ dân phố số 1" in page.text and "Chi bộ Trường Tiểu học" in page.text
    assert "Đảng viên m20" in page.text and "Đảng viên m04" in page.text


def test_the_overview_shows_the_register_this_month_and_the_board_counts(
    svc: Services,
) -> None:
    http = site(svc)
    log_in(http, "m10")
    before = http.get("/cells/c1")
    assert before.status_code == 200
    assert "Chưa sinh hoạt" in before.text
    assert 'href="/cells/c1/meetings/announce"' in before.text
    assert 'href="/cells/c1/meetings/new"' in before.text

    month(svc)
    page = http.get("/cells/c1").text
    assert "Chi bộ Tổ dân phố số 1" in page
    for member in ("m10", "m11", "m12", "m13", "m14"):
        assert f"<td>{member}</td>" in page
    assert "Bí thư" in page and "Phó bí thư" in page
    assert "không còn công tác" in page  # m14, retired
    assert "Đảng viên m03 (m03)" in page  # the member in charge
    assert f"Sinh hoạt tháng {TODAY.month}/{TODAY.year}" in page
    assert f'href="/meetings/{THIS_MONTH}"' in page and dmy(TODAY) in page
    assert "Chưa sinh hoạt" not in page
    open_link = page.index('href="/cells/c1/resolutions?status=open"')
    assert re.search(r'<span class="count">2</span>', page[open_link:])  # nq1, nq2
    overdue_link = page.index('href="/cells/c1/resolutions?status=overdue"')
    assert re.search(r'<span class="count s-overdue">1</span>', page[overdue_link:])  # nq1
    assert 'href="/cells/c1/meetings"' in page
    assert f'href="/cells/c1/year/{TODAY.year}"' in page


def test_a_reader_outside_the_cell_gets_not_found(svc: Services) -> None:
    month(svc)
    http = site(svc)
    log_in(http, "m20")
    for path in (
        "/cells/c1",
        "/cells/c1/resolutions",
        "/resolutions/nq1",
        f"/cells/c1/year/{TODAY.year}",
        "/cells/no-such-cell",
    ):
        answer = http.get(path)
        assert answer.status_code == 404, path
        assert "Không tìm thấy" in answer.text
        assert "Nội dung nq1" not in answer.text


# --- the board ----------------------------------------------------------------------------------


def test_the_board_has_tabs_with_counts_and_marks_the_overdue(svc: Services) -> None:
    month(svc)
    http = site(svc)
    log_in(http, "m11")
    page = http.get("/cells/c1/resolutions").text  # open by default
    assert "Bảng theo dõi nghị quyết" in page
    assert 'href="/resolutions/nq1"' in page and 'href="/resolutions/nq2"' in page
    assert "Nội dung nq1" in page and "28/02/2026" in page
    assert f"30/06/{TODAY.year + 1}" in page
    assert "Đảng viên m12, Đảng viên m13" in page  # nq2's executors
    row = page[page.index('href="/resolutions/nq1"') - 40 :]
    assert row.startswith('<tr class="overdue">') or '<tr class="overdue">' in row[:60]
    nq2 = page[page.index('href="/resolutions/nq2"') - 40 : page.index('href="/resolutions/nq2"')]
    assert "overdue" not in nq2
    assert re.search(r'status=open" aria-current="page">Đang thực hiện <span class="count">2', page)
    assert re.search(r'status=overdue">Quá hạn <span class="count">1', page)
    assert re.search(r'status=completed">Đã hoàn thành <span class="count">0', page)
    assert re.search(r'status=cancelled">Đã hủy <span class="count">0', page)

    overdue = http.get("/cells/c1/resolutions?status=overdue").text
    assert "nq1" in overdue and 'href="/resolutions/nq2"' not in overdue
    done = http.get("/cells/c1/resolutions?status=completed").text
    assert "Không có nghị quyết nào" in done


# --- one resolution ------------------------------------------------------------------------------


def test_the_resolution_page_shows_every_r20_field_and_its_meeting(svc: Services) -> None:
    month(svc)
    http = site(svc)
    log_in(http, "m10")
    page = http.get("/resolutions/nq1")
    assert page.status_code == 200
    text = page.text
    for shown in (
        "Nội dung nq1",
        "100% hộ tham gia",
        "Tuyên truyền",
        "28/02/2026",
        "Đảng viên m12 (m12)",
        "Đảng viên m11 (m11)",
        'href="/meetings/mt1"',
        "05/01/2026",
        "Quá hạn từ 28/02/2026",
        "Chưa có báo cáo tiến độ",
    ):
        assert shown in text, shown
    # m10 is neither executor nor inspector: only the cell's forms are offered.
    assert "/resolutions/nq1/extension" in text and "/resolutions/nq1/cancellation" in text
    assert "/resolutions/nq1/progress" not in text
    assert '<option value="mt1">mt1 · 05/01/2026</option>' in text

    member = site(svc)
    log_in(member, "m12")
    text = member.get("/resolutions/nq1").text
    assert "/resolutions/nq1/progress" in text and "/resolutions/nq1/completion" in text
    assert "/resolutions/nq1/extension" not in text


def test_an_executor_reports_progress_then_completion_in_two_taps(svc: Services) -> None:
    month(svc)
    http = site(svc)
    csrf = log_in(http, "m12")
    page = http.get("/resolutions/nq2").text
    answer = http.post(
        "/resolutions/nq2/progress",
        data={
            "csrf": csrf,
            "idem": idem_of(page, "/resolutions/nq2/progress"),
            "note": "Đã họp tổ",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/resolutions/nq2?notice=saved"
    page = http.get(answer.headers["location"]).text
    assert "Đã lưu." in page
    assert f"{dmy(TODAY)} · <strong>Đảng viên m12</strong>: Đã họp tổ" in page

    # From /me: one button, no note, back to /me.
    answer = http.post(
        "/resolutions/nq2/completion",
        data={"csrf": csrf, "idem": idem_of(page, "/resolutions/nq2/completion"), "next": "/me"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/me?notice=saved"
    found = api_get(svc, "m10", "/resolutions/nq2")
    assert found["status"] == "completed" and found["closed_on"] == TODAY.isoformat()
    assert found["progress"][0]["note"] == "Đã họp tổ"
    page = http.get("/resolutions/nq2").text
    assert "Hoàn thành" in page and "/resolutions/nq2/completion" not in page
    done = http.get("/cells/c1/resolutions?status=completed").text
    assert 'href="/resolutions/nq2"' in done


def test_next_must_be_a_path_of_this_site(svc: Services) -> None:
    month(svc)
    http = site(svc)
    csrf = log_in(http, "m12")
    answer = http.post(
        "/resolutions/nq1/progress",
        data={"csrf": csrf, "note": "Đang làm", "next": "//evil.example/"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/resolutions/nq1?notice=saved"


def test_a_double_submit_stores_one_report(svc: Services) -> None:
    month(svc)
    http = site(svc)
    csrf = log_in(http, "m12")
    page = http.get("/resolutions/nq1").text
    data = {"csrf": csrf, "idem": idem_of(page, "/resolutions/nq1/progress"), "note": "Một lần"}
    assert http.post("/resolutions/nq1/progress", data=data).status_code == 303
    assert http.post("/resolutions/nq1/progress", data=data).status_code == 303
    found = api_get(svc, "m12", "/resolutions/nq1")
    assert [p["note"] for p in found["progress"]] == ["Một lần"]


def test_a_member_who_neither_executes_nor_inspects_is_refused(svc: Services) -> None:
    month(svc)
    http = site(svc)
    csrf = log_in(http, "m20")  # another cell: as if unknown
    answer = http.post("/resolutions/nq1/progress", data={"csrf": csrf, "note": "x"})
    assert answer.status_code == 404
    assert api_get(svc, "m10", "/resolutions/nq1")["progress"] == []


def test_an_extension_with_an_unknown_meeting_shows_r25_and_keeps_what_was_typed(
    svc: Services,
) -> None:
    month(svc)
    http = site(svc)
    csrf = log_in(http, "m10")
    page = http.get("/resolutions/nq1").text
    idem = idem_of(page, "/resolutions/nq1/extension")
    answer = http.post(
        "/resolutions/nq1/extension",
        data={"csrf": csrf, "idem": idem, "new_deadline": "2026-12-15", "meeting": "no-such"},
    )
    assert answer.status_code == 422
    assert "Quy tắc R25" in answer.text
    assert "Chỉ được thay đổi thời hạn nghị quyết bằng quyết định của chi bộ" in answer.text
    assert 'value="2026-12-15"' in answer.text
    assert f'name="idem" value="{idem}"' in answer.text  # the same form, resubmittable
    found = api_get(svc, "m10", "/resolutions/nq1")
    assert found["deadline"] == "2026-02-28" and found["deadline_history"] == []

    answer = http.post(
        "/resolutions/nq1/extension",
        data={"csrf": csrf, "idem": idem, "new_deadline": "2026-12-15", "meeting": "mt1"},
    )
    assert answer.status_code == 303, answer.text
    page = http.get("/resolutions/nq1").text
    assert "Lịch sử thời hạn" in page
    assert re.search(
        r'<td>[0-9/]+</td><td><a href="/meetings/mt1">mt1</a></td>'
        r"<td>28/02/2026</td><td>15/12/2026</td>",
        page,
    )
    assert api_get(svc, "m10", "/resolutions/nq1")["deadline"] == "2026-12-15"


def test_a_cancellation_needs_its_meeting_and_reason(svc: Services) -> None:
    month(svc)
    http = site(svc)
    csrf = log_in(http, "m10")
    answer = http.post(
        "/resolutions/nq2/cancellation", data={"csrf": csrf, "meeting": "", "reason": "Trùng"}
    )
    assert answer.status_code == 422
    assert "Cần sửa: Kỳ sinh hoạt" in answer.text
    assert ">Trùng</textarea>" in answer.text
    assert api_get(svc, "m10", "/resolutions/nq2")["status"] == "open"

    answer = http.post(
        "/resolutions/nq2/cancellation",
        data={"csrf": csrf, "meeting": THIS_MONTH, "reason": "Trùng với nq1"},
    )
    assert answer.status_code == 303
    found = api_get(svc, "m10", "/resolutions/nq2")
    assert found["status"] == "cancelled" and found["cancel_reason"] == "Trùng với nq1"
    page = http.get("/resolutions/nq2").text
    assert "Đã hủy" in page and "Trùng với nq1" in page


def test_a_form_without_the_csrf_token_is_refused_and_stores_nothing(svc: Services) -> None:
    month(svc)
    http = site(svc)
    log_in(http, "m12")
    answer = http.post("/resolutions/nq1/completion", data={"note": "xong"})
    assert answer.status_code == 403 and "Biểu mẫu đã hết hạn" in answer.text
    answer = http.post("/resolutions/nq1/progress", data={"csrf": "forged", "note": "x"})
    assert answer.status_code == 403
    found = api_get(svc, "m10", "/resolutions/nq1")
    assert found["status"] == "open" and found["progress"] == []
    boss = site(svc)
    log_in(boss, "m10")
    answer = boss.post(f"/cells/c1/year/{TODAY.year}", data={"form": "tasks", "task_m12": "x"})
    assert answer.status_code == 403
    assert "Còn thiếu: 4 đảng viên" in boss.get(f"/cells/c1/year/{TODAY.year}").text


# --- January -----------------------------------------------------------------------------------


def test_the_year_page_sets_the_plan_and_assigns_tasks_showing_who_is_missing(
    svc: Services,
) -> None:
    month(svc)
    http = site(svc)
    csrf = log_in(http, "m10")
    answer = http.get("/cells/c1/year")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/cells/c1/year/{TODAY.year}"
    url = f"/cells/c1/year/{TODAY.year}"
    page = http.get(url).text
    assert "Chưa có kế hoạch sinh hoạt chuyên đề" in page
    # Working members: m10–m13 (m14 is retired).
    assert "Còn thiếu: 4 đảng viên" in page
    for member in ("m10", "m11", "m12", "m13"):
        assert f'name="task_{member}"' in page
    assert 'name="task_m14"' not in page

    answer = http.post(
        url,
        data={
            "csrf": csrf,
            "form": "plan",
            "idem": idem_of(page, url),
            "topic": ["Học tập tư tưởng Hồ Chí Minh", "Chuyển đổi số ở tổ dân phố", ""],
            "preparer": ["m11", "", "m12"],
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"{url}?notice=saved"
    page = http.get(url).text
    assert "Học tập tư tưởng Hồ Chí Minh · chuẩn bị: Đảng viên m11" in page
    assert "<li>Chuyển đổi số ở tổ dân phố</li>" in page

    tasks_form = page[page.index('value="tasks"') :]
    answer = http.post(
        url,
        data={
            "csrf": csrf,
            "form": "tasks",
            "idem": re.findall(r'name="idem" value="([0-9a-f]{32})"', page)[1],
            "task_m10": "Lãnh đạo chung",
            "task_m11": "Phụ trách công tác kiểm tra",
            "task_m12": "",
            "meeting": "mt1",
        },
    )
    assert "task_m12" in tasks_form
    assert answer.status_code == 303, answer.text
    page = http.get(url).text
    assert "Còn thiếu: 2 đảng viên" in page
    missing = page[
        page.index('class="missing"') : page.index("</ul>", page.index('class="missing"'))
    ]
    assert "m12" in missing and "m13" in missing and "m10" not in missing
    assert ">Lãnh đạo chung</textarea>" in page
    assert 'href="/meetings/mt1"' in page  # adopted at mt1
    state = api_get(svc, "m10", f"/records/task_assignment:c1/{TODAY.year}")["state"]
    assert state["tasks"] == {"m10": "Lãnh đạo chung", "m11": "Phụ trách công tác kiểm tra"}
    assert state["adopted_at"] == "mt1"


def test_tasks_drafted_by_someone_not_on_the_cell_committee_show_r32(svc: Services) -> None:
    http = site(svc)
    csrf = log_in(http, "m03")  # in charge of c1, not its leader
    url = f"/cells/c1/year/{TODAY.year}"
    page = http.get(url).text
    answer = http.post(
        url,
        data={
            "csrf": csrf,
            "form": "tasks",
            "idem": re.findall(r'name="idem" value="([0-9a-f]{32})"', page)[1],
            "task_m12": "Tuyên truyền phân loại rác",
        },
    )
    assert answer.status_code == 422
    assert "Quy tắc R32" in answer.text
    assert "Chi ủy dự thảo phân công nhiệm vụ đảng viên" in answer.text
    assert ">Tuyên truyền phân loại rác</textarea>" in answer.text
    assert "Còn thiếu: 4 đảng viên" in answer.text

    member = site(svc)
    csrf = log_in(member, "m12")  # a member: not the cell's business
    assert 'value="tasks"' not in member.get(url).text
    answer = member.post(url, data={"csrf": csrf, "form": "tasks", "task_m12": "Tự giao"})
    assert answer.status_code == 403
    assert "Bạn không có quyền làm việc này" in answer.text
    api = client(svc)
    answer = api.get(
        f"/api/records/task_assignment:c1/{TODAY.year}", headers=bearer(login(api, "m10"))
    )
    assert answer.status_code == 404  # nothing stored


def test_a_task_for_someone_outside_the_cell_shows_r30(svc: Services) -> None:
    http = site(svc)
    csrf = log_in(http, "m10")
    answer = http.post(
        f"/cells/c1/year/{TODAY.year}",
        data={"csrf": csrf, "form": "tasks", "task_m10": "Lãnh đạo", "task_m20": "Không"},
    )
    assert answer.status_code == 422
    assert "Quy tắc R30" in answer.text
    assert ">Lãnh đạo</textarea>" in answer.text


def test_csrf_fields_are_on_every_form(svc: Services) -> None:
    month(svc)
    http = site(svc)
    csrf = log_in(http, "m10")
    for path in ("/resolutions/nq1", f"/cells/c1/year/{TODAY.year}"):
        page = http.get(path).text
        assert page.count("<form") == page.count(f'name="csrf" value="{csrf}"')
        assert csrf_of(page) == csrf


def test_a_recorded_pledge_shows_beside_the_members_task(svc: Services) -> None:
    http = site(svc)
    csrf = log_in(http, "m10")
    url = f"/cells/c1/year/{TODAY.year}"
    answer = http.post(url, data={"csrf": csrf, "form": "tasks", "task_m12": "Tuyên truyền"})
    assert answer.status_code == 303
    svc.app.handle(
        cmd(
            c.RecordPledge,
            TODAY,
            actor="m10",
            cell="c1",
            year=TODAY.year,
            member="m12",
            pledge="Gương mẫu phân loại rác",
        )
    )
    svc.caught_up()
    page = http.get(url).text
    row = page[page.index("<td>Đảng viên m12 (m12)</td>") :]
    assert row.startswith(
        "<td>Đảng viên m12 (m12)</td><td>Tuyên truyền</td><td>Gương mẫu phân loại rác</td>"
    )
    assert "Chưa có cam kết" in page  # the others


def test_a_refused_plan_shows_its_rule_and_keeps_the_topics(svc: Services) -> None:
    http = site(svc)
    csrf = log_in(http, "m10")
    url = f"/cells/c1/year/{TODAY.year}"
    answer = http.post(
        url,
        data={
            "csrf": csrf,
            "form": "plan",
            "topic": ["Chuyên đề về đạo đức", "Chuyên đề về kinh tế"],
            "preparer": ["m20", "m11"],  # m20 belongs to c2
        },
    )
    assert answer.status_code == 422
    assert "Quy tắc R7" in answer.text
    assert 'value="Chuyên đề về đạo đức"' in answer.text
    assert 'value="Chuyên đề về kinh tế"' in answer.text
    assert '<option value="m11" selected>' in answer.text
    assert "Chưa có kế hoạch sinh hoạt chuyên đề" in answer.text  # nothing stored

    answer = http.post(url, data={"csrf": csrf, "form": "plan", "topic": ["", ""]})
    assert answer.status_code == 422
    assert "Cần sửa: Các chuyên đề" in answer.text
