"""Activities: where workflows touch the records. Every write is a domain command whose
id derives from the workflow id and step, so a retried activity changes nothing twice.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity

from domain import commands as c
from domain.application import ChiboApplication
from domain.cell import Cell
from domain.organisation import Organisation
from domain.resolution import Resolution
from workflows.models import FollowUpInfo, StepRequest

SYSTEM_ACTOR = "chibo"


class ChiboActivities:
    """Activities bound to the command-side Application (sync: run in a thread pool)."""

    def __init__(self, app: ChiboApplication) -> None:
        self.app = app

    def _get(self, cls: type[Any], key: str) -> Any:
        return self.app.repository.get(cls.id_for(key))

    @activity.defn
    def followup_info(self, resolution: str) -> FollowUpInfo:
        res: Resolution = self._get(Resolution, resolution)
        cell: Cell = self._get(Cell, res.cell)
        policy = self._get(Organisation, cell.organisation).policy_on(res.deadline)
        return FollowUpInfo(
            resolution=res.key,
            cell=res.cell,
            status=res.status,
            adopted_on=res.adopted_on,
            deadline=res.deadline,
            reminder_days=policy.reminder_days,
            escalation_days=policy.escalation_days,
        )

    @activity.defn
    def followup_step(self, req: StepRequest) -> bool:
        """A reminder before the deadline or an overdue level after it (R24); False when
        the record no longer calls for it (closed, or the deadline moved)."""
        res: Resolution = self._get(Resolution, req.resolution)
        step = req.step
        if not res.is_open or res.deadline_on(step.on) != step.deadline:
            return False
        cell: Cell = self._get(Cell, res.cell)
        org: Organisation = self._get(Organisation, cell.organisation)
        subject = {"cell": res.cell, "resolution": res.key}
        base = f"{req.workflow_id}:{step.key}"
        if step.kind == "reminder":
            self.app.handle(
                c.SendReminder(
                    actor=SYSTEM_ACTOR,
                    command_id=f"{base}:remind",
                    correlation_id=req.workflow_id,
                    occurred_on=step.on,
                    organisation=org.key,
                    kind="resolution_deadline_approaching",
                    rule="R24",
                    subject=subject,
                    recipients=[*res.executors, res.inspector],
                )
            )
            return True
        in_charge = cell.in_charge_on(step.on) or org.secretary
        recipients = {
            1: [cell.secretary, res.inspector],
            2: [in_charge],
        }.get(step.level, [org.secretary])
        self.app.handle(
            c.MarkOverdue(
                actor=SYSTEM_ACTOR,
                command_id=f"{base}:mark",
                correlation_id=req.workflow_id,
                occurred_on=step.on,
                resolution=res.key,
                level=step.level,
            )
        )
        self.app.handle(
            c.RaiseEscalation(
                actor=SYSTEM_ACTOR,
                command_id=f"{base}:raise",
                correlation_id=req.workflow_id,
                occurred_on=step.on,
                organisation=org.key,
                kind="resolution_overdue",
                rule="R24",
                subject=subject,
                level=step.level,
                recipients=recipients,
                evidence=[f"{res.id}@{res.version}"],
                details={"deadline": step.deadline.isoformat(), "adopted_on": str(res.adopted_on)},
            )
        )
        return True

    def all(self) -> list[Any]:
        return [self.followup_info, self.followup_step]
