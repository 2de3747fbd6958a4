"""Stable aggregate ids derived from the ids users know (e.g. `nq-c1-01`).

A uuid5 of (kind, key) lets any process find a record by its user-facing id, and
makes a repeated creation land on the same stream (so it can never fork).
"""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c0c39-2a54-4d8e-9a5e-0c4b1b7d2f11")


def aggregate_id(kind: str, key: str) -> UUID:
    return uuid5(NAMESPACE, f"{kind}:{key}")
