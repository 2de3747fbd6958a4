"""`GET /api/audit/bundle` over HTTP: an auditor downloads the bundle `chibo audit
export` writes and it verifies with no database; anyone else is refused (403)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from api.deps import Services
from audit.bundle import BUNDLE_FORMAT, verify_bundle
from audit.signing import generate_key, load_private
from audit.verify import sign_checkpoint
from domain import commands as c
from domain.access import Caller
from tests.api_support import PASSWORD, assert_problem, bearer, client, login, seeded
from tests.factories import cmd
from workers.settings import Settings


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    for services in seeded(settings):
        services.app.handle(
            cmd(c.GrantAuditor, date(2026, 1, 2), "m01", organisation="tb", member="m30")
        )
        services.caught_up()
        services.accounts().add(Caller("tb", "m30"), PASSWORD)
        generate_key(settings.audit_key_path)
        assert sign_checkpoint(
            services.app, services.store(), load_private(settings.audit_key_path)
        )
        yield services


def test_an_auditor_downloads_a_bundle_that_verifies_alone(svc: Services, tmp_path: Path) -> None:
    http = client(svc)
    answer = http.get("/api/audit/bundle", headers=bearer(login(http, "m30")))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"].startswith('attachment; filename="chibo-audit-tb')
    bundle = json.loads(answer.content)
    assert bundle["format"] == BUNDLE_FORMAT
    assert bundle["window"] == {"by": "recorded", "from": None, "to": None}
    assert bundle["checkpoints"], "the signed checkpoint travels with the events"
    saved = tmp_path / "bundle.json"
    saved.write_bytes(answer.content)
    report = verify_bundle(saved)
    assert report.problem is None
    assert report.events == len(bundle["events"]) > 0


def test_a_business_date_window(svc: Services) -> None:
    http = client(svc)
    token = bearer(login(http, "m30"))
    answer = http.get(
        "/api/audit/bundle", params={"from_date": "2026-01-02", "to_date": "2026-01-02"}
    )
    assert answer.status_code == 401
    answer = http.get(
        "/api/audit/bundle",
        headers=token,
        params={"from_date": "2026-01-02", "to_date": "2026-01-02"},
    )
    assert answer.status_code == 200
    bundle = json.loads(answer.content)
    assert bundle["window"] == {"by": "business", "from": "2026-01-02", "to": "2026-01-02"}
    # The grant of the auditor role is dated 2 January; the seeded ward, 1 January.
    dated = {
        (e["in_window"], json.loads(base64.b64decode(e["state"]))["occurred_on"])
        for e in bundle["events"]
    }
    assert dated == {(True, "2026-01-02")}
    body = assert_problem(
        http.get(
            "/api/audit/bundle",
            headers=token,
            params={"from_date": "2026-01-03", "to_date": "2026-01-02"},
        ),
        422,
    )
    assert "from_date" in body["detail"]


@pytest.mark.parametrize("member", ["m12", "m10", "m01"])
def test_anyone_but_an_auditor_is_refused(svc: Services, member: str) -> None:
    http = client(svc)
    assert_problem(http.get("/api/audit/bundle", headers=bearer(login(http, member))), 403)


def test_no_bundle_while_the_log_holds_another_organisations_records(svc: Services) -> None:
    """R80: the bundle is the whole chain; with another organisation's records in it,
    an auditor of `tb` may not download it (an administrator exports it)."""
    svc.app.handle(
        cmd(
            c.CreateOrganisation,
            date(2026, 1, 3),
            actor="m90",
            organisation="hn",
            name="Đảng ủy khác",
            secretary="m90",
        )
    )
    svc.caught_up()
    http = client(svc)
    body = assert_problem(http.get("/api/audit/bundle", headers=bearer(login(http, "m30"))), 403)
    assert body["rule"] == "R80"
