"""Static checks of the production deployment: docker-compose.yml, Dockerfile, .dockerignore
and the scripts in deploy/. No Docker engine is needed: the files are parsed as Docker would
read them, and the shell scripts run against stub `temporal-sql-tool` / `temporal` commands."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"

SCHEMA_JOB = "temporal-schema"
NAMESPACE_JOB = "temporal-namespace"
CHIBO_DAEMONS = ("chibo-worker", "chibo-projector", "chibo-dispatcher", "chibo-api")
CHIBO_SERVICES = ("chibo-migrate", *CHIBO_DAEMONS)
ONE_SHOT_JOBS = (SCHEMA_JOB, NAMESPACE_JOB, "chibo-migrate")
LONG_RUNNING = ("postgres", "temporal", "temporal-ui", *CHIBO_DAEMONS)
EXPECTED_SERVICES = {*ONE_SHOT_JOBS, *LONG_RUNNING}
CHIBO_ENV_VARS = {
    "CHIBO_DATABASE_URL",
    "CHIBO_TEMPORAL_ADDRESS",
    "CHIBO_TEMPORAL_NAMESPACE",
    "CHIBO_TASK_QUEUE",
    "CHIBO_DATA_DIR",
}
API_ENV_VARS = {"CHIBO_HTTP_HOST", "CHIBO_HTTP_PORT"}
"""chibo-api's own, beside the five every chibo service gets."""
SCHEMA_ROOT = "/etc/temporal/schema/postgresql/v12"


# --- reading the compose file ------------------------------------------------------------


@cache
def compose() -> dict[str, Any]:
    """docker-compose.yml as YAML 1.1 sees it (anchors and `<<` merges resolved)."""
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "docker-compose.yml must be a mapping"
    return loaded


def service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"service {name!r} missing from docker-compose.yml"
    result: dict[str, Any] = services[name]
    return result


def environment(name: str) -> dict[str, str]:
    """A service's environment as a dict, whichever of compose's two forms it uses."""
    env = service(name).get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)")


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """Compose variable substitution for the forms used here: $$, $VAR, ${VAR}, ${VAR:-default}."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(3)
        return environ.get(name) or match.group(2) or ""

    return _VARIABLE.sub(substitute, value)


def resolved_env(name: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A service's environment after substitution from `environ` (default: nothing set)."""
    return {key: interpolate(value, environ or {}) for key, value in environment(name).items()}


def depends_on(name: str) -> dict[str, str]:
    """Dependency name -> condition (the short list form means service_started)."""
    deps = service(name).get("depends_on", {})
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {dep: spec.get("condition", "service_started") for dep, spec in deps.items()}


def bind_mounts(name: str) -> list[tuple[str, str]]:
    """(source, target) of a service's volumes whose source is a path (not a named volume)."""
    mounts = []
    for volume in service(name).get("volumes", []):
        if isinstance(volume, dict):
            source, target = volume.get("source", ""), volume["target"]
        else:
            source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            mounts.append((source, target))
    return mounts


def repo_file_behind(name: str, container_path: str) -> Path | None:
    """The repo file a service sees at `container_path` through a bind mount, if any."""
    for source, target in bind_mounts(name):
        if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
            return REPO / source / container_path[len(target) :].lstrip("/")
    return None


def image_tag(image: str) -> str:
    """The tag of `repo[:tag][@digest]`, or '' when there is none."""
    without_digest = image.split("@", 1)[0]
    last_part = without_digest.rsplit("/", 1)[-1]
    return last_part.split(":", 1)[1] if ":" in last_part else ""


