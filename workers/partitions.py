"""Partitions: one event store per partition (a province, or any set of organisations),
with its own log, chain, checkpoints, read models, projector, dispatcher and workers, in
its own database, and its own Temporal namespace in one cluster. The directory (a YAML
file, `CHIBO_PARTITIONS`) maps each organisation to its partition; a process serves one
partition (its settings are the directory's entry over the shared ones), and roll-ups
read every partition's read models and add them up (`projections/rollup.py`).

    partitions:
      - name: hanoi
        database_url: postgresql://chibo@db:5432/chibo_hanoi
        temporal_namespace: chibo-hanoi
        organisations: [ba-dinh-phuc-xa, hoan-kiem-hang-bac]
"""

from __future__ import annotations

import logging
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.types import ASGIApp

from api.deps import Services
from api.front import PartitionRouter
from domain.commands import Id
from web.site import create_site
from workers.settings import Settings
from workers.wiring import make_api_services

_log = logging.getLogger(__name__)


class Partition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Id
    database_url: str
    temporal_namespace: str = Field(min_length=1, max_length=200)
    task_queue: str = "chibo"
    organisations: list[Id] = Field(default_factory=list)

    def settings(self, base: Settings) -> Settings:
        """The shared settings with this partition's store, namespace and queue (each
        partition keeps its own data folder: mail, witness copies)."""
        return base.model_copy(
            update={
                "database_url": Settings(database_url=self.database_url).database_url,
                "temporal_namespace": self.temporal_namespace,
                "task_queue": self.task_queue,
                "data_dir": base.data_dir / self.name,
            }
        )


class Directory(BaseModel):
    """Which partition holds each organisation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    partitions: list[Partition] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_once(self) -> Directory:
        names = [p.name for p in self.partitions]
        if len(set(names)) != len(names):
            raise ValueError("a partition name is given twice")
        seen: dict[str, str] = {}
        for partition in self.partitions:
            for org in partition.organisations:
                if org in seen:
                    raise ValueError(f"organisation {org} is in {seen[org]} and {partition.name}")
                seen[org] = partition.name
        stores = [p.database_url for p in self.partitions]
        if len(set(stores)) != len(stores):
            raise ValueError("two partitions share a database: each has its own log and chain")
        return self

    def partition_of(self, organisation: str) -> Partition:
        for partition in self.partitions:
            if organisation in partition.organisations:
                return partition
        raise KeyError(f"organisation {organisation} is in no partition of the directory")

    def named(self, name: str) -> Partition:
        for partition in self.partitions:
            if partition.name == name:
                return partition
        raise KeyError(f"no partition {name}")


class DirectoryError(ValueError):
    """The directory file cannot be read or is not a directory (one clear message)."""


def load_directory(path: Path) -> Directory:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DirectoryError(f"cannot read {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise DirectoryError(f"{path}: YAML: {error}") from None
    try:
        return Directory.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
            for e in error.errors(include_url=False, include_input=False)
        )
        raise DirectoryError(f"{path}: {problems}") from None


class LiveDirectory:
    """The directory as its file says now: read again when the file changes (a move
    rewrites it), so a running front routes a moved organisation to its new partition.
    The partitions themselves are fixed for the process: a file that adds or removes
    one, or does not read, is logged and the last good directory kept."""

    def __init__(self, directory: Directory, path: Path | None = None) -> None:
        self.directory = directory
        self._path = path
        self._stamp = self._stat()

    def _stat(self) -> tuple[int, int] | None:
        if self._path is None:
            return None
        try:
            found = self._path.stat()
        except OSError:
            return self._stamp
        return (found.st_ino, found.st_mtime_ns)

    def current(self) -> Directory:
        stamp = self._stat()
        if stamp != self._stamp and self._path is not None:
            self._stamp = stamp
            try:
                fresh = load_directory(self._path)
            except DirectoryError as error:
                _log.warning("partitions file not reloaded: %s", error)
                return self.directory
            if [p.name for p in fresh.partitions] != [p.name for p in self.directory.partitions]:
                _log.warning("partitions file not reloaded: its partitions changed (restart)")
                return self.directory
            self.directory = fresh
        return self.directory


def front(
    directory: Directory, base: Settings, path: Path | None = None
) -> tuple[ASGIApp, list[Services]]:
    """One site for every partition (`api/front.py`): each partition's API and pages
    over its own store, chosen per request by the caller's organisation (from the file
    at `path` as it is now, when given). Returns the ASGI app and the partitions'
    services (to close when the front stops)."""
    services = {p.name: make_api_services(p.settings(base)) for p in directory.partitions}
    apps = {name: create_site(found) for name, found in services.items()}
    live = LiveDirectory(directory, path)

    def partition_of(organisation: str) -> str | None:
        try:
            return live.current().partition_of(organisation).name
        except KeyError:
            return None

    return PartitionRouter(apps, partition_of), list(services.values())
