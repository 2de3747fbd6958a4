"""API.md's access table, endpoint by caller, on both backends.

Callers of organisation `tb` (tests/factories.py) and of another organisation:
a member of c1 (m12) and of c2 (m21), each cell's secretary (m10, m20), c1's deputy
(m11), the member in charge of c1 (m03, a committee member), another committee member
(m04, in charge of c2), a standing-committee member (m02), the organisation secretary
(m01), an inspection-commission member (m05), an auditor (m30, granted by the
secretary's recorded command), and `m12@hn` of another organisation.

Every read of c1's records and every kind of command on c1 (meetings, minutes,
resolutions added, progress, extensions, cancellations, inspections, escalations
acknowledged and resolved) is tried by every caller:
what the table allows answers 2xx (and the action is stored), what it does not answers
404 when the caller may not read the record (as if unknown) or 403 when they may, and
stores nothing. The expected sets are written from API.md's table, by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.accounts import AccountStore
from api.app import create_app
from api.deps import Services
from audit.signing import generate_key
from domain import commands as c
from domain.access import Caller
from domain.application import ChiboApplication
from projections.store import ReadStore
from tests.factories import cmd, hold
from workers.settings import Settings
from workers.wiring import make_read_store

PASSWORD = "mật-khẩu-ma-trận"
TB = ("m01", "m02", "m03", "m04", "m05", "m10", "m11", "m12", "m20", "m21", "m30")
CALLERS = (*TB, "m12@hn")

C1_READERS = {"m01", "m02", "m03", "m04", "m05", "m10", "m11", "m12", "m30"}
"""c1's members, and the bodies above it (leaders, committee, commission, auditor)."""
NOT_READERS = set(CALLERS) - C1_READERS
"""c2's people and the other organisation: 404, as if c1 did not exist."""

ALLOWED = {
    # cell business: the cell's leaders, the organisation's leaders, the member in charge
    "meeting": {"m10", "m11", "m01", "m02", "m03"},
    # progress: the executor (m12) and inspector (m11), and whoever does the cell's business
    "progress": {"m12", "m11", "m10", "m01", "m02", "m03"},
    # inspections: committee members, the inspection commission, the leaders
    "inspection": {"m01", "m02", "m03", "m04", "m05"},
    # an escalation to m03 about c1: its recipient and the organisation's leaders
    "acknowledgement": {"m03", "m01", "m02"},
    "escalation resolution": {"m03", "m01", "m02"},
}
CELL_BUSINESS = ALLOWED["meeting"]
for kind in ("minutes", "resolution", "extension", "cancellation", "thematic plan"):
    ALLOWED[kind] = CELL_BUSINESS
ALLOWED["transfer in"] = ALLOWED["transfer out"] = CELL_BUSINESS
# R32 (domain): only the cell's leaders assign tasks; others who may do the cell's
# business pass the access table and are refused by the rule (422 naming R32).
ALLOWED["tasks"] = {"m10", "m11"}
REFUSED_BY_RULE = {
    "tasks": ({"m01", "m02", "m03"}, "R32"),
    # hn's secretary grants in hn, where m13 is no member: refused, nothing crosses over.
    "auditor": ({"m12@hn"}, None),
}
# m13's contact: the member themself (no account here), or their cell secretary.
ALLOWED["contact"] = {"m10"}
# The auditor role: the organisation secretary's to grant.
ALLOWED["auditor"] = {"m01"}
# Version 2's records: a resolution communicated (the cell's business); m12's pledge (m12
# themself, or whoever does the cell's business); m13's fees (the leaders of m13's cell
# and of the organisation, not the member in charge); the organisation's annual report
# (its secretary and standing committee).
ALLOWED["communication"] = CELL_BUSINESS
ALLOWED["pledge"] = CELL_BUSINESS | {"m12"}
ALLOWED["fees"] = {"m10", "m11", "m01", "m02"}
ALLOWED["annual report"] = {"m01", "m02"}
ORGANISATION_KINDS = {"auditor", "annual report"}
"""Actions on the organisation's own record, readable to all its members: 403, not 404."""

Client = Callable[[str], TestClient]


