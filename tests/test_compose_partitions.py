"""deploy/partitions: two partitions over the production compose file (no Docker engine
here: the files are checked). Each partition of the directory has its own database,
namespace and processes, workers are scaled, and the single-partition services stay off."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from workers.partitions import load_directory

ROOT = Path(__file__).parent.parent
BASE = ROOT / "docker-compose.yml"
OVERRIDE = ROOT / "deploy" / "partitions" / "docker-compose.partitions.yml"
DIRECTORY = ROOT / "deploy" / "partitions" / "partitions.yaml"
PROCESSES = ("migrate", "worker", "projector", "dispatcher")


def _services(path: Path) -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))["services"]
    return services


def test_every_partition_has_its_own_store_namespace_and_processes() -> None:
    directory = load_directory(DIRECTORY)
    services = _services(OVERRIDE)
    assert len(directory.partitions) == 2
    for partition in directory.partitions:
        database = urlsplit(partition.database_url).path
        for process in PROCESSES:
            env = services[f"chibo-{process}-{partition.name}"]["environment"]
            assert (
                urlsplit(env["CHIBO_DATABASE_URL"].replace("${POSTGRES_PASSWORD:-chibo}", "x")).path
                == database
            )
            assert env["CHIBO_TEMPORAL_NAMESPACE"] == partition.temporal_namespace
            assert env["CHIBO_DATA_DIR"].endswith(f"/{partition.name}")
        assert services[f"chibo-worker-{partition.name}"]["deploy"]["replicas"] >= 2
        namespace = services[f"temporal-namespace-{partition.name}"]["environment"]
        assert namespace["TEMPORAL_NAMESPACE"] == partition.temporal_namespace
        assert database.lstrip("/") in services["partitions-db"]["entrypoint"][-1]


def test_single_partition_services_are_off_and_every_dependency_exists() -> None:
    base, override = _services(BASE), _services(OVERRIDE)
    for name in (
        "chibo-migrate",
        "chibo-worker",
        "chibo-projector",
        "chibo-dispatcher",
        "chibo-api",
    ):
        assert override[name]["profiles"] == ["single"]
    known = set(base) | set(override)
    for name, service in override.items():
        for needed in service.get("depends_on", {}):
            assert needed in known, f"{name} depends on unknown {needed}"
    rollup = override["chibo-rollup"]
    assert rollup["profiles"] == ["rollup"]
    assert any(v.endswith(":/etc/chibo/partitions.yaml:ro") for v in rollup["volumes"])
    assert "/etc/chibo/partitions.yaml" in rollup["command"]


def test_one_front_serves_every_partition_on_the_single_apis_address() -> None:
    base, override = _services(BASE), _services(OVERRIDE)
    front = override["chibo-front"]
    assert front["command"] == ["api"]
    assert front["environment"]["CHIBO_PARTITIONS_FILE"] == "/etc/chibo/partitions.yaml"
    assert any(v.endswith(":/etc/chibo/partitions.yaml:ro") for v in front["volumes"])
    assert front["ports"] == base["chibo-api"]["ports"]  # where users already go
    for partition in load_directory(DIRECTORY).partitions:
        assert front["depends_on"][f"chibo-migrate-{partition.name}"] == {
            "condition": "service_completed_successfully"
        }
