"""Supervisor tests with real processes: a driver script runs a `Supervisor` whose
children are tiny `python -c` programs that record their PIDs in files."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from workers.settings import Settings
from workers.supervisor import wait_for_port
from workers.up import build_specs

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 8.0

DRIVER = """
import json, sys
from pathlib import Path
from workers.supervisor import Backoff, ProcessSpec, Supervisor

config = json.loads(Path(sys.argv[1]).read_text())
specs = [
    ProcessSpec(
        name=c["name"],
        argv=[sys.executable, "-c", c["code"]],
        ready=(lambda f=c["ready_file"]: Path(f).exists()) if c.get("ready_file") else None,
    )
    for c in config["children"]
]
backoff = Backoff(initial=0.1, maximum=0.4, reset_after=60.0)
sys.exit(Supervisor(specs, grace_period=config["grace"], backoff=backoff).run())
"""

# Appends its PID to <name>.pids, says hello, then idles until killed.
CHILD = """
import os, signal, sys, time
from pathlib import Path
{prelude}
with open({pids!r}, "a") as f:
    f.write(f"{{os.getpid()}}\\n")
print("hello from {name}", flush=True)
{postlude}
while True:
    time.sleep(0.1)
"""


def child_code(tmp_path: Path, name: str, *, ignore_term: bool = False, postlude: str = "") -> str:
    # The handler is set before the PID is written, so a PID file means "armed".
    prelude = "signal.signal(signal.SIGTERM, signal.SIG_IGN)" if ignore_term else ""
    pids = str(tmp_path / f"{name}.pids")
    return CHILD.format(prelude=prelude, pids=pids, name=name, postlude=postlude)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    """True unless the process is gone or only a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def has_pids(tmp_path: Path, name: str) -> bool:
    return bool(read_pids(tmp_path, name))


def read_pids(tmp_path: Path, name: str) -> list[int]:
    path = tmp_path / f"{name}.pids"
    text = path.read_text() if path.exists() else ""
    return [int(line) for line in text.splitlines() if line.strip()]


def wait_for_pids(tmp_path: Path, *names: str) -> None:
    for name in names:
        wait_until(partial(has_pids, tmp_path, name), f"{name}'s pid")


class Driver:
    """A supervisor in a subprocess, with its output collected line by line."""

    def __init__(self, tmp_path: Path, children: list[dict[str, str]], grace: float) -> None:
        config = tmp_path / "config.json"
        config.write_text(json.dumps({"children": children, "grace": grace}))
        script = tmp_path / "driver.py"
        script.write_text(DRIVER)
        env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def saw(self, pattern: str) -> bool:
        return any(re.search(pattern, line) for line in list(self.lines))

    def signal_and_wait(self, sig: signal.Signals) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=DEADLINE)
        self._reader.join(timeout=DEADLINE)
        return code

    def output(self) -> str:
        return "\n".join(self.lines)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def drivers() -> Iterator[list[Driver]]:
    started: list[Driver] = []
    yield started
    for driver in started:  # a failed test must not leave a supervisor behind
        driver.kill()


def start(
    drivers: list[Driver], tmp_path: Path, children: list[dict[str, str]], grace: float = 5.0
) -> Driver:
    driver = Driver(tmp_path, children, grace)
    drivers.append(driver)
    return driver


def two_children(tmp_path: Path) -> list[dict[str, str]]:
    return [
        {"name": "alpha", "code": child_code(tmp_path, "alpha")},
        {"name": "beta", "code": child_code(tmp_path, "beta")},
    ]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_stops_every_child(
    drivers: list[Driver], tmp_path: Path, sig: signal.Signals
) -> None:
    driver = start(drivers, tmp_path, two_children(tmp_path))
    wait_until(lambda: driver.saw("all processes started"), "start-up")
    wait_for_pids(tmp_path, "alpha", "beta")
    pids = read_pids(tmp_path, "alpha") + read_pids(tmp_path, "beta")
    assert all(alive(pid) for pid in pids)

    assert driver.signal_and_wait(sig) == 0, driver.output()
    assert not [pid for pid in pids if alive(pid)], driver.output()
    assert driver.saw(rf"got {sig.name}")
    # Reverse start order: beta stops before alpha.
    stops = [line for line in driver.lines if re.search(r"(alpha|beta) stopped", line)]
    assert ["beta" in stops[0], "alpha" in stops[1]] == [True, True], stops


def test_output_lines_are_prefixed_with_the_child_name(
    drivers: list[Driver], tmp_path: Path
) -> None:
    driver = start(drivers, tmp_path, two_children(tmp_path))
    for name in ("alpha", "beta"):
        wait_until(partial(driver.saw, rf"^\[{name} *\] hello from {name}$"), f"{name} hello")
    # Fixed-width name column: as wide as the longest name ("supervisor").
    assert driver.saw(r"^\[alpha     \] hello from alpha$"), driver.output()
    assert driver.signal_and_wait(signal.SIGTERM) == 0


