"""The supervisors' pages over the seeded ward `tb`, on both backends: the inbox with
each escalation's evidence, one escalation acknowledged and resolved through its forms
(CSRF-protected, idempotent, refusals shown with what was typed), and the compliance
board. Escalations are raised with the domain's command, as the workflows do; meetings
are recorded through the API. Expected values are written by hand from the seed."""

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

MISSED = "meeting_missed/cell=c1/2026-02/1"
OVERDUE = "resolution_overdue/cell=c1/resolution=nq-c1-01/-/2"


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


def raise_escalations(svc: Services) -> None:
    """Two escalations to m03 (in charge of c1): a missed month and an overdue resolution."""
    svc.app.handle(
        cmd(
            c.RaiseEscalation,
            date(2026, 3, 1),
            actor="system",
            organisation="tb",
            kind="meeting_missed",
            rule="R1",
            subject={"cell": "c1"},
            period="2026-02",
            recipients=["m03"],
        )
    )
    svc.app.handle(
        cmd(
            c.RaiseEscalation,
            date(2026, 3, 16),
            actor="system",
            organisation="tb",
            kind="resolution_overdue",
            rule="R24",
            subject={"cell": "c1", "resolution": "nq-c1-01"},
            level=2,
            recipients=["m03"],
            evidence=["nq-c1-01@1"],
            details={"deadline": "2026-02-28", "adopted_on": "2026-01-05"},
        )
    )
    svc.caught_up()


def hold(svc: Services, secretary: str, cell: str, body: dict[str, Any]) -> None:
    """A meeting recorded through the API, as the secretary (a client of its own)."""
    http = client(svc)
    answer = http.post(
        f"/api/cells/{cell}/meetings", headers=bearer(login(http, secretary)), json=body
    )
    assert answer.status_code == 201, answer.text


def api_inbox(svc: Services, member: str) -> list[dict[str, Any]]:
    """What the API answers the member (a client of its own, not the browser's session)."""
    http = client(svc)
    answer = http.get("/api/inbox?all=true", headers=bearer(login(http, member)))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def status_of(svc: Services, key: str) -> str:
    return str(next(i["status"] for i in api_inbox(svc, "m03") if i["key"] == key))


def test_the_inbox_shows_each_escalation_with_its_evidence(svc: Services) -> None:
    raise_escalations(svc)
    http = site(svc)
    log_in(http, "m03")
    page = http.get("/inbox")
    assert page.status_code == 200
    text = page.text
    assert "Chi bộ không sinh hoạt thường kỳ trong tháng" in text
    assert "Quy tắc R1: Chi bộ sinh hoạt thường kỳ mỗi tháng một lần" in text
    assert "Nghị quyết quá hạn chưa hoàn thành" in text
    assert "Quy tắc R24: Nghị quyết quá hạn chưa hoàn thành sẽ bị nhắc nhở" in text
    assert "Chi bộ Tổ dân phố số 1" in text and 'href="/cells/c1"' in text
    assert "01/03/2026" in text and "16/03/2026" in text
    assert "2026-02" in text  # the month missed
    assert 'href="/resolutions/nq-c1-01"' in text
    assert "28/02/2026" in text and "05/01/2026" in text  # deadline, adopted on
    assert "nq-c1-01@1" in text
    assert "Cấp 2" in text and "Đang mở" in text
    assert f'href="/escalations/{MISSED}"' in text and f'href="/escalations/{OVERDUE}"' in text
    # The home page leads to the same escalation pages.
    assert f'href="/escalations/{MISSED}"' in http.get("/").text


def test_a_member_of_another_cell_never_sees_c1s_escalations(svc: Services) -> None:
    raise_escalations(svc)
    http = site(svc)
    log_in(http, "m20")
    inbox = http.get("/inbox?all=1")
    assert inbox.status_code == 200
    assert "Chi bộ Tổ dân phố số 1" not in inbox.text and "nq-c1-01" not in inbox.text
    page = http.get(f"/escalations/{MISSED}")
    assert page.status_code == 404 and "Không tìm thấy" in page.text
    board = http.get("/board?period=2026")
    assert "Chi bộ Tổ dân phố số 1" not in board.text and "Chi bộ Trường Tiểu học" in board.text


def test_a_reader_of_the_cell_sees_the_escalation_without_the_forms(svc: Services) -> None:
    raise_escalations(svc)
    http = site(svc)
    log_in(http, "m12")
    page = http.get(f"/escalations/{MISSED}")
    assert page.status_code == 200
    assert "Chi bộ không sinh hoạt thường kỳ trong tháng" in page.text
    assert "/acknowledgement" not in page.text and '/resolution"' not in page.text
    assert "Chỉ người nhận cảnh báo" in page.text


