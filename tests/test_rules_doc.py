"""docs/rules.md is what the code says today, and every rule RULES.md marks as checked or
enforced has a place that decides it and a test that names it."""

from __future__ import annotations

import os

from tests.rules_coverage import RECORDED_ONLY, ROOT, catalogue, decided_in, exercised_in, render

DOC = ROOT / "docs" / "rules.md"


def test_rules_doc_is_current() -> None:
    text = render()
    if os.environ.get("CHIBO_UPDATE_RULES") == "1":
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, "run CHIBO_UPDATE_RULES=1 pytest " + __file__


def test_every_checked_or_enforced_rule_is_decided_and_tested() -> None:
    decided, tested = decided_in(), exercised_in()
    missing = [
        rule
        for rule, _text, status in catalogue()
        if ("checked" in status or "enforced" in status)
        and rule not in RECORDED_ONLY
        and not (decided.get(rule) and tested.get(rule))
    ]
    assert missing == []
