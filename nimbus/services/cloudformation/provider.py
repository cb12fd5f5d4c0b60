"""AWS CloudFormation: stacks from JSON or YAML templates whose resources are real nimbus resources, made
through each owning service's API as the stack's RoleARN or as the caller; rollback on failure, exports
and imports, termination protection, change sets, nested stacks, drift detection, resource import,
stack sets across accounts and regions (self-managed), custom resources and wait conditions.
"""
from __future__ import annotations

from .describe import DescribeOps
from .drift import DriftOps
from .imports import ImportOps
from .lifecycle import LifecycleOps
from .nested_changesets import NestedChangeSetOps
from .signals import SignalOps
from .stacksets import StackSetOps
from .templates import TemplateOps


class Provider(NestedChangeSetOps, ImportOps, LifecycleOps, DescribeOps, DriftOps, TemplateOps, StackSetOps,
               SignalOps):
    # Parameter values may be NoEcho secrets: CloudTrail records the keys, never the values.
    REDACTED_MEMBERS = frozenset({"ParameterValue", "ResolvedValue"})