def test_acknowledge_then_resolve_from_the_escalation_page(svc: Services) -> None:
    raise_escalations(svc)
    http = site(svc)
    log_in(http, "m03")
    page = http.get(f"/escalations/{MISSED}")
    assert page.status_code == 200
    assert "Đảng viên m03 (m03)" in page.text  # the recipient
    assert "Phát sinh cảnh báo" in page.text  # the history's first step
    assert f'action="/escalations/{MISSED}/acknowledgement"' in page.text
    assert '<label for="f-note">' in page.text and '<label for="f-action">' in page.text
    idem = re.findall(r'name="idem" value="([0-9a-f]{32})"', page.text)
    assert len(idem) == 2 and idem[0] != idem[1]
    form = {"csrf": csrf_of(page.text), "idem": idem[0], "note": "Đã nhận, sẽ đôn đốc chi bộ"}

    # Without this session's token: refused, nothing stored.
    refused = http.post(f"/escalations/{MISSED}/acknowledgement", data={**form, "csrf": "x"})
    assert refused.status_code == 403
    assert status_of(svc, MISSED) == "open"

    done = http.post(f"/escalations/{MISSED}/acknowledgement", data=form)
    assert done.status_code == 303
    assert done.headers["location"] == f"/escalations/{MISSED}?notice=saved"
    again = http.post(f"/escalations/{MISSED}/acknowledgement", data=form)  # double submit
    assert again.status_code == 303
    assert status_of(svc, MISSED) == "acknowledged"
    api = client(svc)
    history = api.get(
        f"/api/records/escalation:{MISSED}/history", headers=bearer(login(api, "m03"))
    ).json()["items"]
    assert [e["event"] for e in history] == ["Raised", "Acknowledged"]

    page = http.get(done.headers["location"])
    assert "Đã lưu." in page.text and "Đã tiếp nhận" in page.text
    assert "Đã nhận, sẽ đôn đốc chi bộ" in page.text
    assert date.today().strftime("%d/%m/%Y") in page.text  # acknowledged today
    assert "/acknowledgement" not in page.text  # acknowledged once; resolving remains

    # What was done is required: refused with the field named, the form kept.
    idem = re.findall(r'name="idem" value="([0-9a-f]{32})"', page.text)[0]
    empty = http.post(
        f"/escalations/{MISSED}/resolution",
        data={"csrf": csrf_of(page.text), "idem": idem, "action": "   "},
    )
    assert empty.status_code == 422
    assert "Chưa lưu: bị từ chối" in empty.text and "Cần sửa: Việc đã làm" in empty.text
    assert 'aria-invalid="true"' in empty.text
    assert f'value="{idem}"' in empty.text  # the same submission, kept
    assert status_of(svc, MISSED) == "acknowledged"

    done = http.post(
        f"/escalations/{MISSED}/resolution",
        data={"csrf": csrf_of(page.text), "idem": idem, "action": "Chi bộ họp bổ sung 8/3"},
    )
    assert done.status_code == 303
    assert status_of(svc, MISSED) == "resolved"
    page = http.get(f"/escalations/{MISSED}")
    assert "Đã xử lý" in page.text and "Chi bộ họp bổ sung 8/3" in page.text
    assert '<form class="card"' not in page.text

    open_inbox = http.get("/inbox").text
    assert f'/escalations/{MISSED}"' not in open_inbox
    assert f'/escalations/{OVERDUE}"' in open_inbox
    everything = http.get("/inbox?all=1").text
    assert f'/escalations/{MISSED}"' in everything


def test_a_leader_may_handle_what_was_sent_to_the_member_in_charge(svc: Services) -> None:
    raise_escalations(svc)
    http = site(svc)
    log_in(http, "m01")
    page = http.get(f"/escalations/{OVERDUE}")
    assert page.status_code == 200
    idem = re.findall(r'name="idem" value="([0-9a-f]{32})"', page.text)[1]
    done = http.post(
        f"/escalations/{OVERDUE}/resolution",
        data={"csrf": csrf_of(page.text), "idem": idem, "action": "Gia hạn theo nghị quyết"},
    )
    assert done.status_code == 303
    assert status_of(svc, OVERDUE) == "resolved"


def _month_row(html: str, month: int) -> list[str]:
    """The cells' entries of one month of the board's grid, in column order."""
    row = re.search(rf'<th scope="row">Tháng {month}</th>(.*?)</tr>', html, re.S)
    assert row, f"no row for month {month}"
    return re.findall(r"<td>(.*?)</td>", row.group(1), re.S)


