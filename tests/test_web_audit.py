"""The auditor's pages over a real store: a meeting with a resolution and a progress
report recorded through the API, then the auditor (m30, granted by the organisation
secretary) reads the record's timeline, the record and the cell as they stood before
and after the meeting, the integrity verification (ok, then not after tampering), the
access log and the bundle; members who may not are refused as the API refuses them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from audit.bundle import BUNDLE_FORMAT, Window, export_window, verify_bundle
from audit.signing import generate_key, load_private, load_public
from audit.verify import sign_checkpoint
from domain import commands as c
from domain.access import Caller
from domain.aggregate import Created
from domain.events import DomainEvent
from tests.api_support import PASSWORD, bearer, login, seeded
from tests.factories import cmd
from tests.test_audit_chain import Store, _flip_byte, _positions
from tests.web_support import log_in, site
from web.catalogue import has
from workers.settings import Settings

MEETING_DAY = date(2026, 1, 15)


def record_month(svc: Services, settings: Settings) -> None:
    """m30 made auditor; c1's January meeting with nq-c1-01 recorded by m10 through the
    API, m11 reports progress; then a checkpoint is signed."""
    svc.app.handle(cmd(c.GrantAuditor, date(2026, 1, 2), "m01", organisation="tb", member="m30"))
    svc.caught_up()
    svc.accounts().add(Caller("tb", "m30"), PASSWORD)
    api = site(svc)
    secretary = bearer(login(api, "m10"))
    answer = api.post(
        "/api/cells/c1/meetings",
        headers=secretary,
        json={
            "date": "2026-01-15",
            "id": "c1-2026-01",
            "kind": "regular",
            "present": ["m10", "m11", "m13"],
            "excused": {"m12": "ốm"},
            "resolutions": [
                {
                    "id": "nq-c1-01",
                    "content": "Nạo vét mương thoát nước",
                    "requirements": "Thông toàn tuyến",
                    "measures": "Huy động hộ dân",
                    "deadline": "2026-02-28",
                    "executors": ["m11"],
                    "inspector": "m10",
                }
            ],
        },
    )
    assert answer.status_code == 201, answer.text
    answer = api.post(
        "/api/resolutions/nq-c1-01/progress",
        headers=bearer(login(api, "m11")),
        json={"date": "2026-01-20", "note": "Đã nạo vét một nửa"},
    )
    assert answer.status_code == 200, answer.text
    key = settings.audit_key_path
    generate_key(key)
    assert sign_checkpoint(svc.app, svc.store(), load_private(key)) is not None


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    for services in seeded(settings):
        record_month(services, settings)
        yield services


def browser(svc: Services, member: str) -> TestClient:
    http = site(svc)
    log_in(http, member)
    return http


def test_every_event_of_the_domain_has_vietnamese_words() -> None:
    def subclasses(cls: type) -> Iterator[type]:
        sub: type
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    import domain.application  # noqa: F401  (imports every aggregate and its events)

    names = {
        cls.__name__
        for cls in subclasses(DomainEvent)
        if cls.__module__.startswith("domain")
        and cls is not Created  # Created: a base only
        and not cls.__dict__.get("BASE_ONLY", False)
    }
    assert {"Adopted", "ProgressReported", "Held", "Founded", "Raised"} <= names
    assert sorted(n for n in names if not has(f"event.{n}")) == []


def test_the_timeline_shows_who_what_when_and_why(svc: Services) -> None:
    http = browser(svc, "m30")
    page = http.get("/audit/records/nq-c1-01")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Lịch sử hồ sơ nq-c1-01" in html
    # Adopted at the meeting by the secretary, progress by the executor.
    assert "Thông qua" in html and "Báo cáo tiến độ" in html
    assert "m10</span> · Đảng viên m10" in html
    assert "m11</span> · Đảng viên m11" in html
    assert "15/01/2026" in html and "20/01/2026" in html
    assert "Ghi chú: Đã nạo vét một nửa" in html
    assert datetime.now(UTC).strftime("%d/%m/%Y ") in html  # recorded today (UTC)
    rows = html[html.index('id="h-timeline"') :]
    assert rows.index("Thông qua <small") < rows.index("Báo cáo tiến độ <small")  # oldest first
    assert "Hồ sơ hiện tại" in html and "28/02/2026" in html  # the deadline in the data
    # The look-up form leads to the same page.
    found = http.get("/audit/records", params={"ref": "nq-c1-01"})
    assert found.status_code == 303 and found.headers["location"] == "/audit/records/nq-c1-01"


def test_the_record_as_it_stood_and_as_it_was_known(svc: Services) -> None:
    http = browser(svc, "m30")
    before = http.get("/audit/records/nq-c1-01", params={"on": "2026-01-14"})
    assert before.status_code == 200
    assert "Hồ sơ vào ngày 14/01/2026" in before.text
    assert "Hồ sơ chưa được ghi nhận vào thời điểm này." in before.text
    adopted = http.get("/audit/records/nq-c1-01", params={"on": "2026-01-16"})
    assert "Hồ sơ vào ngày 16/01/2026" in adopted.text
    assert "Phiên bản 1" in adopted.text
    reported = http.get("/audit/records/nq-c1-01", params={"on": "2026-01-20"})
    assert "Phiên bản 2" in reported.text
    unknown = http.get("/audit/records/nq-c1-01", params={"as_of": "2026-01-01T00:00"})
    assert "đã ghi đến 01/01/2026 00:00" in unknown.text
    assert "Hồ sơ chưa được ghi nhận vào thời điểm này." in unknown.text
    bad = http.get("/audit/records/nq-c1-01", params={"on": "15/01/2026"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")


def test_the_cell_before_and_after_the_meeting(svc: Services) -> None:
    http = browser(svc, "m30")
    before = http.get("/audit/cells/c1", params={"on": "2026-01-14"})
    assert before.status_code == 200, before.text
    html = before.text
    assert "Chi bộ c1 vào ngày 14/01/2026" in html
    assert "Chưa có buổi sinh hoạt nào đến ngày này." in html
    assert "Chưa có nghị quyết nào đến ngày này." in html
    assert "c1-2026-01" not in html and "nq-c1-01" not in html
    for member in ("m10", "m11", "m12", "m13", "m14"):
        assert f"{member}</span> · Đảng viên {member}" in html
    assert "m03</span>" in html  # in charge
    after = http.get("/audit/cells/c1", params={"on": "2026-01-31"}).text
    assert "meeting:c1-2026-01" in after and "15/01/2026" in after
    # R13: only exempted members and those elsewhere are not counted: 3 of all 5.
    assert "3/5 đảng viên" in after
    assert "nq-c1-01" in after and "Nạo vét mương thoát nước" in after
    assert "28/02/2026" in after and "Đang mở" in after
    # The desk's form leads to the page.
    found = http.get("/audit/cells", params={"cell": "c1", "on": "2026-01-14"})
    assert found.headers["location"] == "/audit/cells/c1?on=2026-01-14"


def test_the_desk_verifies_and_lists_reads_from_outside(svc: Services) -> None:
    http = browser(svc, "m30")
    assert http.get("/audit/records/nq-c1-01").status_code == 200
    desk = http.get("/audit")
    assert desk.status_code == 200
    html = desk.text
    assert 'href="/audit" aria-current="page"' in html
    assert "Toàn vẹn: không phát hiện thay đổi" in html and "s-ok" in html
    assert "Tải gói kiểm toán" in html
    assert 'action="/audit/records"' in html and 'action="/audit/cells"' in html
    assert '<option value="c1">' in html and '<option value="c2">' in html
    assert "Nhật ký truy cập" in html
    assert '<a href="/audit/records/nq-c1-01">nq-c1-01</a>' in html
    assert "m30</span> · Đảng viên m30" in html


def test_the_desk_shows_tampering_in_red(svc: Services, settings: Settings) -> None:
    store = Store(settings)
    _flip_byte(store, _positions(store)[-1])
    html = browser(svc, "m30").get("/audit").text
    assert "Phát hiện nhật ký bị thay đổi" in html and "s-bad" in html
    assert "altered" in html


def test_the_bundle_downloads_as_chibo_audit_export_writes_it(
    svc: Services, settings: Settings, tmp_path: Path
) -> None:
    http = browser(svc, "m30")
    answer = http.get("/audit/bundle")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    downloaded = tmp_path / "downloaded.json"
    downloaded.write_bytes(answer.content)
    report = verify_bundle(downloaded, load_public(settings.audit_key_path))
    assert report.problem is None and report.events > 0
    written = tmp_path / "written.json"
    public = load_public(settings.audit_key_path)
    export_window(svc.app, svc.store(), public, Window.recorded(None, None), written)
    assert json.loads(answer.content) == json.loads(written.read_text(encoding="utf-8"))
    assert json.loads(answer.content)["format"] == BUNDLE_FORMAT
    dated = http.get("/audit/bundle", params={"from_date": "2026-01-15", "to_date": "2026-01-20"})
    window = json.loads(dated.content)["window"]
    assert window == {"by": "business", "from": "2026-01-15", "to": "2026-01-20"}


def test_who_may_not_is_refused_as_by_the_api(svc: Services) -> None:
    c2 = browser(svc, "m20")
    page = c2.get("/audit/records/nq-c1-01")
    assert page.status_code == 404 and "Không tìm thấy" in page.text
    assert c2.get("/audit/cells/c1").status_code == 404
    member = browser(svc, "m12")
    for path in ("/audit", "/audit/bundle"):
        refused = member.get(path)
        assert refused.status_code == 403, path
        assert "Bạn không có quyền làm việc này." in refused.text
    assert 'href="/audit"' not in member.get("/").text
    # A member of c1 reads c1's records' timelines (the API allows it).
    assert member.get("/audit/records/nq-c1-01").status_code == 200
    # The organisation secretary verifies, but the bundle and access log are auditors'.
    secretary = browser(svc, "m01")
    desk = secretary.get("/audit")
    assert desk.status_code == 200 and "Toàn vẹn: không phát hiện thay đổi" in desk.text
    assert "Nhật ký truy cập" not in desk.text and "Tải gói kiểm toán" not in desk.text
    assert secretary.get("/audit/bundle").status_code == 403
