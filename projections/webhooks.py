"""Webhooks of organisations (issue 13): where each one's notices are POSTed, the secret
that signs them, and which were delivered.

Kept in the read-model database, outside the immutable event log: a secret must be
changeable and never enters the log. Delivery state is keyed (organisation, notice key,
round), the exactly-once key; once the e-mail channel's `RecordDelivery` is merged it
can become a `RecordDelivery(channel="webhook")` event on the notice. Signing is here
too, so the sender, the tests and `docs/webhooks.md` agree on one function.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from projections.store import ReadStore

DDL = (
    "CREATE TABLE IF NOT EXISTS chibo_webhooks ("
    " organisation TEXT PRIMARY KEY, url TEXT NOT NULL, secret TEXT NOT NULL,"
    " set_by TEXT NOT NULL, set_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS chibo_webhook_deliveries ("
    " organisation TEXT NOT NULL, notice_key TEXT NOT NULL, round INTEGER NOT NULL,"
    " delivered_at TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    " PRIMARY KEY (organisation, notice_key, round))",
)
"""Created by `chibo db init` with every other table."""

ERROR_MAX = 1_000
SIGNATURE_HEADER = "X-Chibo-Signature"
TIMESTAMP_HEADER = "X-Chibo-Timestamp"
DELIVERY_HEADER = "X-Chibo-Delivery"


URL_MAX = 2_000
SECRET_MIN, SECRET_MAX = 16, 512


def url_problem(url: str) -> str | None:
    """Why `url` cannot receive webhooks (an http(s) URL with a host), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > URL_MAX:
        return "địa chỉ phải là URL http(s) đầy đủ (the URL must be a full http(s) URL)"
    return None


def secret_problem(secret: str) -> str | None:
    if not SECRET_MIN <= len(secret) <= SECRET_MAX:
        return (
            f"khóa bí mật phải dài từ {SECRET_MIN} đến {SECRET_MAX} ký tự"
            f" (the secret must be {SECRET_MIN} to {SECRET_MAX} characters)"
        )
    return None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, f"{timestamp}.{body}"): the timestamp is
    signed with the body so a captured request cannot be replayed later as new."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (docs/webhooks.md), in constant time."""
    try:
        expected = sign(secret, int(timestamp), body)
    except ValueError:
        return False
    return hmac.compare_digest(expected, signature)


@dataclass(frozen=True)
class Webhook:
    organisation: str
    url: str
    secret: str


@dataclass(frozen=True)
class Delivery:
    organisation: str
    notice_key: str
    round: int
    delivered_at: str | None
    attempts: int
    last_error: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def set_webhook(store: ReadStore, organisation: str, url: str, secret: str, by: str) -> None:
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO chibo_webhooks (organisation, url, secret, set_by, set_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (organisation) DO UPDATE SET"
            " url = excluded.url, secret = excluded.secret, set_by = excluded.set_by,"
            " set_at = excluded.set_at",
            (organisation, url, secret, by, _now()),
        )


def webhook_of(store: ReadStore, organisation: str) -> Webhook | None:
    rows = store.query(
        "SELECT url, secret FROM chibo_webhooks WHERE organisation = %s", (organisation,)
    )
    return Webhook(organisation, rows[0][0], rows[0][1]) if rows else None


def delivery(store: ReadStore, organisation: str, notice_key: str, round: int) -> Delivery | None:
    rows = store.query(
        "SELECT delivered_at, attempts, last_error FROM chibo_webhook_deliveries"
        " WHERE organisation = %s AND notice_key = %s AND round = %s",
        (organisation, notice_key, round),
    )
    if not rows:
        return None
    delivered_at, attempts, last_error = rows[0]
    return Delivery(organisation, notice_key, round, delivered_at, attempts, last_error)


def record_attempt(
    store: ReadStore, organisation: str, notice_key: str, round: int, error: str | None
) -> None:
    """One attempt: delivered when `error` is None, else why it failed."""
    delivered_at = _now() if error is None else None
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO chibo_webhook_deliveries"
            " (organisation, notice_key, round, delivered_at, attempts, last_error)"
            " VALUES (%s, %s, %s, %s, 1, %s) ON CONFLICT (organisation, notice_key, round)"
            " DO UPDATE SET attempts = chibo_webhook_deliveries.attempts + 1,"
            " delivered_at = COALESCE(chibo_webhook_deliveries.delivered_at,"
            " excluded.delivered_at), last_error = excluded.last_error",
            (organisation, notice_key, round, delivered_at, error and error[:ERROR_MAX]),
        )
