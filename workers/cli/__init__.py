"""The `chibo` command line, one module per area: `system` (database and processes),
`records` (organisations, inboxes, compliance, figures), `read_models` (projections,
reactions), `scenarios` (import, simulate), `audit` (the auditors' commands).

Exit codes and the safety net that keeps tracebacks away: see `workers.cli.app`."""

from __future__ import annotations

import sys

# ruff: noqa: I001 - the order of these imports is the order of `chibo --help`
from workers.cli import system, scenarios, records, read_models, accounts, contacts, act, webhooks
from workers.cli import documents, partitions
from workers.cli.app import app

__all__ = [
    "accounts",
    "act",
    "app",
    "contacts",
    "documents",
    "main",
    "partitions",
    "read_models",
    "records",
    "scenarios",
    "system",
    "webhooks",
]


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:
        print(f"lỗi không mong đợi (unexpected error): {type(error).__name__}", file=sys.stderr)
        sys.exit(1)
