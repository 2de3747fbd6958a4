"""The pages' download buttons: each links to the API's document, which the browser's
session cookie opens (ward-q1, both backends)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from tests.api_support import ward_q1
from tests.test_api_documents import ACCOUNTS, PDF, XLSX
from tests.web_support import log_in, site
from web.catalogue import t
from workers.settings import Settings

HREF = re.compile(r'href="([^"]+)"')


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from ward_q1(settings, ACCOUNTS)


def browser(svc: Services, member: str) -> TestClient:
    http = site(svc)
    log_in(http, member)
    return http


def link(page: str, label: str) -> str:
    """The address of the link whose text is `label`."""
    found = re.search(r'<a [^>]*href="([^"]+)"[^>]*>' + re.escape(label) + "</a>", page)
    assert found, f"no link {label!r}"
    return found.group(1)


def test_the_secretary_downloads_the_minutes_from_the_meeting_page(svc: Services) -> None:
    http = browser(svc, "m10")
    page = http.get("/meetings/c1-2026-01")
    assert page.status_code == 200
    target = link(page.text, t("document.minutes_pdf"))
    assert target == "/api/meetings/c1-2026-01/minutes.pdf"
    answer = http.get(target)  # the session cookie, no bearer token
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == PDF and answer.content.startswith(b"%PDF")

    page = http.get("/resolutions/nq-c1-01")
    answer = http.get(link(page.text, t("document.resolution_pdf")))
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")

    page = http.get("/cells/c1/meetings")
    answer = http.get(link(page.text, t("document.book_pdf", year=2026)))
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    # A cell's secretary has no report to download (the API would answer 403).
    assert t("document.report_xlsx") not in http.get("/").text


def test_the_supervisor_board_and_the_desk_link_to_the_report(svc: Services) -> None:
    http = browser(svc, "m01")
    page = http.get("/board?period=2026")
    assert page.status_code == 200
    target = link(page.text, t("document.report_xlsx"))
    assert target == "/api/organisations/tb/reports/2026.xlsx"
    answer = http.get(target)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    assert "Tuân thủ" in openpyxl.load_workbook(io.BytesIO(answer.content)).sheetnames
    answer = http.get(link(page.text, t("document.report_pdf")))
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")

    desk = http.get("/audit")
    assert desk.status_code == 200
    links = HREF.findall(desk.text)
    assert any(re.fullmatch(r"/api/organisations/tb/reports/\d{4}\.xlsx", h) for h in links)
    books = [h for h in links if "/minutes-book/" in h]
    assert {h.split("/")[3] for h in books} == {"c1", "c2"}
    assert http.get(books[0]).status_code == 200
