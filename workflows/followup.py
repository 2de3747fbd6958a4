"""Resolution follow-up (R24, R25, R53): one workflow per resolution or recommendation.

Reminders go out before the deadline, the overdue chain runs after it; an extension
starts the plan again from the new deadline; completion or cancellation ends it.
The record stays the single source of truth: the start and each change's signal carry
it as that event left it (read by the dispatcher from the log), and a start or signal
without it has the workflow read it in an activity. A step whose date has already
passed (a record entered after the fact) runs at once, with its own business date.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import activity_defs as defs
    from workflows.clock import until
    from workflows.models import (
        Change,
        FollowUpInfo,
        FollowUpInput,
        FollowUpState,
        Progress,
        Step,
        StepRequest,
    )

ACTIVITY_TIMEOUT = timedelta(minutes=2)
KEEPS_INFO = "followup-keeps-info-after-step"
STEP_READS_INFO = "followup-step-reads-info"
"""Runs recorded since read the record again in the step's own activity: a policy
adopted meanwhile (which signals nobody) reaches the plan at the next step."""
INFO_GIVEN = "followup-info-given"
"""Runs recorded since plan from the record their start or their last signal carries,
when it carries one, instead of reading it in an activity: a round trip to the server
less for every resolution adopted and every change to one."""


def followup_workflow_id(resolution: str) -> str:
    return f"followup-{resolution}"


def plan(info: FollowUpInfo) -> list[Step]:
    """Every step for the deadline in force, in date order (SCENARIOS.md, R24)."""
    steps = [
        Step(kind="reminder", on=info.deadline - timedelta(days=d), deadline=info.deadline, days=d)
        for d in info.reminder_days
        if info.deadline - timedelta(days=d) > info.adopted_on
    ]
    steps += [
        Step(
            kind="overdue",
            on=info.deadline + timedelta(days=d),
            deadline=info.deadline,
            days=d,
            level=level,
        )
        for level, d in enumerate(info.escalation_days, start=1)
    ]
    return sorted(steps, key=lambda s: (s.on, s.level))


@workflow.defn(name="ResolutionFollowUp")
class ResolutionFollowUp:
    def __init__(self) -> None:
        self._info: FollowUpInfo | None = None
        self._done: list[str] = []
        self._changes = 0
        self._seen = 0
        self._given: FollowUpInfo | None = None
        """The record as the last signal's change left it (None: it did not say)."""
        self._next: Step | None = None
        self._busy = True
        self._finished = False

    def _has_changed(self) -> bool:
        return self._changes != self._seen

    @workflow.run
    async def run(self, inp: FollowUpInput) -> str:
        info = inp.info if inp.info is not None and workflow.patched(INFO_GIVEN) else None
        while True:
            # After a step with no signal since, the record is as the step's activity
            # read it (a step only marks a level; the policy is read there too): it is
            # read again here only when a signal says it changed, unless the signal
            # carries it. Runs recorded before re-read after every step (the first
            # patch's marker).
            if info is None or self._has_changed() or not workflow.patched(KEEPS_INFO):
                changed = self._has_changed()
                self._seen = self._changes
                given = self._given if changed else None
                if given is not None and workflow.patched(INFO_GIVEN):
                    info = given
                else:
                    info = await workflow.execute_activity(
                        defs.followup_info,
                        inp.resolution,
                        start_to_close_timeout=ACTIVITY_TIMEOUT,
                    )
            self._info = info
            if info.status != "open":
                self._finished, self._busy = True, False
                return info.status
            pending = [s for s in plan(info) if s.key not in self._done]
            self._next = pending[0] if pending else None
            if self._next is None:
                # Nothing left to do but wait for the record to change.
                self._busy = False
                await workflow.wait_condition(self._has_changed)
                self._busy = True
                continue
            delay = until(inp.clock, self._next.on)
            if delay > timedelta(0):
                self._busy = False
                try:
                    await workflow.wait_condition(self._has_changed, timeout=delay)
                    continue  # changed before the step was due: plan again
                except TimeoutError:
                    pass
                finally:
                    self._busy = True
            if self._has_changed():
                continue
            step = self._next
            request = StepRequest(
                resolution=inp.resolution, step=step, workflow_id=workflow.info().workflow_id
            )
            if workflow.patched(STEP_READS_INFO):
                info = await workflow.execute_activity(
                    defs.followup_step_then_info,
                    request,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                )
            else:
                await workflow.execute_activity(
                    defs.followup_step, request, start_to_close_timeout=ACTIVITY_TIMEOUT
                )
            self._done.append(step.key)

    @workflow.signal
    def changed(self, change: Change) -> None:
        self._changes += 1
        self._given = change.info

    @workflow.query
    def progress(self) -> Progress:
        return Progress(
            signals=self._changes,
            busy=self._busy,
            next_due=self._next.on if self._next else None,
            finished=self._finished,
        )

    @workflow.query
    def state(self) -> FollowUpState:
        info = self._info
        return FollowUpState(
            resolution=info.resolution if info else "",
            status=info.status if info else "starting",
            deadline=info.deadline if info else None,
            done=list(self._done),
            next=self._next,
        )
