"""AWS Systems Manager Parameter Store: parameters and their versions, labels, tiers, policies (Expiration
on the virtual clock), tags, and SecureString values encrypted by nimbus KMS as the caller.

The rest of Systems Manager (documents, Run Command, sessions, automation...) is not served: 501.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .common import parameter_arn
from .labels import LabelOps
from .reads import ReadOps, split_selector
from .search import SearchOps
from .tagging import TagOps
from .writes import WriteOps

# The member naming the parameter an operation acts on, for the IAM resource of its call.
_NAMED_BY = {"PutParameter": "Name", "GetParameter": "Name", "DeleteParameter": "Name",
             "GetParameterHistory": "Name", "LabelParameterVersion": "Name", "UnlabelParameterVersion": "Name",
             "GetParameters": "Names", "DeleteParameters": "Names", "AddTagsToResource": "ResourceId",
             "RemoveTagsFromResource": "ResourceId", "ListTagsForResource": "ResourceId"}


class Provider(WriteOps, ReadOps, SearchOps, LabelOps, TagOps):
    def resource_arns(self, ctx: RequestContext, operation: str, params: dict) -> list[str] | None:
        """IAM checks ``ssm:GetParameter`` and the rest on the parameter's ARN, as AWS does."""
        member = _NAMED_BY.get(operation)
        if member is None or (member == "ResourceId" and params.get("ResourceType") != "Parameter"):
            return None
        named = params.get(member)
        identifiers = named if isinstance(named, list) else [named]
        names = [split_selector(i)[0] for i in identifiers if isinstance(i, str)]
        return [name if name.startswith("arn:") else parameter_arn(ctx, name) for name in names]
