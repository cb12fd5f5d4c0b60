"""May this caller act on this topic? The shared IAM engine decides, with the topic policy as the resource policy.

SNS always evaluates topic policies: a service principal (S3, CloudTrail publishing for a resource) and
callers from other accounts need an explicit grant there, even without --enforce-iam.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .common import authorization_error

SERVICE_SOURCE_KEYS = ("aws:SourceArn", "aws:SourceAccount")


def _condition_keys(ctx: RequestContext) -> dict[str, str]:
    """A service acting for a resource names it (S3 bucket, CloudTrail trail) and its account.

    AWS:SourceOwner is only set for callers of the owner's own account, which is why the default
    topic policy does not let a service publish: that takes a statement naming the service.
    """
    if ctx.principal.type != "AWSService":
        return {"AWS:SourceOwner": ctx.principal.account_id}
    return {name: ctx.extra[name] for name in SERVICE_SOURCE_KEYS if ctx.extra.get(name)}


def topic_policy_allows(topic: dict, ctx: RequestContext, action: str = "SNS:Publish") -> bool:
    """Raise SNS's AuthorizationError when the caller may not act on the topic; True otherwise."""
    attributes = topic["Attributes"]
    ctx.authorize(
        action, attributes["TopicArn"],
        resource_policy=attributes.get("Policy") or None,
        resource_account=attributes["Owner"],
        context=_condition_keys(ctx),
        mode="always",
        must_grant=ctx.principal.type == "AWSService",
        error=lambda decision: authorization_error(decision.message()),
    )
    return True