@pytest.fixture
def matrix(
    ward: tuple[ChiboApplication, ReadStore], settings: Settings
) -> Iterator[tuple[ChiboApplication, Client]]:
    app, store = ward
    on = date(2026, 1, 1)
    app.handle(
        cmd(
            c.RegisterMember,
            on,
            organisation="tb",
            member="m05",
            name="Ủy viên UBKT",
            status="official",
        )
    )
    app.handle(cmd(c.ChangeLeadership, on, organisation="tb", inspection_commission=["m05"]))
    app.handle(cmd(c.GrantAuditor, on, organisation="tb", member="m30"))
    app.handle(
        cmd(
            c.CreateOrganisation,
            on,
            actor="m12",
            organisation="hn",
            name="Đảng ủy khác",
            secretary="m12",
        )
    )
    app.handle(
        cmd(
            c.RegisterMember,
            on,
            actor="m12",
            organisation="hn",
            member="m12",
            name="Người khác",
            status="official",
        )
    )
    hold(app, "mt-jan", on=date(2026, 1, 5))
    app.handle(
        cmd(
            c.AdoptResolution,
            date(2026, 1, 5),
            actor="m10",
            meeting="mt-jan",
            resolution=c.ResolutionDraft(
                id="nq1",
                content="Vệ sinh ngõ xóm",
                requirements="Sạch sẽ",
                measures="Ra quân",
                deadline=date(2026, 12, 31),
                executors=["m12"],
                inspector="m11",
            ),
        )
    )
    for n in range(len(CALLERS)):
        # A meeting without minutes, and resolutions to extend and to cancel, per caller.
        hold(app, f"mm-{n}", on=date(2026, 1, 6), kind=["forum"], minutes_recorded=False)
        for prefix in ("nq-ext", "nq-can", "nq-com"):
            app.handle(
                cmd(
                    c.AdoptResolution,
                    date(2026, 1, 5),
                    actor="m10",
                    meeting="mt-jan",
                    resolution=c.ResolutionDraft(
                        id=f"{prefix}-{n}",
                        content="Sửa đường ngõ",
                        requirements="Phẳng",
                        measures="Góp công",
                        deadline=date(2026, 12, 31),
                        executors=["m12"],
                        inspector="m11",
                    ),
                )
            )
        app.handle(
            cmd(
                c.RaiseEscalation,
                date(2026, 3, 1),
                actor="system",
                organisation="tb",
                kind="meeting_missed",
                rule="R1",
                subject={"cell": "c1"},
                period=f"2024-{n + 1:02d}",
                recipients=["m03"],
            )
        )
        app.handle(
            cmd(
                c.RaiseEscalation,
                date(2026, 3, 1),
                actor="system",
                organisation="tb",
                kind="meeting_missed",
                rule="R1",
                subject={"cell": "c1"},
                period=f"2025-{n + 1:02d}",
                recipients=["m03"],
            )
        )
    for n in range(len(CALLERS)):
        # Members to transfer in (not in a cell) and out (in c1), per caller.
        for prefix in ("m4", "m6"):
            app.handle(
                cmd(
                    c.RegisterMember,
                    on,
                    organisation="tb",
                    member=f"{prefix}{n:02d}",
                    name="Đảng viên mới",
                    status="official",
                )
            )
        app.handle(cmd(c.TransferIn, date(2026, 2, 1), cell="c1", member=f"m6{n:02d}"))
    accounts = AccountStore(store)
    for member in TB:
        accounts.add(Caller("tb", member), PASSWORD)
    accounts.add(Caller("hn", "m12"), PASSWORD)
    key = settings.data_dir / "audit" / "ed25519.pem"
    generate_key(key)
    services = Services(
        app=app,
        open_store=lambda: make_read_store(settings),
        project_inline=True,
        audit_key_path=key,
    )
    services.caught_up()
    clients: dict[str, TestClient] = {}

    def client(caller: str) -> TestClient:
        if caller not in clients:
            http = TestClient(create_app(services))
            name = caller if "@" in caller else f"{caller}@tb"
            answer = http.post("/api/token", data={"username": name, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            clients[caller] = http
        return clients[caller]

    try:
        yield app, client
    finally:
        for http in clients.values():
            http.close()
        for opened in services._stores:
            opened.close()


def _events(app: ChiboApplication) -> int:
    return app.recorder.max_notification_id() or 0


READS = (
    "/api/cells/c1",
    "/api/cells/c1/meetings",
    "/api/meetings/mt-jan",
    "/api/cells/c1/resolutions",
    "/api/resolutions/nq1",
    "/api/records/nq1/history",
    "/api/records/mt-jan?on=2026-02-01",
    "/api/meetings/mt-jan/minutes.pdf",
    "/api/resolutions/nq1/document.pdf",
    "/api/cells/c1/minutes-book/2026.pdf",
    "/api/cells/c1/fees/2026",
    "/api/cells/c1/pledges/2026",
)


@pytest.mark.parametrize("path", READS)
def test_reads_of_a_cells_records(matrix: tuple[ChiboApplication, Client], path: str) -> None:
    _, client = matrix
    answers = {caller: client(caller).get(path) for caller in CALLERS}
    readable = {caller for caller, answer in answers.items() if answer.status_code == 200}
    assert readable == C1_READERS
    for caller in NOT_READERS:
        assert answers[caller].status_code == 404, (caller, answers[caller].text)
        assert answers[caller].headers["content-type"] == "application/problem+json"


REPORT_READERS = {"m01", "m02", "m03", "m04", "m05", "m30"}
"""Those who read every cell of `tb`: its report is theirs (R80)."""


def test_the_organisations_report(matrix: tuple[ChiboApplication, Client]) -> None:
    _, client = matrix
    answers = {
        caller: client(caller).get("/api/organisations/tb/reports/2026-Q1.xlsx")
        for caller in CALLERS
    }
    assert {caller for caller, a in answers.items() if a.status_code == 200} == REPORT_READERS
    for caller, answer in answers.items():
        if caller in REPORT_READERS:
            continue
        # Another organisation's member asks about one that is not theirs: as if unknown.
        expected = 404 if "@" in caller else 403
        assert answer.status_code == expected, (caller, answer.status_code, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"


READABLE_CELLS = {
    "m01": ["c1", "c2"],
    "m02": ["c1", "c2"],
    "m03": ["c1", "c2"],
    "m04": ["c1", "c2"],
    "m05": ["c1", "c2"],
    "m30": ["c1", "c2"],
    "m10": ["c1"],
    "m11": ["c1"],
    "m12": ["c1"],
    "m20": ["c2"],
    "m21": ["c2"],
    "m12@hn": [],
}


def test_compliance_and_escalations_show_only_readable_cells(
    matrix: tuple[ChiboApplication, Client],
) -> None:
    _, client = matrix
    for caller in CALLERS:
        answer = client(caller).get("/api/compliance?period=2026").json()
        assert sorted(item["cell"] for item in answer["items"]) == READABLE_CELLS[caller]
        escalations = client(caller).get("/api/escalations?limit=1000").json()["items"]
        about_c1 = [e for e in escalations if e["subject"].get("cell") == "c1"]
        assert bool(about_c1) == (caller in C1_READERS), caller


def test_the_inbox_is_the_callers_own(matrix: tuple[ChiboApplication, Client]) -> None:
    _, client = matrix
    for caller in CALLERS:
        items = client(caller).get("/api/inbox?limit=1000").json()["items"]
        # Every escalation of the fixture goes to m03 alone.
        assert bool(items) == (caller == "m03"), caller


def test_lists_show_only_what_the_caller_may_read(matrix: tuple[ChiboApplication, Client]) -> None:
    _, client = matrix
    cells = {
        caller: sorted(item["id"] for item in client(caller).get("/api/cells").json()["items"])
        for caller in CALLERS
    }
    assert cells == READABLE_CELLS
    assert cells == {
        "m01": ["c1", "c2"],
        "m02": ["c1", "c2"],
        "m03": ["c1", "c2"],
        "m04": ["c1", "c2"],
        "m05": ["c1", "c2"],
        "m30": ["c1", "c2"],
        "m10": ["c1"],
        "m11": ["c1"],
        "m12": ["c1"],
        "m20": ["c2"],
        "m21": ["c2"],
        "m12@hn": [],
    }


def _attempt(kind: str, http: TestClient, n: int) -> Any:
    """One action of `kind` on c1's records, distinct per caller (`n`)."""
    if kind == "meeting":
        return http.post(
            "/api/cells/c1/meetings",
            json={
                "date": f"2026-{n % 9 + 2:02d}-{n + 1:02d}",
                "id": f"mt-{n}",
                "kind": "forum",
                "present": ["m10", "m11", "m12", "m13", "m14"],
            },
        )
    if kind == "progress":
        return http.post(
            "/api/resolutions/nq1/progress", json={"date": "2026-06-01", "note": f"tiến độ {n}"}
        )
    if kind == "inspection":
        return http.post(
            "/api/cells/c1/inspections",
            json={
                "date": "2026-06-01",
                "id": f"kt-{n}",
                "kind": "periodic",
                "findings": "Sinh hoạt đều đặn",
                "rating": "good",
            },
        )
    if kind == "minutes":
        return http.post(f"/api/meetings/mm-{n}/minutes", json={"date": "2026-01-07"})
    if kind == "resolution":
        return http.post(
            "/api/meetings/mt-jan/resolutions",
            json={
                "date": "2026-06-01",
                "id": f"nq-add-{n}",
                "content": "Trồng cây xanh",
                "requirements": "50 cây",
                "measures": "Vận động",
                "deadline": "2026-12-31",
                "executors": ["m12"],
                "inspector": "m11",
            },
        )
    if kind == "extension":
        return http.post(
            f"/api/resolutions/nq-ext-{n}/extension",
            json={"date": "2026-06-01", "new_deadline": "2027-03-31", "meeting": "mt-jan"},
        )
    if kind == "cancellation":
        return http.post(
            f"/api/resolutions/nq-can-{n}/cancellation",
            json={"date": "2026-06-01", "meeting": "mt-jan", "reason": "Không còn phù hợp"},
        )
    if kind == "thematic plan":
        return http.put(
            f"/api/cells/c1/thematic-plans/{2027 + n}",
            json={"date": "2026-06-01", "topics": ["Học tập và làm theo tư tưởng Hồ Chí Minh"]},
        )
    if kind == "tasks":
        return http.put(
            f"/api/cells/c1/tasks/{2027 + n}",
            json={"date": "2026-06-01", "tasks": {"m12": "Phụ trách vệ sinh ngõ"}},
        )
    if kind == "transfer in":
        return http.post(
            "/api/cells/c1/members", json={"date": "2026-06-01", "member": f"m4{n:02d}"}
        )
    if kind == "transfer out":
        return http.delete(f"/api/cells/c1/members/m6{n:02d}?date=2026-06-01")
    if kind == "contact":
        return http.put("/api/members/m13/contact", json={"email": f"m13.{n}@example.org"})
    if kind == "auditor":
        return http.put("/api/auditors/m13", json={"date": "2026-06-01"})
    if kind == "communication":
        return http.post(f"/api/resolutions/nq-com-{n}/communication", json={"date": "2026-06-01"})
    if kind == "pledge":
        return http.put(
            "/api/cells/c1/pledges/2026/m12", json={"date": "2026-06-01", "pledge": f"Cam kết {n}"}
        )
    if kind == "fees":
        return http.post(
            "/api/members/m13/fees", json={"date": "2026-06-01", "months": [f"2025-{n + 1:02d}"]}
        )
    if kind == "annual report":
        return http.put(
            f"/api/organisations/tb/annual-reports/{2010 + n}", json={"summary": "Tổng kết"}
        )
    if kind == "escalation resolution":
        key = f"meeting_missed/cell=c1/2024-{n + 1:02d}/1"
        return http.post(f"/api/escalations/{key}/resolution", json={"action": "Đã đôn đốc"})
    key = f"meeting_missed/cell=c1/2025-{n + 1:02d}/1"
    return http.post(f"/api/escalations/{key}/acknowledgement", json={"note": "Đã nhận"})


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_commands_on_a_cells_records(matrix: tuple[ChiboApplication, Client], kind: str) -> None:
    app, client = matrix
    for n, caller in enumerate(CALLERS):
        before = _events(app)
        answer = _attempt(kind, client(caller), n)
        if caller in ALLOWED[kind]:
            assert answer.status_code in (200, 201), (kind, caller, answer.text)
            if kind != "contact":  # kept outside the log
                assert _events(app) > before or kind == "auditor", (kind, caller)
            continue
        by_rule, rule = REFUSED_BY_RULE.get(kind, (set(), None))
        if caller in by_rule:
            assert answer.status_code == 422, (kind, caller, answer.text)
            assert answer.json()["rule"] == rule
            assert _events(app) == before
            continue
        # The organisation's own record (the auditor role, the annual report) is readable
        # to all its members; another organisation's member asks about one not theirs.
        own_record = kind in ORGANISATION_KINDS and "@" not in caller
        expected = 403 if own_record or caller not in NOT_READERS else 404
        assert answer.status_code == expected, (kind, caller, answer.status_code, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert _events(app) == before, (kind, caller, "stored something")


def test_the_auditor_reads_the_audit_and_does_nothing_else(
    matrix: tuple[ChiboApplication, Client],
) -> None:
    _, client = matrix
    assert client("m30").get("/api/audit/access-log").status_code == 200
    for caller in ("m10", "m12", "m03", "m12@hn"):
        assert client(caller).get("/api/audit/access-log").status_code == 403
    verifiers = {
        caller
        for caller in CALLERS
        if client(caller).get("/api/audit/verification").status_code == 200
    }
    # Auditors and each organisation's secretary (hn's too): the report is about the
    # store's chain as a whole and names no record.
    assert verifiers == {"m30", "m01", "m12@hn"}
