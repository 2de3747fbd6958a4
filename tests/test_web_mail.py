"""The page "Thư đã gửi" (/mail) over the seeded ward `tb`, with messages delivered by
smtplib to the embedded sink running in this process: the organisation secretary and an
auditor see every message, newest first; any other member only those sent to their own
contact address; a message's HTML never reaches the page unescaped; a site whose mail
goes to a real server has no such page."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from datetime import date

import pytest

from api.contacts import ContactStore
from api.deps import Services
from domain import commands as c
from domain.access import Caller
from tests.api_support import PASSWORD, seeded
from tests.factories import cmd
from tests.test_mailsink import free_port, notice
from tests.web_support import log_in, site
from workers.mailsink import start_sink
from workers.settings import Settings

TO_M12 = notice(
    "Đồng chí Mười Hai <m12@example.vn>",
    "Nhắc việc: nghị quyết nq-c1-01 đến hạn sau 7 ngày",
    "<reminder-r1.m12@chibo.local>",
    "Nghị quyết nq-c1-01 đến hạn ngày 12/01/2026.",
    "<p>Đến hạn</p><script>alert('chibo-xss')</script><img src=x onerror=alert(1)>",
)
TO_M03 = notice(
    "m03@example.vn",
    "Cảnh báo: nghị quyết quá hạn cấp 1",
    "<escalation-e1.m03@chibo.local>",
    "Nghị quyết nq-c1-02 đã quá hạn.",
    "<p>Quá hạn</p>",
)


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


@pytest.fixture
def delivered(svc: Services) -> Services:
    """Two notices through the sink (m12's first, then m03's); contacts for m12 and m11;
    m30 granted the auditor role."""
    assert svc.mail_dir is not None  # CHIBO_SMTP_URL empty: the embedded default
    sink = start_sink(svc.mail_dir, free_port())
    try:
        for message in (TO_M12, TO_M03):
            with smtplib.SMTP(sink.hostname, sink.port, timeout=10) as smtp:
                smtp.send_message(message)
    finally:
        sink.stop()
    contacts = ContactStore(svc.store())
    contacts.set("tb", "m12", "M12@Example.vn", False, "m10")
    contacts.set("tb", "m11", "m11@example.vn", False, "m10")
    svc.app.handle(cmd(c.GrantAuditor, date(2026, 1, 2), "m01", organisation="tb", member="m30"))
    svc.caught_up()
    svc.accounts().add(Caller("tb", "m30"), PASSWORD)
    return svc


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def page_of(svc: Services, member: str, path: str = "/mail") -> tuple[int, str]:
    http = site(svc)
    log_in(http, member)
    answer = http.get(path)
    return answer.status_code, answer.text


@pytest.mark.parametrize("member", ["m01", "m30"])
def test_the_secretary_and_auditors_see_every_message_newest_first(
    delivered: Services, member: str
) -> None:
    status, html = page_of(delivered, member)
    assert status == 200
    assert "Thư đã gửi" in html
    assert "hộp thư cục bộ của bản cài đặt mặc định" in html
    found = rows(html)
    assert len(found) == 2
    assert "m03@example.vn" in found[0] and "quá hạn cấp 1" in found[0]
    assert "m12@example.vn" in found[1] and "đến hạn sau 7 ngày" in found[1]
    assert "&lt;reminder-r1.m12@chibo.local&gt;" in found[1]
    assert re.search(r"<td>\d\d/\d\d/\d{4} \d\d:\d\d</td>", found[0])
    assert 'href="/mail"' in html  # the nav link, with a mail folder


def test_a_member_sees_only_what_was_sent_to_their_address(delivered: Services) -> None:
    status, html = page_of(delivered, "m12")
    assert status == 200
    found = rows(html)
    assert len(found) == 1 and "m12@example.vn" in found[0]
    assert "m03@example.vn" not in html
    link = re.search(r'href="/mail/([^"]+)"', found[0])
    assert link
    assert page_of(delivered, "m12", f"/mail/{link.group(1)}")[0] == 200
    # m11 has an address no message went to; m10 has none recorded.
    assert rows(page_of(delivered, "m11")[1]) == []
    status, html = page_of(delivered, "m10")
    assert status == 200 and rows(html) == []
    assert "chưa có địa chỉ thư điện tử" in html


def test_a_message_not_theirs_is_not_found(delivered: Services) -> None:
    html = page_of(delivered, "m01")[1]
    ids = re.findall(r'href="/mail/([^"]+)"', html)
    assert len(ids) == 2
    assert page_of(delivered, "m12", f"/mail/{ids[0]}")[0] == 404  # m03's
    assert page_of(delivered, "m01", "/mail/..%2Fchibo.db")[0] == 404


def test_html_goes_to_a_sandboxed_frame_never_raw_into_the_page(delivered: Services) -> None:
    html = page_of(delivered, "m01")[1]
    mine = re.findall(r'href="/mail/([^"]+)"', html)[1]
    status, page = page_of(delivered, "m01", f"/mail/{mine}")
    assert status == 200
    assert "Nghị quyết nq-c1-01 đến hạn ngày 12/01/2026." in page  # the plain text
    assert "<script>alert" not in page
    frame = re.search(r'<iframe[^>]*sandbox=""[^>]*srcdoc="([^"]*)"', page)
    assert frame, "the HTML part is shown in a sandboxed frame"
    assert "&lt;script&gt;alert(&#39;chibo-xss&#39;)&lt;/script&gt;" in frame.group(1)
    assert "default-src &#39;none&#39;" in frame.group(1)  # nothing fetched from anywhere
    # Outside the frame's attribute, no tag of the message at all.
    outside = page.replace(frame.group(0), "")
    assert "chibo-xss" not in outside


def test_no_page_when_mail_goes_to_a_real_server(svc: Services) -> None:
    svc.mail_dir = None
    assert page_of(svc, "m01")[0] == 404
    assert 'href="/mail"' not in page_of(svc, "m01", "/")[1]
