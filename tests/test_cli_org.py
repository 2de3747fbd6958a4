"""`chibo org create`: a new organisation is judged by every checked rule (version 2)
unless it asks for the first set."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from workers.cli import app as cli
from workers.settings import Settings
from workers.wiring import make_app


@pytest.mark.parametrize(("args", "version"), [([], 2), (["--rules-version", "1"], 1)])
def test_org_create_sets_the_rules_version(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, args: list[str], version: int
) -> None:
    monkeypatch.setenv("CHIBO_DATABASE_URL", settings.database_url)
    base = ["org", "create", "--id", "tb", "--name", "Đảng ủy phường Thạch Bàn"]
    result = CliRunner().invoke(
        cli, [*base, "--secretary", "m01", "--occurred-on", "2026-01-02", *args]
    )
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(
        cli, [*base, "--secretary", "m01", "--occurred-on", "2026-01-02", *args]
    )
    assert again.exit_code == 0, again.output  # a repeat changes nothing
    app = make_app(settings)
    try:
        assert app.policy_on("tb", date(2026, 1, 2)).rules_version == version
    finally:
        app.close()
    bad = CliRunner().invoke(cli, [*base, "--secretary", "m01", "--rules-version", "3"])
    assert bad.exit_code == 2 and "rules-version" in bad.output
