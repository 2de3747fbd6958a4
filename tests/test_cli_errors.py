"""Clear errors everywhere (issue 10, item 6), through the real command line.

Exit codes: 0 done; 1 refused (a rule, an unknown member/cell/organisation, some items
of an import) or an unexpected failure; 2 usage or configuration (a bad option, a bad
scenario file, settings or a database that cannot be used). Never a traceback; a
refused scenario file stores nothing; passwords are never printed; SQLite files are
readable by their owner only.
"""

from __future__ import annotations

import os
import random
import sqlite3
import stat
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from tests.conftest import _reset_pg
from tests.test_cli_read_models import _imported
from workers.cli import app as cli
from workers.settings import Settings
from workers.wiring import init_db

SCENARIOS = Path(__file__).parent / "scenarios"
WARD = (SCENARIOS / "ward-q1.yaml").read_bytes()
PASSWORD = "s3cr3t-pw"


def run(url: str, *args: str, **env: str) -> Result:
    result = CliRunner().invoke(cli, list(args), env={"CHIBO_DATABASE_URL": url, **env})
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def events(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def fresh(tmp_path: Path) -> tuple[str, Path]:
    """An initialised, empty SQLite store."""
    path = tmp_path / "chibo.db"
    url = f"sqlite:///{path}"
    init_db(Settings(database_url=url))
    return url, path


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store with ward-q1 imported and projected."""
    url = f"sqlite:///{tmp_path_factory.mktemp('ward') / 'chibo.db'}"
    settings = Settings(database_url=url)
    init_db(settings)
    _imported(settings)
    return url


# --- settings and the database ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["mysql://u@h/db", "sqlite://relative.db", "no-scheme"])
def test_bad_database_url_scheme_names_the_setting(url: str) -> None:
    result = run(url, "inbox", "m01")
    assert result.exit_code == 2, result.output
    assert "CHIBO_DATABASE_URL" in result.output


def test_mistyped_sqlite_path_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    for args in (["inbox", "m01"], ["compliance"], ["audit", "history", "c1"], ["import", "x"]):
        result = run(f"sqlite:///{path}", *args)
        assert result.exit_code == 2, result.output
        assert "chibo db init" in result.output or "'x'" in result.output
    assert not path.exists()


def test_sqlite_file_without_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    result = run(f"sqlite:///{path}", "figures", "tb")
    assert result.exit_code == 2, result.output
    assert "missing tables" in result.output and "chibo db init" in result.output


def test_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database " * 100)
    result = run(f"sqlite:///{path}", "inbox", "m01")
    assert result.exit_code == 2, result.output
    assert "SQLite" in result.output


def test_sqlite_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "chibo.db"
    url = f"sqlite:///{path}"
    assert run(url, "db", "init").exit_code == 0
    assert run(url, "import", str(SCENARIOS / "policy-compliance.yaml")).exit_code in (0, 1)
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    assert path in files
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.postgres
def test_unreachable_postgres_is_one_line_and_masks_the_password() -> None:
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/chibo"
    for args in (["inbox", "m01"], ["db", "init"], ["audit", "history", "c1"]):
        result = run(url, *args)
        assert result.exit_code == 2, result.output
        assert "cannot connect" in result.output or "database" in result.output
        assert PASSWORD not in result.output


@pytest.mark.postgres
def test_postgres_without_tables_says_run_db_init(pg_server: str) -> None:
    _reset_pg(pg_server)
    result = run(pg_server, "compliance")
    assert result.exit_code == 2, result.output
    assert "chibo db init" in result.output


@pytest.mark.postgres
def test_db_init_and_audit_verify_never_print_the_password(pg_server: str, tmp_path: Path) -> None:
    _reset_pg(pg_server)
    url = pg_server.replace("postgres@", f"postgres:{PASSWORD}@", 1)  # trust: any password
    assert PASSWORD in url
    init = run(url, "db", "init")
    assert init.exit_code == 0, init.output
    key = str(tmp_path / "audit.pem")
    assert run(url, "audit", "keygen", CHIBO_AUDIT_KEY_PATH=key).exit_code == 0
    verify = run(url, "audit", "verify", CHIBO_AUDIT_KEY_PATH=key)
    assert verify.exit_code in (0, 1), verify.output
    for result in (init, verify):
        assert PASSWORD not in result.output
        assert "***" in result.output


# --- options and unknown records ----------------------------------------------------------


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "2026-H3", "20x6", "2026-00", " 2026"])
def test_bad_period_names_the_option(ward: str, period: str) -> None:
    for command in (["compliance"], ["figures", "tb"]):
        result = run(ward, *command, "--period", period)
        assert result.exit_code == 2, result.output
        assert "--period" in result.output


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["inbox", "m999"], "m999"),
        (["compliance", "--cell", "c9", "--period", "2026-Q1"], "c9"),
        (["figures", "nosuchorg", "--period", "2026-Q1"], "nosuchorg"),
    ],
)
def test_unknown_member_cell_organisation_is_an_error(
    ward: str, args: list[str], what: str
) -> None:
    result = run(ward, *args)
    assert result.exit_code == 1, result.output
    assert what in result.output and "unknown" in result.output
    assert "100%" not in result.output


def test_known_records_still_answer(ward: str) -> None:
    assert run(ward, "inbox", "m04").exit_code == 0
    assert run(ward, "compliance", "--cell", "c1", "--period", "2026-Q1").exit_code == 0
    assert run(ward, "figures", "tb", "--period", "2026-Q1").exit_code == 0


def test_audit_checkpoint_without_a_key(ward: str, tmp_path: Path) -> None:
    result = run(ward, "audit", "checkpoint", CHIBO_AUDIT_KEY_PATH=str(tmp_path / "no.pem"))
    assert result.exit_code == 2, result.output
    assert "no.pem" in result.output


def test_safety_net_prints_one_line(ward: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("workers.cli.records.escalation_inbox", boom)
    result = run(ward, "inbox", "m04")
    assert result.exit_code == 1
    assert "RuntimeError: boom" in result.output and "second line" not in result.output


# --- scenario files ---------------------------------------------------------------------------

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "not utf-8": ("name: Th\xe1ch B\xe0n\n".encode("latin-1"), "UTF-8"),
    "nested": (b"version: 1\nname: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested"),
    "nested mappings": (b"a:\n" + b"".join(b" " * i + b"b:\n" for i in range(1, 60)), "nested"),
    "duplicate key": (WARD.replace(b"name: ", b"name: x\nname: ", 1), "duplicate key 'name'"),
    "oversized": (WARD + b"#" * (3 * 1024 * 1024), "too large"),
    "missing field": (b"version: 1\nname: x\nstart: 2026-01-01\nend: 2026-02-01\n", "organization"),
    "nested missing field": (
        b"version: 1\nname: x\nstart: 2026-01-01\nend: 2026-02-01\norganization: {id: tb}\n",
        "organization.name: Field required",
    ),
    "a list": (b"- 1\n- 2\n", "expected a mapping"),
    "empty": (b"", "empty file"),
    "bad yaml": (b"version: [1\n", "line"),
    "alias": (b"a: &x [1]\nb: *x\n", "aliases"),
    "number key": (b"version: 1\n2026: x\n", "key must be text"),
    "nul byte": (b"version: 1\x00\n", "NUL"),
    "wrong version": (WARD.replace(b"version: 1", b"version: 3", 1), "version"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_scenario_file_is_one_message_and_stores_nothing(
    fresh: tuple[str, Path], tmp_path: Path, name: str
) -> None:
    url, path = fresh
    content, expected = BAD_FILES[name]
    file = tmp_path / "scenario.yaml"
    file.write_bytes(content)
    for command in ("import", "simulate"):
        result = run(url, command, str(file))
        assert result.exit_code == 2, result.output
        assert "invalid scenario file" in result.output
        assert expected in result.output, result.output
        assert "input_type" not in result.output and "errors.pydantic.dev" not in result.output
    assert events(path) == 0


def test_yaml_1_1_booleans_stay_text(fresh: tuple[str, Path], tmp_path: Path) -> None:
    """`on`/`no`/`yes` are text: `no: x` is an unknown field by its name, not `True`."""
    url, path = fresh
    file = tmp_path / "scenario.yaml"
    file.write_bytes(WARD.replace(b"version: 1", b"version: 1\nno: x", 1))
    result = run(url, "import", str(file))
    assert result.exit_code == 2
    assert "no: Extra inputs are not permitted" in result.output
    assert events(path) == 0


def test_import_exit_codes(fresh: tuple[str, Path], tmp_path: Path) -> None:
    """1 while any item is refused; 0 when every item is applied or already applied."""
    url, path = fresh
    clean = tmp_path / "clean.yaml"
    data = yaml.safe_load(WARD)
    data["timeline"] = data["timeline"][:1]
    clean.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    first = run(url, "import", str(clean))
    assert first.exit_code == 0, first.output
    assert run(url, "import", str(clean)).exit_code == 0  # already applied
    refused = run(url, "import", str(SCENARIOS / "ward-q1.yaml"))
    assert refused.exit_code == 1, refused.output
    assert "[R20]" in refused.output  # a rule in brackets survives the printing
    assert events(path) > 0


def test_setup_fields_out_of_bounds_refuse_the_file(
    fresh: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = fresh
    file = tmp_path / "odd.yaml"
    data = yaml.safe_load(WARD)
    data["policy"] = {"R13": 10**40}  # a number no command id can hash
    data["timeline"][0]["hold_meeting"]["duration_minutes"] = 10**30
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run(url, "import", str(file))
    # Out of every command's bounds: the file itself is refused, naming the field.
    assert result.exit_code == 2, result.output
    assert "policy" in result.output
    assert "Traceback" not in result.output


# --- the fuzz ---------------------------------------------------------------------------------

_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.text(max_size=20),
    st.dates(),
    st.sampled_from(["m01", "c1", "tb", "regular", "2026-01-05", "on", "[red]x[/red]"]),
)
_keys = st.sampled_from(
    [
        *("version", "name", "start", "end", "organization", "members", "cells", "timeline"),
        *("id", "secretary", "date", "hold_meeting", "cell", "kind", "present", "x", "on"),
    ]
)
_documents = st.recursive(
    _leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=5)),
    max_leaves=25,
)


def _dumped(document: object) -> bytes:
    return yaml.safe_dump(document, allow_unicode=True).encode("utf-8")


@st.composite
def _mutations(draw: st.DrawFn) -> bytes:
    """ward-q1.yaml with a few lines dropped, repeated or altered, or bytes changed."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    lines = WARD.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        i = rng.randrange(len(lines))
        action = rng.choice(["drop", "repeat", "indent", "value", "byte"])
        if action == "drop":
            del lines[i]
        elif action == "repeat":
            lines.insert(i, lines[i])
        elif action == "indent":
            lines[i] = b" " + lines[i]
        elif action == "value" and b": " in lines[i]:
            key = lines[i].split(b": ", 1)[0]
            lines[i] = key + b": " + rng.choice([b"", b"-1", b"[]", b"{}", b"x" * 70, b"99999999"])
        else:
            raw = bytearray(lines[i] or b" ")
            raw[rng.randrange(len(raw))] = rng.randrange(256)
            lines[i] = bytes(raw)
    return b"\n".join(lines)


_files = st.one_of(
    _documents.map(_dumped),
    st.dictionaries(_keys, _documents, max_size=6).map(_dumped),
    st.binary(max_size=200),
    _mutations(),
)


@hsettings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=_files)
def test_fuzz_scenario_files(tmp_path_factory: pytest.TempPathFactory, content: bytes) -> None:
    """Every file: exit 0, 1 or 2 with a message, never a traceback; nothing stored on 2."""
    root = tmp_path_factory.mktemp("fuzz")
    path = root / "chibo.db"
    url = f"sqlite:///{path}"
    init_db(Settings(database_url=url))
    file = root / "scenario.yaml"
    file.write_bytes(content)
    result = run(url, "import", str(file))
    assert result.exit_code in (0, 1, 2), result.output
    assert result.output.strip()
    if result.exit_code == 2:
        assert "invalid scenario file" in result.output, result.output
        assert events(path) == 0
    os.remove(path)
