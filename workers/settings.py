"""Settings: the one place that reads the environment (and an optional `.env`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_audit_key_path() -> Path:
    """`$XDG_CONFIG_HOME/chibo/audit/ed25519.pem` (`~/.config/…` without it): the user's
    configuration, never beside the database (`var/`), whose writers could read it."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "chibo" / "audit" / "ed25519.pem"


class Settings(BaseSettings):
    """chibo's configuration; every field maps to one `CHIBO_*` variable."""

    model_config = SettingsConfigDict(
        env_prefix="CHIBO_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///var/chibo.db",
        description="`sqlite:///PATH` or `postgresql://user@host:port/db`",
    )
    temporal_address: str = Field(
        default="", description="host:port of Temporal; empty starts the embedded dev server"
    )
    temporal_namespace: str = "default"
    task_queue: str = "chibo"
    data_dir: Path = Path("var")
    projector_batch_size: int = Field(default=500, ge=1)
    dispatcher_batch_size: int = Field(default=100, ge=1)
    worker_cache_size: int = Field(default=1000, ge=0)
    """Workflows a worker keeps in memory (0: none, every task replays its history)."""
    audit_key_path: Path = Field(default_factory=lambda: default_audit_key_path())
    """The Ed25519 key that signs checkpoints: outside the database's directory, by
    default in the user's configuration directory (see default_audit_key_path)."""
    audit_witness_dir: Path | None = None
    """Where every signed checkpoint is also appended (`checkpoints.jsonl`); in
    production a place the database's administrators cannot write."""
    personal_keys_dir: Path | None = None
    """Where per-member keys live; set it to store members' personal fields sealed."""
    checkpoint_every: int = Field(default=1000, ge=1)
    """The projector signs a checkpoint once this many events are unsigned."""
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    http_host: str = "127.0.0.1"
    """Where `chibo api` (and `chibo up`) serve the HTTP API."""
    http_port: int = Field(default=8000, ge=1, le=65535)
    smtp_url: str = ""
    """`smtp://user:password@host:587` (STARTTLS when the server offers it) or
    `smtps://…` (implicit TLS); empty: the local mail sink on `mail_sink_port`."""
    mail_from: str = "chibo <chibo@localhost>"
    mail_sink_port: int = Field(default=8025, ge=1, le=65535)
    """Where `chibo up`'s embedded mail sink listens when `smtp_url` is empty."""
    partitions_file: Path | None = None
    """The partitions directory (YAML, `workers/partitions.py`); unset: one partition."""
    public_url: str = ""
    """Base URL of the pages, for links in messages; empty: `http://{http_host}:{http_port}`."""

    @property
    def effective_smtp_url(self) -> str:
        return self.smtp_url or f"smtp://127.0.0.1:{self.mail_sink_port}"

    @property
    def mail_dir(self) -> Path:
        """Where the local mail sink keeps every message it receives."""
        return self.data_dir / "mail"

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        scheme = urlsplit(url).scheme
        if scheme == "sqlite":
            if not url.startswith("sqlite:///") or url == "sqlite:///":
                raise ValueError("a SQLite URL is sqlite:///PATH (three slashes, then the file)")
            return url
        if scheme in ("postgresql", "postgres"):
            return url
        raise ValueError(
            f"unsupported scheme {scheme or '(none)'!r}: use sqlite:///PATH"
            " or postgresql://user@host:port/db"
        )

    @property
    def safe_database_url(self) -> str:
        """The database URL with its password masked: the only form ever printed."""
        return redact_url(self.database_url)

    @property
    def backend(self) -> Literal["sqlite", "postgres"]:
        scheme = urlsplit(self.database_url).scheme
        if scheme == "sqlite":
            return "sqlite"
        if scheme in ("postgresql", "postgres"):
            return "postgres"
        raise ValueError(f"CHIBO_DATABASE_URL: unsupported scheme {scheme!r}")

    @property
    def sqlite_path(self) -> str:
        """The SQLite file named by `sqlite:///PATH` (relative to the working directory)."""
        path = self.database_url.removeprefix("sqlite:///")
        return path if path == ":memory:" else str(Path(path))

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"

    def eventsourcing_env(self, *, create_table: bool = False) -> dict[str, str]:
        """Maps these settings onto the `eventsourcing` persistence settings."""
        env = {"CREATE_TABLE": "y" if create_table else "n"}
        if self.backend == "sqlite":
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "APPLICATION_RECORDER_TOPIC": "audit.recorders:ChainedSQLiteApplicationRecorder",
                "SQLITE_DBNAME": self.sqlite_path,
                "SQLITE_LOCK_TIMEOUT": "30",
            }
            return env
        url = urlsplit(self.database_url)
        env |= {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": "audit.recorders:ChainedPostgresApplicationRecorder",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "4",
        }
        return env


def redact_url(url: str) -> str:
    """The URL with its password (if any) masked, fit for a terminal or a log."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "(unreadable URL)"
    if password is None:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
