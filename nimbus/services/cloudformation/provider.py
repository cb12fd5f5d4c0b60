"""AWS CloudFormation: stacks from JSON or YAML templates whose resources are real nimbus resources, made
through each owning service's API as the stack's RoleARN or as the caller; rollback on failure, exports
and imports, termination protection. Change sets, drift, stack sets and nested stacks are not served yet.
"""
from __future__ import annotations

from .changesets import ChangeSetOps
from .describe import DescribeOps
from .lifecycle import LifecycleOps
from .templates import TemplateOps


class Provider(ChangeSetOps, LifecycleOps, DescribeOps, TemplateOps):
    # Parameter values may be NoEcho secrets: CloudTrail records the keys, never the values.
    REDACTED_MEMBERS = frozenset({"ParameterValue", "ResolvedValue"})