def test_the_board_shows_months_by_cells_and_each_cells_figures(svc: Services) -> None:
    http = site(svc)
    hold(
        svc,
        "m10",
        "c1",
        {
            "date": "2026-01-05",
            "id": "c1-2026-01",
            "kind": "regular",
            "present": ["m10", "m11", "m12", "m13"],
            "guests": ["m03"],
            "resolutions": [
                {
                    "id": "nq-c1-01",
                    "content": "Vận động phân loại rác",
                    "requirements": "100% hộ tham gia",
                    "measures": "Tổ dân phố họp hộ",
                    "deadline": "2026-02-28",
                    "executors": ["m12"],
                    "inspector": "m11",
                }
            ],
        },
    )
    hold(
        svc,
        "m10",
        "c1",
        {
            "date": "2026-02-12",
            "id": "c1-2026-02",
            "kind": ["regular", "thematic"],
            "present": ["m10", "m11", "m12", "m13", "m14"],
        },
    )
    log_in(http, "m01")
    page = http.get("/board?period=2026")
    assert page.status_code == 200
    text = page.text
    assert "Bảng theo dõi sinh hoạt chi bộ năm 2026" in text
    assert 'href="/cells/c1"' in text and 'href="/cells/c1/meetings"' in text
    assert 'href="/cells/c2/meetings"' in text
    january, february = _month_row(text, 1), _month_row(text, 2)
    assert "Đã họp đúng hạn" in january[0] and "05/01/2026" in january[0]
    assert 'href="/meetings/c1-2026-01"' in january[0]
    assert "Không họp" in january[1]  # c2 held nothing in January
    assert "Họp muộn" in february[0] and "Chuyên đề" in february[0]  # the 12th: late (R2)
    # Attendance (R13): 4 of 5 counted in January, 5 of 5 in February → 9/10.
    assert "90.0%" in text and "chỉ tiêu 90%" in text
    # The January resolution is open past its deadline.
    assert 'href="/resolutions/nq-c1-01"' in text and "28/02/2026" in text
    assert "ban hành 1; xong đúng hạn 0; xong muộn 0; đang thực hiện 1" in text
    # R41: m03 visited c1 in the first quarter; c2's member in charge did not.
    visits = re.search(r'id="h-visits".*?</table>', text, re.S)
    assert visits
    rows = re.findall(r"<tr>(.*?)</tr>", visits.group(0), re.S)[1:]
    assert "Đã dự" in rows[0] and "Đảng viên m03" in rows[0]
    assert "Chưa dự" in rows[1]
    # Charts: inline SVG with a title, the same numbers as text.
    assert text.count("<svg") == 2 and '<title id="att-title">' in text
    assert "Chi bộ Tổ dân phố số 1: đã họp 2 tháng" in text


def test_months_to_come_are_not_yet_due_and_before_founding_not_counted(svc: Services) -> None:
    http = site(svc)
    log_in(http, "m01")
    later = http.get("/board?period=2099").text
    assert later.count('s-future">Chưa đến hạn') == 1 + 24  # the legend, then every month
    assert later.count('s-missed">Không họp') == 1  # the legend only
    earlier = http.get("/board?period=2025").text
    assert "Chưa thành lập" in earlier and earlier.count('s-missed">Không họp') == 1
    assert http.get("/board?period=abcd").status_code == 422


def test_a_plain_member_sees_only_their_cell_on_the_board(svc: Services) -> None:
    http = site(svc)
    log_in(http, "m12")
    page = http.get("/board")
    assert page.status_code == 200
    assert "Chi bộ Tổ dân phố số 1" in page.text
    assert "Chi bộ Trường Tiểu học" not in page.text


def test_the_escalation_page_says_when_and_how_each_person_was_notified(svc: Services) -> None:
    """Issue 13: a delivery recorded by the worker shows on the escalation's page."""
    raise_escalations(svc)
    http = site(svc)
    log_in(http, "m03")
    before = http.get(f"/escalations/{MISSED}").text
    assert "Chưa gửi thư cho ai" in before
    svc.app.handle(
        cmd(
            c.RecordDelivery,
            date(2026, 3, 2),
            actor="chibo",
            notice="escalation",
            key=MISSED,
            channel="email",
            recipient="m03",
            message_id="<abc@chibo>",
            round=0,
        )
    )
    svc.caught_up()
    after = http.get(f"/escalations/{MISSED}").text
    assert "Chưa gửi thư cho ai" not in after
    row = after.split("Đã thông báo cho ai", 1)[1].split("</table>", 1)[0]
    for text in ("02/03/2026", "Đảng viên m03", "Thư điện tử", "Lần đầu"):
        assert text in row, text
