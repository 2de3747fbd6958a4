"""Official documents over HTTP, on both backends: the minutes of a held meeting, a
resolution, a cell's minutes book and the organisation's report, drawn from ward-q1
(tests/scenarios/ward-q1.yaml) and served to whoever may read the record (R80)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.deps import Services
from tests.api_support import assert_problem, bearer, client, login, ward_q1
from workers.settings import Settings

ACCOUNTS = ("m01", "m03", "m10", "m12", "m20")
"""The organisation secretary, the committee member in charge of c1, c1's secretary and
a member of c1, c2's secretary."""
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from ward_q1(settings, ACCOUNTS)


def as_member(svc: Services, member: str) -> TestClient:
    http = client(svc)
    http.headers.update(bearer(login(http, member)))
    return http


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def assert_pdf(answer: object, name: str) -> bytes:
    assert getattr(answer, "status_code", None) == 200, getattr(answer, "text", answer)
    headers = answer.headers  # type: ignore[attr-defined]
    assert headers["content-type"] == PDF
    assert headers["content-disposition"] == f'attachment; filename="{name}"'
    body: bytes = answer.content  # type: ignore[attr-defined]
    assert body.startswith(b"%PDF")
    return body


def test_the_minutes_and_the_resolution_for_the_cells_secretary(svc: Services) -> None:
    secretary = as_member(svc, "m10")
    body = assert_pdf(
        secretary.get("/api/meetings/c1-2026-01/minutes.pdf"), "bien-ban-c1-2026-01.pdf"
    )
    text = pdf_text(body)
    assert "Hoàng Văn Em" in text and "Vũ Thị Hoa" in text
    body = assert_pdf(
        secretary.get("/api/resolutions/nq-c1-01/document.pdf"), "nghi-quyet-nq-c1-01.pdf"
    )
    assert "01-NQ/CB" in pdf_text(body)
    # The member in charge (a committee member) reads c1 too.
    assert as_member(svc, "m03").get("/api/meetings/c1-2026-01/minutes.pdf").status_code == 200


def test_nobody_downloads_what_they_may_not_read(svc: Services) -> None:
    other = as_member(svc, "m20")  # c2's secretary: c1 does not exist for them (R80)
    assert_problem(other.get("/api/meetings/c1-2026-01/minutes.pdf"), 404)
    assert_problem(other.get("/api/resolutions/nq-c1-01/document.pdf"), 404)
    assert_problem(other.get("/api/cells/c1/minutes-book/2026.pdf"), 404)
    assert other.get("/api/meetings/c2-2026-01/minutes.pdf").status_code == 200
    assert_problem(client(svc).get("/api/meetings/c1-2026-01/minutes.pdf"), 401)


def test_an_unknown_or_only_announced_meeting_has_no_minutes(svc: Services) -> None:
    secretary = as_member(svc, "m10")
    assert_problem(secretary.get("/api/meetings/c1-2099-01/minutes.pdf"), 404)
    assert_problem(secretary.get("/api/resolutions/nq-none/document.pdf"), 404)
    announced = secretary.post(
        "/api/cells/c1/announcements",
        json={
            "date": "2026-04-01",
            "id": "c1-2026-04",
            "kind": "regular",
            "scheduled_on": "2026-04-05",
            "place": "Nhà văn hóa tổ dân phố số 1",
            "content": "Sinh hoạt tháng 4",
        },
    )
    assert announced.status_code == 201, announced.text
    assert secretary.get("/api/meetings/c1-2026-04").status_code == 200
    assert_problem(secretary.get("/api/meetings/c1-2026-04/minutes.pdf"), 404)


def test_the_cells_minutes_book(svc: Services) -> None:
    secretary = as_member(svc, "m10")
    body = assert_pdf(
        secretary.get("/api/cells/c1/minutes-book/2026.pdf"), "so-bien-ban-c1-2026.pdf"
    )
    assert "Hoàng Văn Em" in pdf_text(body)
    assert_problem(secretary.get("/api/cells/c1/minutes-book/1899.pdf"), 422)
    assert_problem(secretary.get("/api/cells/c1/minutes-book/3000.pdf"), 422)
    assert_problem(secretary.get("/api/cells/c9/minutes-book/2026.pdf"), 404)


def test_the_report_for_those_above_the_cells(svc: Services) -> None:
    for member in ("m01", "m03"):
        answer = as_member(svc, member).get("/api/organisations/tb/reports/2026-Q1.xlsx")
        assert answer.status_code == 200, (member, answer.text)
        assert answer.headers["content-type"] == XLSX
        assert "bao-cao-tb-2026-Q1.xlsx" in answer.headers["content-disposition"]
        workbook = openpyxl.load_workbook(io.BytesIO(answer.content))
        assert "Tuân thủ" in workbook.sheetnames
    leader = as_member(svc, "m01")
    assert_pdf(leader.get("/api/organisations/tb/reports/2026.pdf"), "bao-cao-tb-2026.pdf")
    body = assert_problem(leader.get("/api/organisations/tb/reports/2026-Q7.xlsx"), 422)
    assert "period" in body["detail"]
    assert_problem(leader.get("/api/organisations/tb/reports/2026-Q1.docx"), 422)
    assert_problem(leader.get("/api/organisations/hn/reports/2026-Q1.xlsx"), 404)
    for member in ("m10", "m12", "m20"):  # a cell's secretary or member reads one cell
        body = assert_problem(
            as_member(svc, member).get("/api/organisations/tb/reports/2026-Q1.xlsx"), 403
        )
        assert body["rule"] == "R80"
