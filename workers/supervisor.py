"""A small process supervisor: start children in order, relay their output, restart, stop.

Generic on purpose (nothing here knows about chibo): `workers.up` builds the specs.
Every child runs in its own session, hence its own process group, so stopping a child
also stops whatever it spawned, and a Ctrl-C in the terminal reaches only the supervisor,
which then stops the children itself, in reverse start order.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import IO, TextIO

# Signals that mean "stop everything": SIGHUP too, because children live in their own
# sessions and would otherwise outlive a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_COLORS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan")


@dataclass(frozen=True)
class ProcessSpec:
    """One child process.

    `env` is the child's complete environment (not merged); None inherits ours.
    `ready`, if given, is polled after the start; the next spec starts only once it
    returns True.
    """

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    ready: Callable[[], bool] | None = None


@dataclass(frozen=True)
class Backoff:
    """Restart delays: `initial`, doubling up to `maximum`; reset once a child ran
    for `reset_after` seconds (it was healthy, so the next crash is a fresh incident)."""

    initial: float = 1.0
    maximum: float = 30.0
    reset_after: float = 60.0


def wait_for_port(host: str, port: int, timeout: float = 0.5) -> bool:
    """True if a TCP connection to host:port succeeds within `timeout` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def describe_exit(returncode: int) -> str:
    """'exit code 3' or 'killed by signal SIGKILL' (Popen reports signals as -N)."""
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = str(-returncode)
    return f"killed by signal {name}"


@dataclass(eq=False)
class _Child:
    spec: ProcessSpec
    delay: float
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    relays: list[threading.Thread] = field(default_factory=list)


class _Printer:
    """Writes prefixed lines, from several threads, in colour only on a terminal."""

    def __init__(self, output: TextIO, names: Sequence[str], color: bool) -> None:
        self._output = output
        self._width = max(len(n) for n in names)
        self._lock = threading.Lock()
        self._styles = {n: _COLORS[i % len(_COLORS)] for i, n in enumerate(names)}
        self._console = None
        if color:
            from rich.console import Console  # only needed on a terminal

            self._console = Console(
                file=output, force_terminal=True, highlight=False, soft_wrap=True
            )

    def line(self, name: str, text: str, *, style: str | None = None) -> None:
        prefix = f"[{name:<{self._width}}]"
        with self._lock:
            try:
                if self._console is None:
                    self._output.write(f"{prefix} {text}\n")
                    self._output.flush()
                else:
                    from rich.text import Text

                    body = Text.from_ansi(text, style=style or "")
                    self._console.print(Text(prefix, style=self._styles.get(name, "")), body)
            except (OSError, ValueError):
                pass  # our own stdout went away (closed pipe); keep supervising


