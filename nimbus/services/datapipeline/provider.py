"""AWS Data Pipeline: pipelines and their definitions (validated as AWS does), schedules on the virtual
clock that make instances and attempts, the Task Runner protocol that hands them out, and nimbus's own
Ec2Resource workers that run them."""
from __future__ import annotations

from .definitions import DefinitionOps
from .objects import ObjectOps
from .pipelines import PipelineOps
from .tasks import TaskOps


class Provider(PipelineOps, DefinitionOps, ObjectOps, TaskOps):
    pass
