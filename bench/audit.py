"""Audit benchmark: over a ≥ 1 000 000-event log (written through the chained recorders,
generated once and cached), measure in the same run (a) reading and decoding the whole
log and (b) `verify` (both chains recomputed, every checkpoint checked), beside the raw
read of bench.projections. Prints the three rates, decode/raw and verify/decode
(target: verify ≥ 0.5 × decode), on PostgreSQL and SQLite.

    .venv/bin/python -m bench.audit [--backend sqlite|postgres|both] [--small]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from audit.signing import generate_key, load_private, load_public
from audit.verify import sign_checkpoint
from bench.projections import FULL, SMALL, bench_settings, decode_all, ensure_log, raw_all
from workers.settings import Settings
from workers.verify import verify_everywhere
from workers.wiring import make_app, make_read_store

console = Console()
KEY = Path("var/bench/audit.pem")


def _settings(backend: str, small: bool) -> Settings:
    """The projection benchmark's log (one generation serves both), with a signing key."""
    return bench_settings(backend, small).model_copy(update={"audit_key_path": KEY})


def verify_all(settings: Settings) -> float:
    """Seconds for `chibo audit verify` (windows of the log checked on every core)."""
    started = time.perf_counter()
    report = verify_everywhere(settings, load_public(settings.audit_key_path))
    elapsed = time.perf_counter() - started
    if report.problem is not None:
        raise SystemExit(f"the benchmark log does not verify: {report.problem}")
    return elapsed


def run(backend: str, sizes: dict[str, Any], small: bool, repeats: int) -> None:
    settings = _settings(backend, small)
    events = ensure_log(settings, sizes)
    if not KEY.exists():
        generate_key(KEY)
    app, store = make_app(settings), make_read_store(settings)
    try:
        sign_checkpoint(app, store, load_private(KEY))
    finally:
        store.close()
        app.close()
    raw, decode, verify = [], [], []
    for _ in range(repeats):  # interleaved: a noisy moment slows all three alike
        raw.append(raw_all(settings))
        decode.append(decode_all(settings))
        verify.append(verify_all(settings))
    raw_rate = events / statistics.median(raw)
    decode_rate = events / statistics.median(decode)
    verify_rate = events / statistics.median(verify)
    console.print(
        f"{backend:<8} {events:>9} events | raw {raw_rate:>9,.0f} ev/s"
        f" | decode {decode_rate:>9,.0f} ev/s | verify {verify_rate:>9,.0f} ev/s"
        f" | decode/raw {decode_rate / raw_rate:.2f} | verify/decode"
        f" {verify_rate / decode_rate:.2f} (medians of {repeats},"
        f" load {os.getloadavg()[0]:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for backend in ["postgres", "sqlite"] if args.backend == "both" else [args.backend]:
        run(backend, SMALL if args.small else FULL, args.small, args.repeats)


if __name__ == "__main__":
    main()
