"""Every string a user reads comes from the catalogue (web/catalogue.py): templates hold
no literal text, every key a template or page uses exists, and every kind, status and
rule the system can show has its Vietnamese words."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from domain.notices import EscalationKind, EscalationStatus, ReminderKind
from domain.resolution import ResolutionStatus
from web.catalogue import VI, day
from web.rule_names import RULE_NAMES

WEB = Path(__file__).parent.parent / "web"
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
SOURCES = sorted(p for p in WEB.rglob("*.py") if p.name != "catalogue.py")
RULES_MD_IDS = {f"R{n}" for n in (*range(1, 19), *range(20, 26), *range(30, 34))} | {
    f"R{n}" for n in (*range(40, 44), *range(50, 54), *range(60, 64), *range(70, 75), 80)
}
"""The ids RULES.md defines, written out by hand."""

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
LITERAL_ATTR = re.compile(r'\b(?:title|alt|placeholder|aria-label)="([^"{]*)"')
KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_hold_no_text_of_their_own(template: Path) -> None:
    source = JINJA.sub("", template.read_text(encoding="utf-8"))
    for value in LITERAL_ATTR.findall(source):
        assert not re.search(r"[^\W\d_]", value), f"{template.name}: literal attribute {value!r}"
    text = TAG.sub(" ", source)
    text = re.sub(r'\s[a-z-]+="[^"]*"', " ", text)  # attributes a macro adds to a tag
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    words = re.findall(r"[^\W\d_]{2,}", text)
    assert not words, f"{template.name}: literal text {words[:5]} (use t('key'))"


def test_every_key_used_exists() -> None:
    used: set[str] = set()
    for path in [*TEMPLATES, *SOURCES]:
        used |= set(KEY.findall(path.read_text(encoding="utf-8")))
    missing = sorted(key for key in used if key not in VI)
    assert not missing, missing


def test_every_kind_status_and_rule_has_vietnamese_words() -> None:
    for kind in (*typing.get_args(EscalationKind), *typing.get_args(ReminderKind)):
        assert f"kind.{kind}" in VI, kind
    for status in (*typing.get_args(EscalationStatus), *typing.get_args(ResolutionStatus)):
        assert f"status.{status}" in VI, status
    assert set(RULE_NAMES) == RULES_MD_IDS


def test_dates_read_as_vietnamese_documents_write_them() -> None:
    assert day("2026-03-05") == "05/03/2026"
    assert day("2026-03-05T08:15:02+00:00") == "05/03/2026 08:15"
    assert day(None) == "—"
