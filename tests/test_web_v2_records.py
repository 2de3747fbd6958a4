"""Version 2's records on the pages, on both backends: the party fees register a cell's
secretary keeps month by month (R74), pledges on the year page (R33) and a resolution's
communication (R22). Everything is posted through the pages (CSRF token as a browser
sends it) and checked on the pages and through the API."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date

import pytest

from api.deps import Services
from tests.api_support import bearer, client, login, seeded
from tests.web_support import log_in, site
from web.rule_names import RULE_NAMES
from workers.settings import Settings

TODAY = date.today()
YEAR = TODAY.year


@pytest.fixture(autouse=True)
def _today() -> None:
    """Today as each test starts, as the app reads its clock: a value taken when the
    module was collected went stale when the suite ran past midnight."""
    global TODAY, YEAR
    TODAY = date.today()
    YEAR = TODAY.year


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    yield from seeded(settings)


def api_get(svc: Services, member: str, path: str) -> dict[str, object]:
    http = client(svc)
    answer = http.get(path, headers=bearer(login(http, member)))
    assert answer.status_code == 200, answer.text
    found: dict[str, object] = answer.json()
    return found


def text(page: str) -> str:
    return html.unescape(page)


def test_the_secretary_records_fees_and_the_register_shows_them(svc: Services) -> None:
    http = site(svc)
    csrf = log_in(http, "m10")
    assert "/cells/c1/fees/" in http.get("/cells/c1").text  # linked from the cell's page
    page = http.get("/cells/c1/fees/2026")
    assert page.status_code == 200
    assert 'action="/cells/c1/fees/2026"' in page.text
    assert "Sổ thu đảng phí năm 2026" in text(page.text)
    answer = http.post(
        "/cells/c1/fees/2026",
        data={
            "csrf": csrf,
            "member": "m12",
            "months": ["2026-01", "2026-02"],
            "date": "2026-02-03",
        },
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/cells/c1/fees/2026?notice=saved"
    shown = text(http.get(answer.headers["location"]).text)
    assert "Đã lưu." in shown
    assert shown.count("đã đóng ngày 03/02/2026") == 2
    register = api_get(svc, "m10", "/api/cells/c1/fees/2026")
    rows = {m["member"]: m["paid"] for m in register["members"]}  # type: ignore[attr-defined]
    assert rows["m12"] == {"2026-01": "2026-02-03", "2026-02": "2026-02-03"}
    # A member of the cell reads the register but is offered no form.
    member = site(svc)
    log_in(member, "m12")
    page = member.get("/cells/c1/fees/2026")
    assert page.status_code == 200 and "đã đóng ngày 03/02/2026" in text(page.text)
    assert 'action="/cells/c1/fees/2026"' not in page.text


def test_a_bad_month_shows_the_r74_refusal_in_vietnamese(svc: Services) -> None:
    http = site(svc)
    csrf = log_in(http, "m10")
    answer = http.post(
        "/cells/c1/fees/2026",
        data={"csrf": csrf, "member": "m12", "months": ["2026-03"], "month": "2026-13"},
    )
    assert answer.status_code == 422
    shown = text(answer.text)
    assert "R74" in shown and RULE_NAMES["R74"] in shown
    assert 'value="2026-13"' in answer.text  # what was typed is kept
    register = api_get(svc, "m10", "/api/cells/c1/fees/2026")
    assert all(not m["paid"] for m in register["members"])  # type: ignore[attr-defined]


def test_a_pledge_recorded_on_the_year_page_shows(svc: Services) -> None:
    url = f"/cells/c1/year/{YEAR}"
    member = site(svc)
    csrf = log_in(member, "m12")
    page = member.get(url).text
    assert 'name="form" value="pledge"' in page
    answer = member.post(
        url, data={"csrf": csrf, "form": "pledge", "pledge": "Gương mẫu phân loại rác"}
    )
    assert answer.status_code == 303, answer.text
    shown = text(member.get(url).text)
    row = shown[shown.index("<td>Đảng viên m12 (m12)</td>") :]
    assert row.startswith("<td>Đảng viên m12 (m12)</td><td>—</td><td>Gương mẫu phân loại rác</td>")
    # The secretary records m13's; the API shows both.
    secretary = site(svc)
    csrf = log_in(secretary, "m10")
    answer = secretary.post(
        url, data={"csrf": csrf, "form": "pledge", "member": "m13", "pledge": "Học tập nghị quyết"}
    )
    assert answer.status_code == 303, answer.text
    pledges = api_get(svc, "m10", f"/api/cells/c1/pledges/{YEAR}")["pledges"]
    assert [(p["member"], p["pledge"]) for p in pledges] == [  # type: ignore[attr-defined]
        ("m12", "Gương mẫu phân loại rác"),
        ("m13", "Học tập nghị quyết"),
    ]
    # An empty pledge is refused on the form, nothing stored.
    answer = secretary.post(url, data={"csrf": csrf, "form": "pledge", "member": "m11"})
    assert answer.status_code == 422


def test_the_cells_leaders_record_a_resolutions_communication(svc: Services) -> None:
    api = client(svc)
    body = {
        "date": "2026-03-05",
        "id": "mt-mar",
        "kind": "regular",
        "present": ["m10", "m11", "m12", "m13"],
        "resolutions": [
            {
                "id": "nq-mar",
                "content": "Nạo vét mương",
                "requirements": "Thông toàn tuyến",
                "measures": "Huy động hộ dân",
                "deadline": "2026-12-31",
                "executors": ["m12"],
                "inspector": "m11",
            }
        ],
    }
    answer = api.post("/api/cells/c1/meetings", json=body, headers=bearer(login(api, "m10")))
    assert answer.status_code == 201, answer.text
    member = site(svc)
    log_in(member, "m12")
    page = text(member.get("/resolutions/nq-mar").text)
    assert "Chưa quán triệt" in page
    assert 'action="/resolutions/nq-mar/communication"' not in page
    http = site(svc)
    csrf = log_in(http, "m10")
    assert 'action="/resolutions/nq-mar/communication"' in http.get("/resolutions/nq-mar").text
    answer = http.post(
        "/resolutions/nq-mar/communication",
        data={"csrf": csrf, "date": "2026-03-06", "to_upper_committee": "on"},
    )
    assert answer.status_code == 303, answer.text
    page = text(http.get("/resolutions/nq-mar").text)
    assert "Đã quán triệt ngày 06/03/2026" in page
    assert 'action="/resolutions/nq-mar/communication"' not in page
    assert api_get(svc, "m10", "/api/resolutions/nq-mar")["communicated_on"] == "2026-03-06"
