"""AWS CloudFormation: stacks from JSON or YAML templates whose resources are real nimbus resources, made
through each owning service's API as the stack's RoleARN or as the caller; rollback on failure, exports
and imports, termination protection, change sets, nested stacks,
drift detection and resource import.
"""
from __future__ import annotations

from .describe import DescribeOps
from .drift import DriftOps
from .imports import ImportOps
from .lifecycle import LifecycleOps
from .nested_changesets import NestedChangeSetOps
from .templates import TemplateOps


class Provider(NestedChangeSetOps, ImportOps, LifecycleOps, DescribeOps, DriftOps, TemplateOps):
    # Parameter values may be NoEcho secrets: CloudTrail records the keys, never the values.
    REDACTED_MEMBERS = frozenset({"ParameterValue", "ResolvedValue"})