def test_dead_child_is_reported_and_restarted(drivers: list[Driver], tmp_path: Path) -> None:
    driver = start(drivers, tmp_path, two_children(tmp_path))
    wait_for_pids(tmp_path, "alpha", "beta")
    [first] = read_pids(tmp_path, "alpha")

    os.kill(first, signal.SIGKILL)
    wait_until(
        lambda: driver.saw(r"alpha died unexpectedly \(killed by signal SIGKILL\)"),
        "the death report",
    )
    wait_until(lambda: len(read_pids(tmp_path, "alpha")) == 2, "alpha's restart")
    second = read_pids(tmp_path, "alpha")[1]
    assert second != first and alive(second)
    assert len(read_pids(tmp_path, "beta")) == 1  # the others were left alone

    assert driver.signal_and_wait(signal.SIGTERM) == 0, driver.output()
    assert not alive(second)


def test_child_ignoring_sigterm_is_killed_after_the_grace_period(
    drivers: list[Driver], tmp_path: Path
) -> None:
    children = [{"name": "stubborn", "code": child_code(tmp_path, "stubborn", ignore_term=True)}]
    driver = start(drivers, tmp_path, children, grace=1.0)
    wait_for_pids(tmp_path, "stubborn")
    [pid] = read_pids(tmp_path, "stubborn")

    began = time.monotonic()
    assert driver.signal_and_wait(signal.SIGTERM) == 0, driver.output()
    assert time.monotonic() - began >= 1.0
    assert not alive(pid)
    assert driver.saw(r"stubborn did not stop within 1s; sending SIGKILL")
    assert driver.saw(r"stubborn stopped \(killed by signal SIGKILL\)")


def test_next_child_waits_for_the_ready_probe(drivers: list[Driver], tmp_path: Path) -> None:
    go, ready = tmp_path / "go", tmp_path / "first.ready"
    # "first" becomes ready only when the test says so; "second" records whether it
    # started before or after that.
    wait_for_go = (
        f"while not Path({str(go)!r}).exists(): time.sleep(0.02)\nPath({str(ready)!r}).touch()"
    )
    seen = tmp_path / "seen"
    record_ready = f"Path({str(seen)!r}).write_text(str(Path({str(ready)!r}).exists()))"
    children = [
        {
            "name": "first",
            "code": child_code(tmp_path, "first", postlude=wait_for_go),
            "ready_file": str(ready),
        },
        {"name": "second", "code": child_code(tmp_path, "second", postlude=record_ready)},
    ]
    driver = start(drivers, tmp_path, children)
    wait_until(lambda: driver.saw("waiting for first to become ready"), "the wait")
    wait_for_pids(tmp_path, "first")
    assert not read_pids(tmp_path, "second")

    go.touch()
    wait_until(seen.exists, "second's start")
    assert seen.read_text() == "True"
    assert driver.saw(r"first is ready after")
    assert driver.signal_and_wait(signal.SIGTERM) == 0, driver.output()


def test_wait_for_port() -> None:
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert wait_for_port("127.0.0.1", port, timeout=1.0)
    assert not wait_for_port("127.0.0.1", port, timeout=0.2)


def test_build_specs_with_embedded_temporal(tmp_path: Path) -> None:
    settings = Settings(
        temporal_address="", data_dir=tmp_path, temporal_port=17233, temporal_ui_port=18233
    )
    specs = build_specs(settings, python="/py")
    assert [s.name for s in specs] == [
        "temporal",
        "mailsink",
        "worker",
        "projector",
        "dispatcher",
        "api",
    ]
    temporal = specs[0]
    argv = list(temporal.argv)
    assert argv[1:3] == ["server", "start-dev"]
    assert Path(argv[0]).name == "temporal"
    assert argv[argv.index("--db-filename") + 1] == str(tmp_path / "temporal.db")
    pragmas = [argv[i + 1] for i, a in enumerate(argv) if a == "--sqlite-pragma"]
    assert pragmas == ["journal_mode=wal", "synchronous=normal"]
    assert argv[argv.index("--port") + 1] == "17233"
    assert argv[argv.index("--ui-port") + 1] == "18233"
    assert temporal.ready is not None
    assert specs[1].ready is not None  # the worker starts once the sink listens
    for spec in specs[1:]:
        assert list(spec.argv) == ["/py", "-m", "workers", spec.name]
        assert spec.env is not None
        assert spec.env["CHIBO_TEMPORAL_ADDRESS"] == "127.0.0.1:17233"


def test_build_specs_with_external_temporal(tmp_path: Path) -> None:
    settings = Settings(
        temporal_address="temporal.example:7233",
        data_dir=tmp_path,
        smtp_url="smtp://mail.example:587",
    )
    specs = build_specs(settings, python="/py")
    assert [s.name for s in specs] == ["worker", "projector", "dispatcher", "api"]
    for spec in specs:
        assert spec.env is not None
        assert spec.env["CHIBO_TEMPORAL_ADDRESS"] == "temporal.example:7233"
        assert spec.env.get("PATH") == os.environ.get("PATH")  # the rest is inherited
