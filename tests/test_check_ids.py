"""Check ids are typed values with one codec; their wire form (in recorded histories and
command ids) is what it always was."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import date
from typing import get_args

import pytest

from tests.histories import RECORDED
from workflows.models import (
    Check,
    CheckId,
    MeetingCheck,
    MeetingCheckKind,
    MemberCheck,
    MemberCheckKind,
    PeriodCheck,
    PeriodCheckKind,
    format_check_id,
    parse_check_id,
)


def recorded_check_ids() -> set[str]:
    """Every `Check.id` in the payloads of the recorded workflow histories."""
    found: set[str] = set()
    for path in RECORDED.glob("*.json"):
        for data in re.findall(r'"data": "([A-Za-z0-9+/=]+)"', path.read_text("utf-8")):
            try:
                payload = json.loads(base64.b64decode(data))
            except (binascii.Error, UnicodeDecodeError, ValueError):
                continue
            found.update(re.findall(r'"on": "[0-9-]+", "id": "([^"]+)"', json.dumps(payload)))
    return found


def test_recorded_check_ids_round_trip() -> None:
    ids = recorded_check_ids()
    kinds = {*get_args(PeriodCheckKind), *get_args(MeetingCheckKind), *get_args(MemberCheckKind)}
    assert {i.partition(":")[0] for i in ids} == kinds  # the year plays every kind
    for text in ids:
        assert format_check_id(parse_check_id(text)) == text


@pytest.mark.parametrize(
    ("about", "text"),
    [
        (PeriodCheck("month", "2026-02"), "month:2026-02"),
        (PeriodCheck("committee-reminder", "2026-Q1"), "committee-reminder:2026-Q1"),
        (PeriodCheck("plan", "2026"), "plan:2026"),
        (MeetingCheck("meeting", "c1-2026-03"), "meeting:c1-2026-03"),
        (MeetingCheck("minutes", "c1-2026-03"), "minutes:c1-2026-03"),
        (MemberCheck("transfer", "c1", "m7", date(2026, 5, 4)), "transfer:c1:m7:2026-05-04"),
        (
            MemberCheck("new-member", "c1", "m7", date(2026, 5, 4)),
            "new-member:c1:m7:2026-05-04",
        ),
    ],
)
def test_format_and_parse(about: CheckId, text: str) -> None:
    assert format_check_id(about) == text
    assert parse_check_id(text) == about
    assert Check.of(about, date(2026, 6, 1)).id == text


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="not a check id"):
        parse_check_id("weekly:2026-W01")
