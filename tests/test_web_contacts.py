"""The pages that say where a member's notices go, over the seeded ward `tb` on both
backends: `/me/contact` (my own address and digest choice), the cell secretary's
`/cells/{cell}/contacts/{member}`, and `/me/calendar` (the feed link: shown once, replaced,
revoked). Every form carries the session's CSRF token; refusals come from the API's
`set_contact` and show above what was typed. Expected values are written by hand."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.contacts import Contact, ContactStore
from api.deps import Services
from tests.api_support import seeded
from tests.web_support import csrf_of, log_in, site
from workers.settings import Settings

IDEM = re.compile(r'name="idem" value="([^"]+)"')


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


def contact(svc: Services, member: str) -> Contact | None:
    return ContactStore(svc.store()).get("tb", member)


def post_form(http: TestClient, path: str, data: dict[str, str], to: str | None = None) -> Response:
    """Posts the form of the page at `path` (to `to`, else to `path`) as a browser would."""
    page = http.get(path)
    assert page.status_code == 200, page.text
    found = IDEM.search(page.text)
    assert found, "the form has no idempotency key"
    form = {"csrf": csrf_of(page.text), "idem": found.group(1), **data}
    answer: Response = http.post(to or path, data=form)
    return answer


def test_my_contact_is_saved_and_shown_again(svc: Services) -> None:
    http = site(svc)
    log_in(http, "m12")
    me = http.get("/me")
    assert 'href="/me/contact"' in me.text and 'href="/me/calendar"' in me.text
    page = http.get("/me/contact")
    assert page.status_code == 200
    assert "Nơi nhận thông báo" in page.text and "Thư điện tử" in page.text

    answer = post_form(http, "/me/contact", {"email": "m12@example.vn", "digest": "on"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/me/contact?notice=saved"
    assert contact(svc, "m12") == Contact(member="m12", email="m12@example.vn", digest=True)
    again = http.get("/me/contact?notice=saved")
    assert "Đã lưu." in again.text
    assert 'value="m12@example.vn"' in again.text
    assert 'name="digest" value="on" checked' in again.text


def test_a_bad_address_is_refused_above_what_was_typed(svc: Services) -> None:
    http = site(svc)
    log_in(http, "m12")
    answer = post_form(http, "/me/contact", {"email": "không phải địa chỉ"})
    assert answer.status_code == 422
    text = answer.text
    assert 'role="alert"' in text
    assert 'value="không phải địa chỉ"' in text
    assert 'aria-invalid="true"' in text
    assert contact(svc, "m12") is None


def test_a_form_without_this_sessions_token_changes_nothing(svc: Services) -> None:
    http = site(svc)
    log_in(http, "m12")
    answer = http.post("/me/contact", data={"csrf": "forged", "email": "x@example.vn"})
    assert answer.status_code == 403
    assert http.post("/me/calendar", data={"idem": "k"}).status_code == 403
    assert contact(svc, "m12") is None
    assert http.get("/me/calendar").text.count("Chưa có đường dẫn lịch.") == 1


def test_the_cell_secretary_sets_a_members_contact_from_the_cell_page(svc: Services) -> None:
    http = site(svc)
    log_in(http, "m10")
    cell = http.get("/cells/c1")
    assert 'href="/cells/c1/contacts/m13"' in cell.text
    answer = post_form(http, "/cells/c1/contacts/m13", {"email": "m13@example.vn"})
    assert answer.status_code == 303
    assert contact(svc, "m13") == Contact(member="m13", email="m13@example.vn", digest=False)
    page = http.get("/cells/c1/contacts/m13")
    assert "Của đồng chí Đảng viên m13 (m13)" in page.text
    assert 'value="m13@example.vn"' in page.text
    # Not a member of c1: no such page, as if unknown.
    assert http.get("/cells/c1/contacts/m21").status_code == 404


def test_others_may_not_set_a_members_contact(svc: Services) -> None:
    deputy = site(svc)
    log_in(deputy, "m11")
    assert 'href="/cells/c1/contacts/' not in deputy.get("/cells/c1").text
    assert deputy.get("/cells/c1/contacts/m13").status_code == 403
    other = site(svc)
    log_in(other, "m20")  # c2's secretary: c1 is not theirs to read
    assert other.get("/cells/c1/contacts/m13").status_code == 404
    assert contact(svc, "m13") is None


def test_my_calendar_link_is_shown_once_works_and_is_revoked(svc: Services) -> None:
    http = site(svc)
    log_in(http, "m12")
    page = http.get("/me/calendar")
    assert page.status_code == 200 and "Chưa có đường dẫn lịch." in page.text

    created = post_form(http, "/me/calendar", {})
    assert created.status_code == 200
    text = created.text
    found = re.search(r'value="https://chibo\.test(/api/calendar/[A-Za-z0-9_.~-]+\.ics)"', text)
    assert found, text
    path = found.group(1)
    assert "Đường dẫn chỉ hiện một lần." in text
    assert created.headers["cache-control"] == "no-store"
    feed = http.get(path)
    assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR")
    shown_later = http.get("/me/calendar").text
    assert path not in shown_later and "Đang dùng, tạo ngày" in shown_later

    revoked = post_form(http, "/me/calendar", {}, to="/me/calendar/revoke")
    assert revoked.status_code == 303
    location = revoked.headers["location"]
    assert location == "/me/calendar?notice=calendar_revoked"
    assert "Đã thu hồi đường dẫn lịch" in http.get(location).text
    assert http.get(path).status_code == 404


def test_the_member_chooses_which_kinds_of_notice_come_by_email(svc: Services) -> None:
    http = site(svc)
    log_in(http, "m12")
    page = http.get("/me/contact").text
    assert "Sắp đến hạn thực hiện nghị quyết" in page and "Loại thông báo muốn nhận qua thư" in page
    answer = post_form(
        http,
        "/me/contact",
        {"email": "m12@example.vn", "kinds": "resolution_deadline_approaching"},
    )
    assert answer.status_code == 303, answer.text
    assert contact(svc, "m12") == Contact(
        member="m12",
        email="m12@example.vn",
        digest=False,
        kinds=["resolution_deadline_approaching"],
    )
    again = http.get("/me/contact").text
    assert 'value="resolution_deadline_approaching" checked' in again
    assert 'value="resolution_overdue" checked' not in again