def walk_keys(node: Any) -> Iterator[Any]:
    """Every mapping key anywhere in a parsed YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from walk_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_keys(item)


def as_argv(value: str | list[str]) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else list(value)


def service_argv(name: str) -> list[str]:
    """What a service runs: its entrypoint followed by its command."""
    spec = service(name)
    return as_argv(spec.get("entrypoint", [])) + as_argv(spec.get("command", []))


# --- compose: structure -----------------------------------------------------------------


def test_compose_has_no_obsolete_or_ambiguous_keys() -> None:
    assert "version" not in compose(), "the top-level `version` key is obsolete"
    # YAML 1.1 reads a bare `on`/`off`/`yes`/`no` key as a boolean.
    booleans = [key for key in walk_keys(compose()) if isinstance(key, bool)]
    assert not booleans, "a bare on/off/yes/no key was read as a boolean; quote it"


def test_expected_services_present() -> None:
    missing = EXPECTED_SERVICES - set(compose()["services"])
    assert not missing, f"services missing: {sorted(missing)}"


def test_every_image_is_pinned_to_an_explicit_tag() -> None:
    for name, spec in compose()["services"].items():
        assert "image" in spec or "build" in spec, f"{name}: neither image nor build"
        if "image" not in spec:
            continue
        image, tag = spec["image"], image_tag(spec["image"])
        assert tag, f"{name}: image {image!r} has no tag"
        assert tag != "latest", f"{name}: image {image!r} uses latest"
        assert re.match(r"\d+\.\d+", tag), f"{name}: {image!r} is not pinned to a minor version"
        assert "auto-setup" not in image, f"{name}: temporalio/auto-setup is deprecated"


def test_temporal_server_and_admin_tools_share_a_version() -> None:
    """The admin-tools schema files must match the server that runs against them."""
    server_tag = image_tag(service("temporal")["image"])
    for job in (SCHEMA_JOB, NAMESPACE_JOB):
        assert service(job)["image"] == f"temporalio/admin-tools:{server_tag}", job


def test_named_volumes_are_declared() -> None:
    declared = set(compose().get("volumes") or {})
    for name, spec in compose()["services"].items():
        for volume in spec.get("volumes", []):
            source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":")[0]
            if source and not source.startswith((".", "/")):
                assert source in declared, f"{name}: named volume {source!r} is not declared"


def test_files_mounted_from_the_repo_exist() -> None:
    for name in compose()["services"]:
        for source, target in bind_mounts(name):
            assert not source.startswith("/"), f"{name}: {source!r} is outside the repo"
            assert (REPO / source).exists(), f"{name}: mounts {source!r}, not in the repo"
            assert target.startswith("/"), f"{name}: mount target {target!r} is not absolute"


def test_scripts_run_by_the_jobs_are_mounted() -> None:
    for job in (SCHEMA_JOB, NAMESPACE_JOB):
        scripts = [arg for arg in service_argv(job) if arg.endswith(".sh")]
        assert scripts, f"{job}: runs no script"
        for script in scripts:
            host_file = repo_file_behind(job, script)
            assert host_file is not None, f"{job}: {script} is not under a bind mount"
            assert host_file.is_file(), f"{job}: {script} maps to missing {host_file}"


# --- compose: restarts, health, ordering ---------------------------------------------------


def test_restart_policies() -> None:
    for name in LONG_RUNNING:
        assert service(name).get("restart") == "unless-stopped", f"{name}: restart policy"
    for name in ONE_SHOT_JOBS:
        # A quoted string: a bare `no` would be YAML 1.1's boolean false.
        restart = service(name).get("restart")
        assert isinstance(restart, str), f"{name}: restart must be a string, got {restart!r}"
        assert re.fullmatch(r"no|on-failure(:\d+)?", restart), f"{name}: {restart!r}"


def test_healthchecks_on_postgres_temporal_and_chibo_daemons() -> None:
    for name in ("postgres", "temporal", *CHIBO_DAEMONS):
        check = service(name).get("healthcheck")
        assert check and not check.get("disable"), f"{name}: no healthcheck"
        test = check["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, f"{name}: test {test!r}"
    assert "pg_isready" in service("postgres")["healthcheck"]["test"]


def test_healthy_conditions_point_at_services_with_healthchecks() -> None:
    for name in compose()["services"]:
        for dep, condition in depends_on(name).items():
            assert dep in compose()["services"], f"{name} depends on unknown {dep!r}"
            if condition == "service_healthy":
                assert "healthcheck" in service(dep), f"{name} waits for {dep}, no healthcheck"
            if condition == "service_completed_successfully":
                assert dep in ONE_SHOT_JOBS, f"{name} waits for {dep} to exit; it never does"


def test_depends_on_conditions() -> None:
    expected = {
        SCHEMA_JOB: {"postgres": "service_healthy"},
        "temporal": {SCHEMA_JOB: "service_completed_successfully"},
        NAMESPACE_JOB: {"temporal": "service_healthy"},
        "temporal-ui": {"temporal": "service_healthy"},
        "chibo-migrate": {"postgres": "service_healthy"},
        "chibo-projector": {"chibo-migrate": "service_completed_successfully"},
    }
    for name, deps in expected.items():
        for dep, condition in deps.items():
            assert depends_on(name).get(dep) == condition, f"{name} -> {dep}: {condition}"
    for name in ("chibo-worker", "chibo-dispatcher"):
        deps = depends_on(name)
        assert deps.get("chibo-migrate") == "service_completed_successfully", name
        assert deps.get("temporal") == "service_healthy", name


def test_chibo_daemon_healthcheck_recognises_the_chibo_process() -> None:
    """Runs the healthcheck's Python against fake /proc files."""
    test = service("chibo-worker")["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test
    code = compile(test[3], "<healthcheck>", "exec")

    def exit_code(cmdline: bytes, stat: bytes) -> int:
        files = {"/proc/1/cmdline": cmdline, "/proc/1/stat": stat}

        class FakeFile:
            def __init__(self, path: str, mode: str = "r") -> None:
                self.data = files[path]

            def read(self) -> bytes:
                return self.data

        with pytest.raises(SystemExit) as exited:
            exec(code, {"open": FakeFile})
        return int(exited.value.code or 0)

    chibo = b"/usr/local/bin/python3.11\0/usr/local/bin/chibo\0worker\0"
    assert exit_code(chibo, b"1 (chibo) S 0 1 1 0") == 0
    assert exit_code(chibo, b"1 (odd) name) R 0 1 1 0") == 0
    assert exit_code(chibo, b"1 (chibo) Z 0 1 1 0") == 1, "a zombie is not healthy"
    assert exit_code(b"/bin/sh\0-c\0sleep 1\0", b"1 (sh) S 0 1 1 0") == 1


# --- compose: PostgreSQL and Temporal ------------------------------------------------------


def test_postgres_is_16_with_a_named_volume() -> None:
    spec = service("postgres")
    assert re.fullmatch(r"postgres:16\.\d+(-[\w.]+)?", spec["image"]), spec["image"]
    assert "postgres-data:/var/lib/postgresql/data" in spec["volumes"]
    assert environment("postgres")["POSTGRES_DB"] == "chibo"


def test_temporal_server_uses_postgres12_and_the_shipped_dynamic_config() -> None:
    assert service("temporal")["image"].startswith("temporalio/server:")
    env = resolved_env("temporal")
    db = resolved_env("postgres")
    assert env["DB"] == "postgres12"
    assert env["DB_PORT"] == "5432"
    assert env["POSTGRES_SEEDS"] == "postgres"
    assert env["POSTGRES_USER"] == db["POSTGRES_USER"]
    assert env["POSTGRES_PWD"] == db["POSTGRES_PASSWORD"]
    config = repo_file_behind("temporal", env["DYNAMIC_CONFIG_FILE_PATH"])
    assert config is not None and config.is_file(), "DYNAMIC_CONFIG_FILE_PATH is not shipped"
    assert isinstance(yaml.safe_load(config.read_text(encoding="utf-8")), dict)


def test_temporal_jobs_use_admin_tools_and_reach_their_targets() -> None:
    schema = resolved_env(SCHEMA_JOB)
    assert schema["POSTGRES_SEEDS"] == "postgres"
    assert schema["SQL_PASSWORD"] == resolved_env("postgres")["POSTGRES_PASSWORD"]
    assert resolved_env(NAMESPACE_JOB)["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_temporal_ui() -> None:
    spec = service("temporal-ui")
    assert spec["image"].startswith("temporalio/ui:")
    env = resolved_env("temporal-ui")
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert env["TEMPORAL_CORS_ORIGINS"]
    assert any(str(port).endswith(":8080") for port in spec["ports"]), spec["ports"]


def test_passwords_come_from_the_environment_consistently() -> None:
    """One POSTGRES_PASSWORD reaches PostgreSQL, Temporal and chibo, or its default does."""
    for environ, password in (({}, "chibo"), ({"POSTGRES_PASSWORD": "s3cret"}, "s3cret")):
        assert resolved_env("postgres", environ)["POSTGRES_PASSWORD"] == password
        assert resolved_env("temporal", environ)["POSTGRES_PWD"] == password
        assert resolved_env(SCHEMA_JOB, environ)["SQL_PASSWORD"] == password
        url = urlsplit(resolved_env("chibo-worker", environ)["CHIBO_DATABASE_URL"])
        assert url.password == password


# --- compose: chibo -----------------------------------------------------------------------


def test_chibo_services_build_from_the_dockerfile() -> None:
    for name in CHIBO_SERVICES:
        build = service(name).get("build")
        assert isinstance(build, dict), f"{name}: no build section"
        context = REPO / build.get("context", ".")
        assert context.resolve() == REPO, f"{name}: build context is not the repo root"
        assert (context / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE


def test_chibo_services_get_exactly_the_five_settings() -> None:
    for name in CHIBO_SERVICES:
        extra = API_ENV_VARS if name == "chibo-api" else set()
        assert set(environment(name)) == CHIBO_ENV_VARS | extra, f"{name}: environment"


def test_chibo_settings_point_at_the_services() -> None:
    db = resolved_env("postgres")
    for name in CHIBO_SERVICES:
        env = resolved_env(name)
        url = urlsplit(env["CHIBO_DATABASE_URL"])
        assert url.scheme == "postgresql", f"{name}: use postgresql://user:password@host/db"
        assert (url.hostname, url.port) == ("postgres", 5432), name
        assert url.username == db["POSTGRES_USER"], name
        assert url.path == "/" + db["POSTGRES_DB"], name
        assert env["CHIBO_TEMPORAL_ADDRESS"] == "temporal:7233", name
        assert env["CHIBO_TEMPORAL_NAMESPACE"] == resolved_env(NAMESPACE_JOB)["TEMPORAL_NAMESPACE"]
        assert env["CHIBO_TASK_QUEUE"] == "chibo", name
        assert env["CHIBO_DATA_DIR"] == "/var/lib/chibo", name
        assert "chibo-data:/var/lib/chibo" in service(name)["volumes"], name


def test_chibo_commands() -> None:
    expected = {
        "chibo-migrate": ["db", "init"],
        "chibo-worker": ["worker"],
        "chibo-projector": ["projector"],
        "chibo-dispatcher": ["dispatcher"],
        "chibo-api": ["api"],
    }
    for name, command in expected.items():
        assert as_argv(service(name)["command"]) == command, name
        assert "entrypoint" not in service(name), f"{name}: keep the image's `chibo` entrypoint"


def test_chibo_api_listens_on_all_interfaces_published_on_loopback() -> None:
    env = resolved_env("chibo-api")
    assert env["CHIBO_HTTP_HOST"] == "0.0.0.0"
    assert env["CHIBO_HTTP_PORT"] == "8000"
    assert service("chibo-api")["ports"] == ["127.0.0.1:8000:8000"]
    assert depends_on("chibo-api") == {"chibo-migrate": "service_completed_successfully"}


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        ok = self.path == "/api/health" and type(self).status == 200
        self.send_response(200 if ok else 503)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"database": "ok", "temporal": "ok"}')

    def log_message(self, *args: Any) -> None:
        pass


def test_chibo_api_healthcheck_asks_api_health() -> None:
    """Runs the healthcheck's Python against a stub server: 200 healthy; 503 or no
    server unhealthy."""
    test = service("chibo-api")["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = str(server.server_address[1])

    def exit_code() -> int:
        env = {**os.environ, "CHIBO_HTTP_PORT": port}
        return subprocess.run([sys.executable, "-c", test[3]], env=env, timeout=10).returncode

    try:
        assert exit_code() == 0
        _Health.status = 503
        assert exit_code() == 1, "503 (database or Temporal down) is unhealthy"
    finally:
        _Health.status = 200
        server.shutdown()
        server.server_close()
    assert exit_code() == 1, "no server is unhealthy"


# --- the Temporal scripts, run against stub tools -----------------------------------------


def run_script(script: Path, stubs: dict[str, str], env: dict[str, str], tmp_path: Path) -> str:
    """Runs `script` with sh, `stubs` (name -> sh body) first on PATH; returns the call log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in stubs.items():
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "$STUB_LOG"\n{body}\n')
        stub.chmod(0o755)
    log = tmp_path / "calls.log"
    log.touch()
    full_env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "STUB_LOG": str(log), **env}
    subprocess.run(["sh", str(script)], env=full_env, check=True, capture_output=True, timeout=30)
    return log.read_text()


def job_script(job: str) -> Path:
    script = repo_file_behind(job, next(arg for arg in service_argv(job) if arg.endswith(".sh")))
    assert script is not None
    return script


def test_schema_script_creates_and_migrates_both_databases(tmp_path: Path) -> None:
    calls = run_script(
        job_script(SCHEMA_JOB), {"temporal-sql-tool": "exit 0"}, resolved_env(SCHEMA_JOB), tmp_path
    ).splitlines()
    connect = "temporal-sql-tool --plugin postgres12 --ep postgres -p 5432 -u chibo"
    expected = []
    for db, schema in (("temporal", "temporal"), ("temporal_visibility", "visibility")):
        expected += [
            f"{connect} --db {db} create-database",
            f"{connect} --db {db} setup-schema -v 0.0",
            f"{connect} --db {db} update-schema -d {SCHEMA_ROOT}/{schema}/versioned",
        ]
    assert calls == expected, "the password must stay in SQL_PASSWORD, off the command line"


@pytest.mark.parametrize("exists", [True, False])
def test_namespace_script_describes_or_creates(tmp_path: Path, exists: bool) -> None:
    describe_rc = 0 if exists else 1
    stub = f'case "$*" in *"namespace describe"*) exit {describe_rc};; esac; exit 0'
    calls = run_script(
        job_script(NAMESPACE_JOB), {"temporal": stub}, resolved_env(NAMESPACE_JOB), tmp_path
    )
    assert "temporal operator cluster health --address temporal:7233" in calls
    created = [line for line in calls.splitlines() if "namespace create" in line]
    if exists:
        assert not created, "an existing namespace must not be re-created"
    else:
        assert created == [
            "temporal operator namespace create --address temporal:7233 -n default --retention 72h"
        ]


# --- Dockerfile and .dockerignore -----------------------------------------------------------


@cache
def dockerfile_instructions() -> tuple[tuple[str, str], ...]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuations joined."""
    instructions, pending = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#"):
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        if pending.strip():
            keyword, _, arguments = pending.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(arguments.split())))
        pending = ""
    return tuple(instructions)


def instruction_args(keyword: str) -> list[str]:
    return [args for kw, args in dockerfile_instructions() if kw == keyword]


def copy_sources() -> list[str]:
    sources = []
    for args in instruction_args("COPY"):
        parts = json.loads(args) if args.startswith("[") else shlex.split(args)
        sources += [part for part in parts[:-1] if not part.startswith("--")]
    return sources


def test_dockerfile_base_image_is_pinned_python_311_slim() -> None:
    (base,) = instruction_args("FROM")
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", base), f"FROM {base}"


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = instruction_args("USER")
    assert users, "no USER instruction: the image would run as root"
    assert users[-1].split(":")[0] not in ("root", "0"), f"USER {users[-1]}"


def test_dockerfile_installs_with_the_constraints_file() -> None:
    installs = [args for args in instruction_args("RUN") if "pip install" in args]
    assert installs, "no pip install"
    argv = shlex.split(installs[-1].split("&&")[0])
    assert "--no-cache-dir" in argv
    assert argv[argv.index("-c") + 1] == "constraints.txt", "install with -c constraints.txt"
    assert argv[-1] == ".", "install the project itself"


def test_dockerfile_copies_what_the_build_needs() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    needed = {"pyproject.toml", "constraints.txt"}
    needed |= {pattern.rstrip("*") + "/" for pattern in packages}
    missing = needed - set(copy_sources())
    assert not missing, f"Dockerfile does not COPY {sorted(missing)}"


def test_dockerfile_copy_sources_exist() -> None:
    missing = [source for source in copy_sources() if not (REPO / source).exists()]
    assert not missing, f"COPY sources missing from the repo: {missing}"


def test_dockerfile_entrypoint_is_the_chibo_console_script() -> None:
    assert [json.loads(args) for args in instruction_args("ENTRYPOINT")] == [["chibo"]]
    assert [json.loads(args) for args in instruction_args("CMD")] == [["worker"]]
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "chibo" in pyproject["project"]["scripts"], "pyproject defines no `chibo` script"


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def is_ignored(path: str, patterns: list[str]) -> bool:
    """Close enough to Docker's matching for plain names, globs and **/ prefixes."""
    path = path.rstrip("/")
    for pattern in patterns:
        if pattern.startswith("**/"):
            if fnmatch.fnmatch(path.rsplit("/", 1)[-1], pattern.removeprefix("**/")):
                return True
        elif fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/"):
            return True
    return False


def test_dockerignore_keeps_local_state_out_but_not_the_sources() -> None:
    patterns = dockerignore_patterns()
    for local in (".venv", "var", ".git", ".env", ".pytest_cache", "domain/__pycache__"):
        assert is_ignored(local, patterns), f".dockerignore lets {local} into the context"
    for source in copy_sources():
        assert not is_ignored(source, patterns), f".dockerignore drops COPY source {source}"
