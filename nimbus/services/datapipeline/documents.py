"""The stored shapes of Data Pipeline (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import Required, TypedDict

from nimbus.core.documents import DocumentKind


class Pipeline(TypedDict, total=False):
    """A pipeline as DescribePipelines names it, with its latest and active definitions beside it."""
    pipelineId: Required[str]
    name: Required[str]
    uniqueId: Required[str]
    accountId: Required[str]
    region: Required[str]
    description: str
    tags: list[dict]
    creationTime: Required[float]
    userId: Required[str]
    pipelineState: Required[str]
    pipelineObjects: list[dict]
    parameterObjects: list[dict]
    parameterValues: list[dict]
    errored: bool
    activeObjects: list[dict]
    activeParameterObjects: list[dict]
    activeParameterValues: list[dict]
    activatedAt: float
    scheduledFrom: float
    periodsCreated: dict[str, int]
    latestRunTime: float


class RunObject(TypedDict):
    """An instance or an attempt: a pipeline object whose ``@``-fields say its run (``@status``,
    ``@scheduledStartTime``, ``@componentParent``...)."""
    id: str
    name: str
    fields: list[dict]


class Task(TypedDict, total=False):
    """A task handed to a task runner by PollForTask: one attempt, until its runner reports it."""
    taskId: Required[str]
    pipelineId: Required[str]
    attemptId: Required[str]
    instanceId: Required[str]
    workerGroup: Required[str]
    precondition: str  # a ShellCommandPrecondition's check rather than an attempt (shell_precondition.py)


PIPELINE = DocumentKind[Pipeline]("datapipeline.Pipeline")
RUN_OBJECT = DocumentKind[RunObject]("datapipeline.RunObject")
TASK = DocumentKind[Task]("datapipeline.Task")
