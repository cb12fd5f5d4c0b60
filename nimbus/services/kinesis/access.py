"""Who may use a stream or consumer: its resource policy, evaluated by the shared IAM engine.

Every operation on a stream or consumer is checked here (the dispatcher leaves them to us), on the
resource's ARN, before whether it exists is told, as AWS does:

* a stream or consumer of another account, addressed by its ARN, is usable only for the operations AWS
  lets a resource policy share (``SHARED_*``) and only when its policy grants them to the caller (its
  ARN, or its account, whose identity policies then decide): anything else is AccessDeniedException;
* within the owner's account a policy can grant (an IAM user or role named there needs no identity
  policy) and its explicit denies bind every caller, the account's root included;
* without ``--enforce-iam`` the caller's identity policies are taken as allowing (``mode="always"``);
  with it the full IAM decision is enforced.

Internal calls are checked like any other (Firehose reading a stream as its role's session), except those
forwarded as the original caller, who was checked already.
"""
from __future__ import annotations

import json
import re

from nimbus.core.arns import ACCOUNT_ID, arn
from nimbus.core.context import RequestContext
from nimbus.core.policy import Decision, Policy, PolicyError, compile_policy
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis.documents import Consumer, Stream

# What a resource policy can share with other accounts (AWS: "actions supported by resource-based
# policies"); consumer-addressed operations are judged by the consumer's own policy.
SHARED_STREAM_ACTIONS = frozenset({
    "DescribeStream", "DescribeStreamSummary", "GetRecords", "GetShardIterator", "ListShards",
    "ListStreamConsumers", "PutRecord", "PutRecords",
})
SHARED_CONSUMER_ACTIONS = frozenset({"DescribeStreamConsumer", "SubscribeToShard"})
# Operations that name a stream or consumer; each is checked here on that resource.
SELF_AUTHORIZED = frozenset({
    "AddTagsToStream", "DecreaseStreamRetentionPeriod", "DeleteResourcePolicy", "DeleteStream",
    "DeregisterStreamConsumer", "DescribeStream", "DescribeStreamConsumer", "DescribeStreamSummary",
    "DisableEnhancedMonitoring", "EnableEnhancedMonitoring", "GetRecords", "GetResourcePolicy",
    "GetShardIterator", "IncreaseStreamRetentionPeriod", "ListShards", "ListStreamConsumers",
    "ListTagsForResource", "ListTagsForStream", "MergeShards", "PutRecord", "PutRecords", "PutResourcePolicy",
    "RegisterStreamConsumer", "RemoveTagsFromStream", "SplitShard", "StartStreamEncryption",
    "StopStreamEncryption", "SubscribeToShard", "TagResource", "UntagResource", "UpdateMaxRecordSize",
    "UpdateShardCount", "UpdateStreamMode", "UpdateStreamRecordDistributionStrategy",
    "UpdateStreamWarmThroughput",
})
MAX_POLICY_BYTES = 20 * 1024
_IAM_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:(iam::\d{12}:(root|user/.+|role/.+)|sts::\d{12}:assumed-role/.+/.+)$")
_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$")


def stream_arn(ctx: RequestContext, account: str, name: str) -> str:
    return arn("kinesis", account, ctx.region, f"stream/{name}")


def check_stream(ctx: RequestContext, account: str, name: str, stream: Stream | None) -> None:
    """May the caller run this operation on the stream (``None``: it does not exist)?"""
    if ctx.forwarded:
        return
    resource = stream["StreamARN"] if stream is not None else stream_arn(ctx, account, name)
    _check(ctx, resource, account, stream["Policy"] if stream is not None else None, SHARED_STREAM_ACTIONS)


def check_consumer(ctx: RequestContext, account: str, consumer_arn: str, consumer: Consumer | None) -> None:
    if ctx.forwarded:
        return
    _check(ctx, consumer_arn, account, consumer["Policy"] if consumer is not None else None,
           SHARED_CONSUMER_ACTIONS)


def _check(ctx: RequestContext, resource: str, account: str, policy_text: str | None, shared: frozenset) -> None:
    operation = ctx.operation
    # Another account's policy cannot open what AWS does not share: there it grants nothing.
    policy = compiled(policy_text) if policy_text and (account == ctx.account_id or operation in shared) else None
    ctx.authorize(f"kinesis:{operation}", resource, resource_policy=policy, resource_account=account,
                  mode="always", error=denied)


def denied(decision: Decision) -> ServiceError:
    """Kinesis's AccessDeniedException: the model gives it no HTTP status, so it is a 400 as in AWS."""
    return ServiceError("AccessDeniedException", decision.message(), status=400, sender_fault=True)


def compiled(text: str) -> Policy:
    """A stored policy, compiled (the engine caches by text; policies were validated when written)."""
    return compile_policy(text, "resource")


def validate(text: str) -> None:
    """PutResourcePolicy's checks: a resource policy in IAM's grammar whose principals are accounts,
    IAM users and roles, role sessions or AWS services."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise ServiceError("InvalidArgumentException",
                           f"Policy size exceeds the maximum allowed size of {MAX_POLICY_BYTES} bytes.")
    try:
        policy = compile_policy(text, "resource")
    except PolicyError as exc:
        raise ServiceError("InvalidArgumentException", f"Invalid policy: {exc}") from None
    for statement in policy.statements:
        for principals in (statement.principals, statement.not_principals):
            for kind, names in (principals or {}).items():
                for name in names:
                    if not _valid_principal(kind, name):
                        raise ServiceError("InvalidArgumentException",
                                           f"Invalid policy: Invalid principal in policy: {json.dumps({kind: name})}")


def _valid_principal(kind: str, name: str) -> bool:
    if kind == "*" or name == "*":
        return True
    if kind == "AWS":
        return bool(ACCOUNT_ID.match(name) or _IAM_PRINCIPAL.match(name))
    if kind == "Service":
        return bool(_SERVICE_PRINCIPAL.match(name))
    return False  # Federated and CanonicalUser principals cannot use Kinesis resources
