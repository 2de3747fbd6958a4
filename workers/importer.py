"""`chibo import`: a scenario's records applied as real commands at their business dates.

No workflow runs: this is how historical records are loaded. A refused command is
reported in SCENARIOS.md's error shape and the import goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.application import ChiboApplication
from domain.errors import DomainError
from workers.scenario import ItemError, Scenario, Step, Translator


@dataclass
class ImportReport:
    applied: int = 0
    repeated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"applied": self.applied, "errors": self.errors}


def _error(on: Any, item: int | None, rule: str | None, message: str) -> dict[str, Any]:
    return {"on": on.isoformat(), "item": item, "rule": rule, "message": message}


class Importer:
    def __init__(self, app: ChiboApplication, scenario: Scenario) -> None:
        self.app = app
        self.scenario = scenario
        self.translator = Translator(scenario)
        self.report = ImportReport()

    def _run(self, step: Step, item: int | None) -> bool:
        try:
            outcome = self.app.apply(step.command)
        except DomainError as error:
            self.report.errors.append(
                _error(step.command.occurred_on, item, error.rule, error.message)
            )
            return False
        if outcome.stored:
            self.report.applied += 1
        else:
            self.report.repeated += 1
        return True

    def setup(self) -> None:
        for step in self.translator.setup():
            self._run(step, None)

    def apply_item(self, index: int) -> None:
        """Applies timeline item `index`; inside a meeting each resolution stands alone."""
        item = self.scenario.timeline[index]
        try:
            steps = self.translator.item(index, item)
        except ItemError as error:
            self.report.errors.append(_error(item.date, index, None, str(error)))
            return
        first, *rest = steps
        if self._run(first, index):
            for step in rest:
                self._run(step, index)

    def run(self, progress: Callable[[int], None] | None = None) -> ImportReport:
        self.setup()
        for index in range(len(self.scenario.timeline)):
            self.apply_item(index)
            if progress:
                progress(index)
        return self.report
