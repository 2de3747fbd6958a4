"""What the simulator's own worker tells it after every workflow activation.

`chibo simulate` must know, each played day, when every workflow has finished what the
day asked of it. Asking each one (a history read and a query per workflow, several times
a day) was most of a simulated year's time. The worker runs in the simulator's process,
so it can say it instead: after each activation, with the workflow's state as that
activation left it, it pushes the workflow's `progress()` here (`ProgressFeed`), and the
simulator waits on that.

Read only between activations, the state is consistent (a signal counted but not yet
acted on is never seen). A run that continues as new says so, and its workflow is not
at rest until the next run has reported. The test server moves its clock only when no
workflow task is outstanding, so a completion still on its way cannot be skipped over.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from temporalio import workflow
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.worker import (
    ContinueAsNewInput,
    ExecuteWorkflowInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInstance,
    WorkflowInstanceDetails,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
    WorkflowRunner,
)

from workflows.models import Progress


@dataclass(frozen=True)
class Report:
    """A workflow's state after its latest activation."""

    run_id: str
    progress: Progress | None
    """None while the run has not reached a state of its own (it is starting)."""
    continuing: bool = False
    """The run has continued as new: the next run is yet to report."""
    ended: bool = False


class ProgressFeed:
    """Reports by workflow id, kept on the simulator's event loop; `changed` is set
    whenever one arrives."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.reports: dict[str, Report] = {}
        self.changed = asyncio.Event()
        self._lock = threading.Lock()
        self._objects: dict[str, tuple[str, Any]] = {}
        """run id → (workflow id, the workflow object), from the worker's threads."""
        self._continuing: set[str] = set()
        self._ended: set[str] = set()

    # --- the worker's side (its threads) ----------------------------------------------

    def _started(self, run_id: str, workflow_id: str, instance: Any) -> None:
        with self._lock:
            self._objects[run_id] = (workflow_id, instance)

    def _continues(self, run_id: str) -> None:
        with self._lock:
            self._continuing.add(run_id)

    def _ends(self, run_id: str) -> None:
        with self._lock:
            self._ended.add(run_id)

    def _activated(self, run_id: str) -> None:
        with self._lock:
            continuing, ended = run_id in self._continuing, run_id in self._ended
            # A run's last report is this one: forget it (a year holds thousands of runs).
            found = (self._objects.pop if ended else self._objects.get)(run_id, None)
            if ended:
                self._continuing.discard(run_id)
                self._ended.discard(run_id)
        if found is None:
            return  # its first activation has not reached the workflow's code yet
        workflow_id, instance = found
        progress = None if ended else instance.progress()
        report = Report(run_id, progress, continuing=continuing, ended=ended and not continuing)
        with contextlib.suppress(RuntimeError):  # the simulation is over: nobody listens
            self.loop.call_soon_threadsafe(self._arrive, workflow_id, report)

    # --- the simulator's side ---------------------------------------------------------

    def _arrive(self, workflow_id: str, report: Report) -> None:
        # In the order they were made: a workflow's activations run one after another,
        # and a new run's first only once the server has its previous run's last.
        self.reports[workflow_id] = report
        self.changed.set()

    def interceptor(self) -> Interceptor:
        return _Interceptor(self)

    def runner(self, inner: WorkflowRunner) -> WorkflowRunner:
        return _Runner(inner, self)


class _Interceptor(Interceptor):
    def __init__(self, feed: ProgressFeed) -> None:
        self.feed = feed

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        feed = self.feed

        class Outbound(WorkflowOutboundInterceptor):
            def continue_as_new(self, input: ContinueAsNewInput) -> NoReturn:
                feed._continues(workflow.info().run_id)
                super().continue_as_new(input)

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(Outbound(outbound))

            async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
                info = workflow.info()
                feed._started(info.run_id, info.workflow_id, workflow.instance())
                try:
                    return await super().execute_workflow(input)
                finally:
                    feed._ends(info.run_id)

        return Inbound


class _Runner(WorkflowRunner):
    """The worker's own runner, telling the feed after each activation."""

    def __init__(self, inner: WorkflowRunner, feed: ProgressFeed) -> None:
        self.inner = inner
        self.feed = feed

    def prepare_workflow(self, defn: Any) -> None:
        self.inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Instance(self.inner.create_instance(det), self.feed)

    def set_worker_level_failure_exception_types(
        self, types: Sequence[type[BaseException]]
    ) -> None:
        self.inner.set_worker_level_failure_exception_types(types)


class _Instance(WorkflowInstance):
    def __init__(self, inner: WorkflowInstance, feed: ProgressFeed) -> None:
        self.inner = inner
        self.feed = feed

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        completion = self.inner.activate(act)
        if not all(job.HasField("remove_from_cache") for job in act.jobs):
            self.feed._activated(act.run_id)
        return completion

    def get_info(self) -> workflow.Info:
        return self.inner.get_info()

    def get_serialization_context(self, command_info: Any) -> Any:
        return self.inner.get_serialization_context(command_info)

    def get_external_store_context(self, command_info: Any) -> Any:
        return self.inner.get_external_store_context(command_info)

    def get_thread_id(self) -> int | None:
        return self.inner.get_thread_id()
