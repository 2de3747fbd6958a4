"""Business dates on workflow time (deterministic: only `workflow.now()` is read)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from temporalio import workflow

from workflows.models import Clock


def business_now(clock: Clock) -> datetime:
    return workflow.now() + timedelta(seconds=clock.offset_seconds)


def today(clock: Clock) -> date:
    return business_now(clock).date()


def until(clock: Clock, day: date) -> timedelta:
    """How long until the first instant of business day `day` (zero if past)."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return max(start - business_now(clock), timedelta(0))
