"""`chibo contacts set | show` through the real command line: a registered member's
address and digest choice are stored (and replaced), an unknown member or organisation
is refused with exit 1, a malformed address with exit 2, and nothing is stored then."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.calendar import CalendarTokens
from api.contacts import Contact, ContactStore
from domain.access import Caller
from tests.factories import seed_ward
from workers.cli import app as cli
from workers.keystore import FileKeyStore
from workers.settings import Settings
from workers.wiring import make_app, make_read_store


@pytest.fixture
def url(settings: Settings) -> Iterator[str]:
    """An initialised store holding ward `tb` (tests/factories.py)."""
    app = make_app(settings)
    try:
        seed_ward(app)
    finally:
        app.close()
    yield settings.database_url


def run(url: str, *args: str) -> Result:
    result = CliRunner().invoke(cli, list(args), env={"CHIBO_DATABASE_URL": url})
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def stored(url: str, member: str) -> Contact | None:
    store = make_read_store(Settings(database_url=url))
    try:
        return ContactStore(store).get("tb", member)
    finally:
        store.close()


def test_set_then_show_then_replace(url: str) -> None:
    result = run(url, "contacts", "set", "tb", "m12", "--email", "m12@example.vn")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "contact of m12@tb: m12@example.vn (each notice)"
    assert stored(url, "m12") == Contact(member="m12", email="m12@example.vn", digest=False)

    shown = run(url, "contacts", "show", "tb", "m12")
    assert shown.exit_code == 0, shown.output
    assert shown.output.split() == ["m12@tb", "m12@example.vn", "each", "notice"]

    again = run(url, "contacts", "set", "tb", "m12", "--email", "nguyen.van.a@tb.vn", "--digest")
    assert again.exit_code == 0, again.output
    as_json = run(url, "contacts", "show", "tb", "m12", "--json")
    assert json.loads(as_json.output) == {
        "member": "m12",
        "email": "nguyen.van.a@tb.vn",
        "digest": True,
    }


def test_show_before_any_address(url: str) -> None:
    shown = run(url, "contacts", "show", "tb", "m13", "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == {"member": "m13", "email": None, "digest": False}


def test_an_unknown_member_or_organisation_is_refused(url: str) -> None:
    result = run(url, "contacts", "set", "tb", "m99", "--email", "m99@example.vn")
    assert result.exit_code == 1
    assert "không có đảng viên (no member) m99 in tb" in result.output
    assert stored(url, "m99") is None
    other = run(url, "contacts", "set", "xx", "m12", "--email", "m12@example.vn")
    assert other.exit_code == 1
    assert "không có tổ chức (no organisation) xx" in other.output
    assert run(url, "contacts", "show", "tb", "m99").exit_code == 1


def test_a_malformed_address_is_a_usage_error(url: str) -> None:
    result = run(url, "contacts", "set", "tb", "m12", "--email", "not an address")
    assert result.exit_code == 2
    assert "không hợp lệ (invalid): email" in result.output
    assert "not an address" not in result.output  # never quoted back
    assert stored(url, "m12") is None
    assert run(url, "contacts", "set", "tb", "m12").exit_code == 2  # --email is required


def test_erasing_a_member_removes_their_contact_and_calendar_link(settings: Settings) -> None:
    """Both live outside the log: `chibo members erase` deletes them outright."""
    app = make_app(settings)
    try:
        seed_ward(app)
    finally:
        app.close()
    store = make_read_store(settings)
    try:
        ContactStore(store).set("tb", "m12", "m12@example.vn", False, "m10")
        token = CalendarTokens(store).issue(Caller("tb", "m12"))
        answer = CliRunner().invoke(
            cli,
            ["members", "erase", "tb", "m12", "--legal-basis", "yêu cầu", "--request-ref", "r1"],
            env={"CHIBO_DATABASE_URL": settings.database_url},
        )
        assert answer.exit_code == 0, answer.output
        assert ContactStore(store).get("tb", "m12") is None
        assert CalendarTokens(store).caller_for(token) is None
    finally:
        store.close()


def test_the_kinds_of_notice_wanted_by_email(url: str) -> None:
    answer = run(
        url,
        "contacts",
        "set",
        "tb",
        "m12",
        "--email",
        "m12@example.vn",
        "--kind",
        "resolution_overdue",
        "--kind",
        "resolution_deadline_approaching",
    )
    assert answer.exit_code == 0, answer.output
    assert stored(url, "m12") == Contact(
        member="m12",
        email="m12@example.vn",
        digest=False,
        kinds=["resolution_deadline_approaching", "resolution_overdue"],
    )
    wrong = run(url, "contacts", "set", "tb", "m12", "--email", "m12@example.vn", "--kind", "x")
    assert wrong.exit_code == 2 and "kinds" in wrong.output, wrong.output


def test_an_address_is_sealed_under_the_members_key(url: str, tmp_path: Path) -> None:
    """With sealed personal data, the database holds no address; the key's erasure
    makes every copy unreadable (docs/personal-data.md)."""
    keys = tmp_path / "keys"
    env = {"CHIBO_DATABASE_URL": url, "CHIBO_PERSONAL_KEYS_DIR": str(keys)}
    runner = CliRunner()
    answer = runner.invoke(
        cli, ["contacts", "set", "tb", "m12", "--email", "m12@example.vn"], env=env
    )
    assert answer.exit_code == 0, answer.output
    store = make_read_store(Settings(database_url=url))
    try:
        (raw,) = store.query("SELECT email FROM chibo_contacts WHERE member = 'm12'")[0]
        assert raw.startswith("sealed:") and "example.vn" not in raw
        assert ContactStore(store).get("tb", "m12") == Contact(
            member="m12", email=None, digest=False
        ), "without the key, no address"
        shown = runner.invoke(cli, ["contacts", "show", "tb", "m12"], env=env)
        assert "m12@example.vn" in shown.output, shown.output
        assert FileKeyStore(keys).erase("m12")
        cipher = FileKeyStore(keys)
        assert ContactStore(store, cipher).get("tb", "m12") == Contact(
            member="m12", email=None, digest=False
        )
    finally:
        store.close()
