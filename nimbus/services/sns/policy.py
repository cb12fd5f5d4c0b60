"""May this caller act on this topic? The shared IAM engine decides, with the topic policy as the resource policy.

SNS always evaluates topic policies: a service principal (S3, CloudTrail publishing for a resource) and
callers from other accounts need an explicit grant there, even without --enforce-iam.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .common import authorization_error
from .documents import Topic


def _condition_keys(ctx: RequestContext) -> dict[str, str]:
    """AWS:SourceOwner, set only for callers of the owner's own account, which is why the default topic
    policy does not let a service publish: that takes a statement naming the service. (A service acting
    for a resource, an S3 bucket or a CloudTrail trail, names it in ``ctx.source``: the authorizer gives
    every policy aws:SourceArn and aws:SourceAccount from it.)
    """
    if ctx.principal.type != "AWSService":
        return {"AWS:SourceOwner": ctx.principal.account_id}
    return {}


def topic_policy_allows(topic: Topic, ctx: RequestContext, action: str = "SNS:Publish") -> bool:
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
