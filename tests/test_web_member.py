"""A member's page, "Việc của tôi", over the seeded ward `tb` on both backends: my task
and pledge for this year, the resolutions I execute or inspect with days left or
overdue and the two-tap forms, and my reminders; nothing of another cell. Tasks and
meetings are recorded through the API, the pledge and the reminder with the domain's
commands (as the cell and the workflows do). Expected values are written by hand."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from api.deps import Services
from domain import commands as c
from tests.api_support import bearer, client, login, seeded
from tests.factories import cmd
from tests.web_support import log_in, site
from workers.settings import Settings

TODAY = date.today()


@pytest.fixture(autouse=True)
def _today() -> None:
    """Today as each test starts, as the app reads its clock: a value taken when the
    module was collected went stale when the suite ran past midnight."""
    global TODAY
    TODAY = date.today()


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


def api(svc: Services, member: str, method: str, path: str, body: dict[str, Any]) -> None:
    http = client(svc)
    answer = http.request(method, f"/api{path}", headers=bearer(login(http, member)), json=body)
    assert answer.status_code in (200, 201), answer.text


def resolution(key: str, content: str, deadline: date, executors: list[str], inspector: str) -> Any:
    return {
        "id": key,
        "content": content,
        "requirements": "Hoàn thành đủ",
        "measures": "Phân công cụ thể",
        "deadline": deadline.isoformat(),
        "executors": executors,
        "inspector": inspector,
    }


@pytest.fixture
def month(svc: Services) -> Services:
    """c1's year so far: m12's task and pledge, a meeting adopting three resolutions
    (m12 executes two, inspects none; one concerns others only), a reminder to m12."""
    api(
        svc,
        "m10",
        "PUT",
        f"/cells/c1/tasks/{TODAY.year}",
        {"tasks": {"m12": "Phụ trách vệ sinh môi trường", "m13": "Theo dõi hộ nghèo"}},
    )
    svc.app.handle(
        cmd(
            c.RecordPledge,
            TODAY,
            actor="m12",
            cell="c1",
            year=TODAY.year,
            member="m12",
            pledge="Không vi phạm quy định đảng viên không được làm",
        )
    )
    held = TODAY - timedelta(days=20)
    api(
        svc,
        "m10",
        "POST",
        "/cells/c1/meetings",
        {
            "date": held.isoformat(),
            "id": "c1-hop",
            "kind": "regular",
            "present": ["m10", "m11", "m12", "m13"],
            "resolutions": [
                resolution(
                    "nq-gan", "Nạo vét mương thoát nước", TODAY + timedelta(days=10), ["m12"], "m11"
                ),
                resolution(
                    "nq-tre", "Sửa nhà văn hóa", TODAY - timedelta(days=5), ["m12", "m13"], "m10"
                ),
                resolution("nq-khac", "Trồng cây xanh", TODAY + timedelta(days=30), ["m13"], "m10"),
            ],
        },
    )
    svc.app.handle(
        cmd(
            c.SendReminder,
            TODAY - timedelta(days=1),
            actor="system",
            organisation="tb",
            kind="resolution_deadline_approaching",
            rule="R24",
            subject={"cell": "c1", "resolution": "nq-gan"},
            recipients=["m12", "m11"],
        )
    )
    svc.caught_up()
    return svc


def test_my_page_shows_my_task_pledge_resolutions_and_reminders(month: Services) -> None:
    http = site(month)
    log_in(http, "m12")
    page = http.get("/me")
    assert page.status_code == 200
    text = page.text
    assert "Việc của tôi" in text
    assert f"Nhiệm vụ được phân công năm {TODAY.year}" in text
    assert "Phụ trách vệ sinh môi trường" in text and "Theo dõi hộ nghèo" not in text
    assert "Không vi phạm quy định đảng viên không được làm" in text
    assert TODAY.strftime("%d/%m/%Y") in text  # assigned today
    # The two I execute, the overdue one first; not the one that concerns others only.
    assert text.index("Sửa nhà văn hóa") < text.index("Nạo vét mương thoát nước")
    assert "Trồng cây xanh" not in text
    assert (TODAY + timedelta(days=10)).strftime("%d/%m/%Y") in text and "còn 10 ngày" in text
    assert (TODAY - timedelta(days=5)).strftime("%d/%m/%Y") in text and "quá hạn 5 ngày" in text
    assert "Quá hạn" in text and "Người thực hiện" in text
    # My reminder, in Vietnamese, with its date and what it is about.
    assert "Sắp đến hạn thực hiện nghị quyết" in text
    assert (TODAY - timedelta(days=1)).strftime("%d/%m/%Y") in text
    assert 'href="/resolutions/nq-gan"' in text


def test_my_page_renders_the_two_tap_forms_for_each_open_resolution(month: Services) -> None:
    http = site(month)
    csrf = log_in(http, "m12")
    text = http.get("/me").text
    for key in ("nq-gan", "nq-tre"):
        for action in ("progress", "completion"):
            form = re.search(
                rf'<form method="post" action="/resolutions/{key}/{action}"[^>]*>(.*?)</form>',
                text,
                re.S,
            )
            assert form, (key, action)
            body = form.group(1)
            assert f'name="csrf" value="{csrf}"' in body
            assert re.search(r'name="idem" value="[0-9a-f]{32}"', body)
            assert 'name="next" value="/me"' in body and 'name="note"' in body
        progress = re.search(rf'action="/resolutions/{key}/progress".*?</form>', text, re.S)
        assert progress and f'<label for="note-{key}">Tiến độ (ghi ngắn)</label>' in progress.group(
            0
        )
        assert "Báo cáo tiến độ</button>" in progress.group(0)
    assert text.count("Đã hoàn thành</button>") == 2
    assert len(set(re.findall(r'name="idem" value="([0-9a-f]{32})"', text))) == 4


def test_the_inspector_sees_what_they_inspect(month: Services) -> None:
    http = site(month)
    log_in(http, "m11")
    text = http.get("/me").text
    assert "Nạo vét mương thoát nước" in text and "Người kiểm tra" in text
    assert "Sửa nhà văn hóa" not in text
    assert "Chi bộ chưa phân công nhiệm vụ cho bạn năm nay." in text
    assert "Sắp đến hạn thực hiện nghị quyết" in text  # m11 was reminded too


def test_a_member_of_another_cell_sees_none_of_c1s_resolutions(month: Services) -> None:
    http = site(month)
    log_in(http, "m20")
    text = http.get("/me").text
    assert http.get("/me").status_code == 200
    for word in ("Nạo vét", "Sửa nhà văn hóa", "Trồng cây xanh", "Phụ trách vệ sinh", "nq-gan"):
        assert word not in text
    assert "Không có nghị quyết nào giao cho bạn." in text
    assert "Không có nhắc việc nào." in text


def test_a_completed_resolution_shows_no_forms(month: Services) -> None:
    api(month, "m12", "POST", "/resolutions/nq-gan/completion", {"note": "Xong toàn tuyến"})
    month.caught_up()
    http = site(month)
    log_in(http, "m12")
    text = http.get("/me").text
    assert "Hoàn thành" in text
    assert 'action="/resolutions/nq-gan/progress"' not in text
    assert 'action="/resolutions/nq-tre/progress"' in text


def test_my_page_needs_a_login(month: Services) -> None:
    answer = site(month).get("/me")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Fme"
