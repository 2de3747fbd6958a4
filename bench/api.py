"""HTTP API benchmark: on a throw-away PostgreSQL database holding the ward-q1 scenario
(tests/scenarios/ward-q1.yaml) and accounts, serve the API with uvicorn on a free port
(read models kept by a projector thread, as `chibo up` runs them) and drive it from N
concurrent clients with a realistic mix: 80 % reads (GET /api/me, /api/inbox,
/api/health, and /api/cells, /api/cells/{cell}/meetings when the app has them), 20 %
commands (POST /api/resolutions/{id}/progress when the app has it, else the same
`ReportProgress` applied directly in the client thread). Prints requests/s and p50/p99
latency per kind; then, as the same-run baseline, the same number of `ReportProgress`
commands applied directly to the Application (`ChiboApplication.handle`), and the ratio.
Temporal is not needed: /api/health is given a reachable Temporal.

    .venv/bin/python -m bench.api [--clients 8] [--seconds 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import logging
import random
import socket
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table

from api.accounts import AccountStore
from api.app import create_app
from api.deps import Services
from domain import commands as c
from domain.access import Caller
from projections.projector import Projector
from projections.registry import all_projections
from workers.scenario.format import load_scenario
from workers.scenario.importer import Importer
from workers.scenario.simulate import throwaway_store
from workers.settings import Settings
from workers.wiring import make_api_services, make_app, make_read_store

console = Console()
SCENARIO = Path(__file__).resolve().parent.parent / "tests" / "scenarios" / "ward-q1.yaml"
PASSWORD = "bench-password-1"
CLIENTS = {"m10": ("c1", "kn-c1-01"), "m21": ("c2", "nq-c2-01")}
"""Each client logs in as one of these members: their cell, and an open resolution they
execute (ward-q1), which their commands report progress on."""
PROGRESS_ON = date(2026, 3, 20)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


def progress(member: str, resolution: str) -> c.ReportProgress:
    return c.ReportProgress(
        actor=member,
        command_id=f"bench-{uuid.uuid4().hex}",
        occurred_on=PROGRESS_ON,
        resolution=resolution,
        by=member,
        note="Tiến độ (bench)",
    )


def seed(settings: Settings) -> None:
    app = make_app(settings)
    try:
        Importer(app, load_scenario(SCENARIO)).run()
        for member, (_, resolution) in CLIENTS.items():  # the command is accepted at all
            app.handle(progress(member, resolution))
    finally:
        app.close()
    store = make_read_store(settings)
    try:
        for member in CLIENTS:
            AccountStore(store).add(Caller("tb", member), PASSWORD)
    finally:
        store.close()


class Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread, not the main one
        pass


def drive(
    base: str, services: Services, paths: set[str], clients: int, seconds: float, seed_: int
) -> dict[str, Any]:
    api_progress = "/api/resolutions/{resolution}/progress" in paths
    reads = ["/api/me", "/api/health"]
    reads += [p for p in ("/api/inbox", "/api/cells", "/api/cells/{cell}/meetings") if p in paths]
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    members = list(CLIENTS)

    def client(index: int) -> None:
        rng = random.Random(seed_ * 1000 + index)
        member = members[index % len(members)]
        cell, resolution = CLIENTS[member]
        with httpx.Client(base_url=base, timeout=30) as http:
            token = http.post(
                "/api/token", data={"username": f"{member}@tb", "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                if rng.random() < 0.8:
                    path = rng.choice(reads)
                    kind = path
                    status = http.get(path.replace("{cell}", cell), headers=headers).status_code
                elif api_progress:
                    kind = "POST /api/resolutions/{resolution}/progress"
                    status = http.post(
                        f"/api/resolutions/{resolution}/progress",
                        json={"note": "Tiến độ (bench)", "date": PROGRESS_ON.isoformat()},
                        headers=headers,
                    ).status_code
                else:
                    kind = "ReportProgress (direct, no route yet)"
                    try:
                        services.app.handle(progress(member, resolution))
                        status = 200
                    except Exception as error:  # counted, not hidden
                        status = type(error).__name__  # type: ignore[assignment]
                elapsed = time.perf_counter() - started
                with lock:
                    latencies[kind].append(elapsed)
                    statuses[f"{kind} {status}"] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "wall": time.perf_counter() - started,
        "latencies": latencies,
        "statuses": statuses,
        "api_progress": api_progress,
    }


def baseline(settings: Settings, count: int) -> list[float]:
    app = make_app(settings)
    try:
        members = list(CLIENTS)
        times = []
        for n in range(count):
            member = members[n % len(members)]
            started = time.perf_counter()
            app.handle(progress(member, CLIENTS[member][1]))
            times.append(time.perf_counter() - started)
        return times
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("chibo.api.access").setLevel(logging.WARNING)

    with throwaway_store("postgres") as settings:
        seed(settings)
        services = make_api_services(settings, project_inline=False)
        services.check_temporal = lambda: True
        fastapi = create_app(services)
        paths = set(fastapi.openapi()["paths"])
        stop = threading.Event()
        projector_store = make_read_store(settings)
        projector = Projector(services.app, projector_store, all_projections())
        projector.run_until_caught_up()
        projecting = threading.Thread(
            target=projector.run_forever, args=(stop,), kwargs={"poll_interval": 0.02}
        )
        projecting.start()
        port = free_port()
        server = Server(
            uvicorn.Config(fastapi, host="127.0.0.1", port=port, log_config=None, access_log=False)
        )
        serving = threading.Thread(target=server.run)
        serving.start()
        try:
            while not server.started:
                time.sleep(0.05)
            result = drive(
                f"http://127.0.0.1:{port}", services, paths, args.clients, args.seconds, args.seed
            )
        finally:
            server.should_exit = True
            serving.join()
            stop.set()
            projecting.join()
            projector_store.close()
            services.close()

        latencies: dict[str, list[float]] = result["latencies"]
        every = [x for values in latencies.values() for x in values]
        commands = [x for k, v in latencies.items() if not k.startswith("/") for x in v]
        table = Table(title=f"HTTP API, PostgreSQL, {args.clients} clients, {result['wall']:.1f} s")
        for column in ("kind", "requests", "req/s", "p50 ms", "p99 ms"):
            table.add_column(column, justify="left" if column == "kind" else "right")
        for kind, values in [*sorted(latencies.items()), ("all", every)]:
            table.add_row(
                kind,
                str(len(values)),
                f"{len(values) / result['wall']:.1f}",
                f"{percentile(values, 0.5) * 1000:.1f}",
                f"{percentile(values, 0.99) * 1000:.1f}",
            )
        console.print(table)
        console.print("statuses:", dict(sorted(result["statuses"].items())))

        direct = baseline(settings, max(len(commands), 50))
        direct_rate = len(direct) / sum(direct)
        command_rate = len(commands) / result["wall"]
        console.print(
            f"baseline: {len(direct)} ReportProgress applied directly (ChiboApplication.handle,"
            f" one thread): {direct_rate:.1f} commands/s, p50 {percentile(direct, 0.5) * 1000:.1f}"
            f" ms, p99 {percentile(direct, 0.99) * 1000:.1f} ms"
        )
        console.print(
            f"ratio: API commands p50 / direct p50 ="
            f" {percentile(commands, 0.5) / percentile(direct, 0.5):.2f}×;"
            f" API commands/s (within the mix) / direct commands/s ="
            f" {command_rate / direct_rate:.2f}"
            + ("" if result["api_progress"] else "  (no progress route yet: commands were direct)")
        )
        console.print(
            f"total: {len(every) / result['wall']:.1f} requests/s,"
            f" p50 {percentile(every, 0.5) * 1000:.1f} ms,"
            f" p99 {percentile(every, 0.99) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
