"""`chibo accounts add | disable | list` through the real command line (API.md
"Identity"): only registered members, no duplicates, the password from standard input
and never shown, not even as a hash; a disabled account cannot log in."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from api.accounts import AccountStore, BadCredentialsError
from domain.organisation import Organisation
from tests.factories import seed_ward
from workers.cli import app as cli
from workers.settings import Settings
from workers.wiring import make_app, make_read_store

PASSWORD = "mật-khẩu-của-m04"


@pytest.fixture
def url(settings: Settings) -> Iterator[str]:
    """An initialised store holding ward `tb` (tests/factories.py)."""
    app = make_app(settings)
    try:
        seed_ward(app)
    finally:
        app.close()
    yield settings.database_url


def run(url: str, *args: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), input=stdin, env={"CHIBO_DATABASE_URL": url})
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def login(url: str, name: str, password: str) -> bool:
    store = make_read_store(Settings(database_url=url))
    try:
        AccountStore(store).login(name, password, "127.0.0.1")
    except BadCredentialsError:
        return False
    finally:
        store.close()
    return True


def test_add_reads_the_first_line_of_stdin(url: str) -> None:
    result = run(url, "accounts", "add", "tb", "m04", "--password-stdin", stdin=PASSWORD + "\r\n")
    assert result.exit_code == 0, result.output
    assert "m04@tb" in result.output
    assert PASSWORD not in result.output
    assert login(url, "m04@tb", PASSWORD), "the line ending is not part of the password"
    assert not login(url, "m04@tb", PASSWORD + "\r\n")


def test_add_needs_password_stdin_and_a_long_enough_password(url: str) -> None:
    assert run(url, "accounts", "add", "tb", "m04", stdin=PASSWORD).exit_code == 2
    short = run(url, "accounts", "add", "tb", "m04", "--password-stdin", stdin="short\n")
    assert short.exit_code == 2 and "short" not in short.output.replace("shorter", "")
    assert json.loads(run(url, "accounts", "list", "--json").stdout) == []


@pytest.mark.parametrize(("org", "member"), [("tb", "m99"), ("xx", "m04")])
def test_add_refuses_an_unknown_member(url: str, org: str, member: str) -> None:
    result = run(url, "accounts", "add", org, member, "--password-stdin", stdin=PASSWORD)
    assert result.exit_code == 1, result.output
    assert member in result.output
    assert json.loads(run(url, "accounts", "list", "--json").stdout) == []


def test_add_refuses_a_duplicate(url: str) -> None:
    assert (
        run(url, "accounts", "add", "tb", "m04", "--password-stdin", stdin=PASSWORD).exit_code == 0
    )
    again = run(url, "accounts", "add", "tb", "m04", "--password-stdin", stdin="another-password")
    assert again.exit_code == 1, again.output
    assert "m04@tb" in again.output
    assert login(url, "m04@tb", PASSWORD), "the first password still holds"
    assert not login(url, "m04@tb", "another-password")


def test_list_shows_accounts_and_state_but_no_hash(url: str) -> None:
    for member in ("m04", "m12"):
        run(url, "accounts", "add", "tb", member, "--password-stdin", stdin=PASSWORD)
    assert run(url, "accounts", "disable", "tb", "m12").exit_code == 0
    listed = run(url, "accounts", "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["m04@tb", "active"],
        ["m12@tb", "disabled"],
    ]
    rows = json.loads(run(url, "accounts", "list", "--json").stdout)
    assert [(r["member"], r["disabled"]) for r in rows] == [("m04", False), ("m12", True)]
    assert {key for row in rows for key in row} == {
        "organisation",
        "member",
        "disabled",
        "created_at",
    }
    for output in (listed.stdout, json.dumps(rows)):
        assert "argon2" not in output and PASSWORD not in output


def test_disable_stops_logins(url: str) -> None:
    run(url, "accounts", "add", "tb", "m04", "--password-stdin", stdin=PASSWORD)
    assert login(url, "m04@tb", PASSWORD)
    result = run(url, "accounts", "disable", "tb", "m04")
    assert result.exit_code == 0 and "disabled" in result.output
    assert not login(url, "m04@tb", PASSWORD)


def test_disable_refuses_an_unknown_account(url: str) -> None:
    result = run(url, "accounts", "disable", "tb", "m12")
    assert result.exit_code == 1, result.output
    assert "m12@tb" in result.output


def test_demo_loads_the_ward_and_one_account_per_kind_of_user(settings: Settings) -> None:
    """`chibo demo` on an empty store: the ward, accounts that log in, the auditor role
    granted by the organisation secretary's command; a second run applies nothing."""
    url = settings.database_url
    first = run(url, "demo", "--password-stdin", stdin="mật-khẩu-thử\n")
    assert first.exit_code == 0, first.output
    for member in ("m01", "m03", "m10", "m12", "m20", "m30"):
        assert f"{member}@tb" in first.output
        assert login(url, f"{member}@tb", "mật-khẩu-thử")
    app = make_app(settings)
    try:
        org = app.view(Organisation.id_for("tb"))
        assert isinstance(org, Organisation) and org.auditors == ["m30"]
        assert org.members["m10"].name == "Hoàng Văn Em"  # tests/scenarios/ward-q1.yaml
    finally:
        app.close()
    again = run(url, "demo", "--password-stdin", stdin="mật-khẩu-thử\n")
    assert again.exit_code == 0 and " 0 lệnh mới" in again.output, again.output
