"""Escalations that follow up (issue 13): one workflow per escalation.

An escalation still open `escalation_renotify_days` after it was raised is sent again to
its recipients (round 1, 2, … while before the raise day); still open after
`escalation_raise_days` it is raised one level up, to the next rung, and this follow-up
ends (the raised one has its own). Where there is no rung above, it ends there too.
Acknowledging or resolving stops it: the signal only says "look again", the record
decides.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import activity_defs as defs
    from workflows.clock import until
    from workflows.models import (
        EscalationChange,
        EscalationInfo,
        EscalationInput,
        EscalationStep,
        EscalationStepRequest,
        Progress,
    )

ACTIVITY_TIMEOUT = timedelta(minutes=2)


def escalation_workflow_id(escalation: str) -> str:
    return f"escalation-{escalation}"


def plan(info: EscalationInfo) -> list[EscalationStep]:
    """Re-notifications every `renotify_days` before the raise day, then the raise (if
    there is a rung above), in date order."""
    raise_on = info.raised_on + timedelta(days=info.raise_days)
    steps: list[EscalationStep] = []
    n = 1
    while (on := info.raised_on + timedelta(days=n * info.renotify_days)) < raise_on:
        steps.append(EscalationStep(kind="renotify", on=on, round=n))
        n += 1
    if info.climbs:
        steps.append(EscalationStep(kind="raise", on=raise_on))
    return steps


@workflow.defn(name="EscalationFollowUp")
class EscalationFollowUp:
    def __init__(self) -> None:
        self._done: list[str] = []
        self._changes = 0
        self._seen = 0
        self._next: EscalationStep | None = None
        self._busy = True
        self._finished = False

    def _has_changed(self) -> bool:
        return self._changes != self._seen

    def _finish(self, outcome: str) -> str:
        self._finished, self._busy, self._next = True, False, None
        return outcome

    @workflow.run
    async def run(self, inp: EscalationInput) -> str:
        while True:
            self._seen = self._changes
            info = await workflow.execute_activity(
                defs.escalation_info, inp.escalation, start_to_close_timeout=ACTIVITY_TIMEOUT
            )
            if info.status != "open":
                return self._finish(info.status)
            pending = [s for s in plan(info) if s.key not in self._done]
            if not pending:
                return self._finish("followed")
            self._next = pending[0]
            delay = until(inp.clock, self._next.on)
            if delay > timedelta(0):
                self._busy = False
                try:
                    await workflow.wait_condition(self._has_changed, timeout=delay)
                    continue  # acknowledged or resolved meanwhile: read it again
                except TimeoutError:
                    pass
                finally:
                    self._busy = True
            if self._has_changed():
                continue
            step = self._next
            await workflow.execute_activity(
                defs.escalation_step,
                EscalationStepRequest(
                    escalation=inp.escalation, step=step, workflow_id=workflow.info().workflow_id
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
            )
            self._done.append(step.key)
            if step.kind == "raise":
                return self._finish("raised")

    @workflow.signal
    def changed(self, change: EscalationChange) -> None:
        self._changes += 1

    @workflow.query
    def progress(self) -> Progress:
        return Progress(
            signals=self._changes,
            busy=self._busy,
            next_due=self._next.on if self._next else None,
            finished=self._finished,
        )