class Supervisor:
    """Starts `specs` in order and keeps them running until stopped.

    `run()` blocks until SIGINT/SIGTERM/SIGHUP or `stop()`, then stops the children in
    reverse order: SIGTERM to each process group, SIGKILL after `grace_period` seconds
    (or at once on a second signal).
    """

    def __init__(
        self,
        specs: Sequence[ProcessSpec],
        *,
        grace_period: float = 10.0,
        ready_timeout: float = 60.0,
        poll_interval: float = 0.2,
        backoff: Backoff = Backoff(),
        output: TextIO | None = None,
        color: bool | None = None,
        label: str = "supervisor",
    ) -> None:
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"process names must be unique: {names}")
        out = output if output is not None else sys.stdout
        use_color = out.isatty() if color is None else color
        self._children = [_Child(spec, backoff.initial) for spec in specs]
        self._grace = grace_period
        self._ready_timeout = ready_timeout
        self._poll = poll_interval
        self._backoff = backoff
        self._label = label
        self._printer = _Printer(out, [*names, label], use_color)
        self._stop = threading.Event()
        self._force = threading.Event()
        self._signal: int | None = None

    def stop(self) -> None:
        """Asks `run()` to stop everything; safe from any thread."""
        self._stop.set()

    def run(self) -> int:
        """Runs until stopped: 0 after a clean stop, 1 if the start-up failed."""
        restore = self._install_signal_handlers()
        try:
            code = self._start_all()
            if code == 0:
                while not self._stop.wait(self._poll):
                    self._check_children()
            return code
        finally:
            self._shutdown()
            restore()

    # -- signals -------------------------------------------------------------------

    def _install_signal_handlers(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None  # signal handlers can only be set in the main thread
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Only set flags here; the main loop does the talking.
        if self._stop.is_set():
            self._force.set()  # second Ctrl-C: don't wait for the grace period
        else:
            self._signal = signum
            self._stop.set()

    # -- start-up ------------------------------------------------------------------

    def _start_all(self) -> int:
        for child in self._children:
            if self._stop.is_set():
                return 0
            if not self._spawn(child):
                return 1
            if child.spec.ready is not None and not self._await_ready(child):
                return 0 if self._stop.is_set() else 1
        self._say("all processes started; press Ctrl-C to stop")
        return 0

    def _await_ready(self, child: _Child) -> bool:
        name = child.spec.name
        self._say(f"waiting for {name} to become ready (up to {self._ready_timeout:g}s)")
        started = time.monotonic()
        while not self._stop.is_set():
            if self._probe(child):
                self._say(f"{name} is ready after {time.monotonic() - started:.1f}s")
                return True
            if time.monotonic() - started > self._ready_timeout:
                self._say(f"{name} did not become ready within {self._ready_timeout:g}s")
                return False
            self._check_children()  # a crash while we wait is reported and restarted
            self._stop.wait(self._poll)
        return False

    @staticmethod
    def _probe(child: _Child) -> bool:
        assert child.spec.ready is not None
        try:
            return bool(child.spec.ready())
        except Exception:  # a failing probe just means "not ready yet"
            return False

    def _spawn(self, child: _Child) -> bool:
        spec = child.spec
        try:
            proc = subprocess.Popen(
                list(spec.argv),
                env=dict(spec.env) if spec.env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stoppable as a whole
            )
        except OSError as exc:
            self._say(f"cannot start {spec.name}: {exc}", style="bold red")
            return False
        assert proc.stdout is not None
        relay = threading.Thread(
            target=self._relay, args=(spec.name, proc.stdout), name=f"relay-{spec.name}"
        )
        relay.daemon = True  # a grandchild holding the pipe open must not block exit
        relay.start()
        child.proc, child.started_at, child.restart_at = proc, time.monotonic(), None
        child.relays = [t for t in child.relays if t.is_alive()] + [relay]
        self._say(f"started {spec.name} (pid {proc.pid})")
        return True

    def _relay(self, name: str, stream: IO[bytes]) -> None:
        with stream:
            for raw in iter(stream.readline, b""):
                self._printer.line(name, raw.decode("utf-8", "replace").rstrip("\r\n"))

    # -- monitoring ----------------------------------------------------------------

    def _check_children(self) -> None:
        now = time.monotonic()
        for child in self._children:
            if child.proc is not None and child.proc.poll() is not None:
                self._on_death(child, child.proc.returncode, now)
            due = child.restart_at is not None and now >= child.restart_at
            if due and not self._spawn(child):
                self._schedule_restart(child, now)

    def _on_death(self, child: _Child, returncode: int, now: float) -> None:
        assert child.proc is not None
        _killpg(child.proc.pid, signal.SIGKILL)  # leftovers of the dead child's group
        uptime = now - child.started_at
        child.proc = None
        if uptime >= self._backoff.reset_after:
            child.delay = self._backoff.initial
        delay = self._schedule_restart(child, now)
        self._say(
            f"{child.spec.name} died unexpectedly ({describe_exit(returncode)}) "
            f"after {uptime:.1f}s; restarting in {delay:g}s",
            style="bold red",
        )

    def _schedule_restart(self, child: _Child, now: float) -> float:
        delay = child.delay
        child.restart_at = now + delay
        child.delay = min(delay * 2, self._backoff.maximum)
        return delay

    # -- shutdown ------------------------------------------------------------------

    def _shutdown(self) -> None:
        reason = f" (got {signal.Signals(self._signal).name})" if self._signal else ""
        self._say(f"stopping{reason}")
        for child in reversed(self._children):
            child.restart_at = None
            if child.proc is not None:
                self._terminate(child, child.proc)
                child.proc = None
        for child in self._children:
            for relay in child.relays:
                relay.join(timeout=1.0)
        self._say("all processes stopped")

    def _terminate(self, child: _Child, proc: subprocess.Popen[bytes]) -> None:
        name = child.spec.name
        _killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + self._grace
        # Wait for the whole group, not only its leader: a grandchild may still be
        # flushing its state.
        while _group_alive(proc) and time.monotonic() < deadline:
            if self._force.wait(0.05):
                break
        if _group_alive(proc):
            self._say(f"{name} did not stop within {self._grace:g}s; sending SIGKILL")
            _killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self._say(f"{name} stopped ({describe_exit(proc.returncode)})")

    def _say(self, text: str, *, style: str | None = "bold") -> None:
        self._printer.line(self._label, text, style=style)


def _killpg(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pgid, sig)


def _group_alive(proc: subprocess.Popen[bytes]) -> bool:
    proc.poll()  # reap the leader so that a zombie does not count as alive
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
