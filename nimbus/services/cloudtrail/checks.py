"""What CreateTrail/UpdateTrail check before accepting a destination, as AWS does: the bucket exists and
its policy lets cloudtrail.amazonaws.com write, the SNS topic policy lets it publish, the KMS key policy
lets it encrypt. Resources are read through the internal client; policies go through the shared engine
with CloudTrail's service principal as the caller."""
from __future__ import annotations

import dataclasses
import json

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.identity import service_principal
from nimbus.core.roles import check_pass_role, role_account
from nimbus.protocol.errors import ServiceError

CLOUDTRAIL = "cloudtrail.amazonaws.com"
LOGS_SESSION = "CloudTrailCloudWatchLogsDelivery"  # the session CloudTrail writes to CloudWatch Logs as


def call(ctx: RequestContext, service: str, operation: str, params: dict, region: str | None = None,
         as_caller: bool = True) -> dict:
    """Reads of the caller's resources go as the caller (via CloudTrail, ``invokedBy``), as the console's
    checks do; ``as_caller=False`` makes the call as CloudTrail's own service principal."""
    return ctx.runtime.client.call(service, operation, params, account_id=ctx.account_id,
                                   region=region or ctx.region, invoked_by=CLOUDTRAIL,
                                   principal=ctx.principal if as_caller else None)


def service_allows(ctx: RequestContext, action: str, resource: str, policy, source_arn: str,
                   context: dict | None = None, resource_account: str | None = None) -> bool:
    """Would ``policy`` let CloudTrail (acting for ``source_arn``) do ``action`` on ``resource``?"""
    if not policy:
        return False
    # A service principal belongs to no customer account: only a statement naming the service grants it.
    as_service = dataclasses.replace(ctx, principal=service_principal(CLOUDTRAIL),
                                     authorization=None, internal=True)
    keys = {"aws:SourceArn": source_arn, "aws:SourceAccount": ctx.account_id, **(context or {})}
    try:
        decision = ctx.runtime.authz.authorize(as_service, action, resource, resource_policy=policy,
                                               resource_account=resource_account or ctx.account_id,
                                               context=keys, mode="record", must_grant=True)
    except Exception:  # a stored policy the engine cannot read grants nothing
        return False
    return bool(decision.resource_allowed)


def check_bucket(ctx: RequestContext, bucket: str, prefix: str | None, trail_arn: str) -> None:
    try:
        call(ctx, "s3", "HeadBucket", {"Bucket": bucket}, as_caller=False)
    except ServiceError as error:
        if error.code in ("NoSuchBucket", "404", "NotFound"):
            raise ServiceError("S3BucketDoesNotExistException",
                               f"S3 bucket {bucket} does not exist.", status=400) from None
        if error.code not in ("AccessDenied", "403"):
            raise
    try:
        policy = call(ctx, "s3", "GetBucketPolicy", {"Bucket": bucket}).get("Policy")
    except ServiceError as error:
        if error.code == "NotImplemented":
            return  # this nimbus's S3 keeps no bucket policies yet: nothing can forbid the write
        if error.code != "NoSuchBucketPolicy":
            raise
        policy = None
    key_prefix = f"{prefix}/" if prefix else ""
    objects = f"arn:aws:s3:::{bucket}/{key_prefix}AWSLogs/{ctx.account_id}/*"
    allowed = service_allows(ctx, "s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", policy, trail_arn) and \
        service_allows(ctx, "s3:PutObject", objects, policy, trail_arn,
                       {"s3:x-amz-acl": "bucket-owner-full-control"})
    if not allowed:
        raise ServiceError("InsufficientS3BucketPolicyException",
                           f"Incorrect S3 bucket policy is detected for bucket: {bucket}", status=403)


def resolve_topic(ctx: RequestContext, topic: str, trail_arn: str) -> str:
    """The topic's ARN, once its policy lets CloudTrail publish."""
    arn = topic if topic.startswith("arn:") else f"arn:aws:sns:{ctx.region}:{ctx.account_id}:{topic}"
    region = arn.split(":")[3]
    try:
        attributes = call(ctx, "sns", "GetTopicAttributes", {"TopicArn": arn}, region=region)["Attributes"]
    except ServiceError as error:
        if error.code in ("NotFound", "NotFoundException", "InvalidParameter"):
            raise ServiceError("InsufficientSnsTopicPolicyException",
                               f"SNS Topic does not exist or the topic policy is incorrect: {arn}",
                               status=403) from None
        raise
    if not service_allows(ctx, "sns:Publish", arn, attributes.get("Policy"), trail_arn,
                          resource_account=arn.split(":")[4]):
        raise ServiceError("InsufficientSnsTopicPolicyException",
                           f"Incorrect SNS topic policy or the topic does not exist: {arn}", status=403)
    return arn


def resolve_key(ctx: RequestContext, key_id: str, trail_arn: str) -> str:
    """The KMS key's ARN, once its policy lets CloudTrail encrypt with it."""
    region = key_id.split(":")[3] if key_id.startswith("arn:") else ctx.region
    try:
        metadata = call(ctx, "kms", "DescribeKey", {"KeyId": key_id}, region=region)["KeyMetadata"]
    except ServiceError as error:
        if error.code in ("NotFoundException", "InvalidArnException", "ValidationException"):
            raise ServiceError("KmsKeyNotFoundException", f"KMS key {key_id} was not found.", status=400) from None
        raise
    if metadata.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT" or metadata.get("KeyState") != "Enabled":
        raise ServiceError("KmsException", f"KMS key {key_id} is not an enabled symmetric key.", status=400)
    arn = metadata["Arn"]
    policy = call(ctx, "kms", "GetKeyPolicy", {"KeyId": arn, "PolicyName": "default"}, region=region).get("Policy")
    if isinstance(policy, str):
        json.loads(policy)
    if not service_allows(ctx, "kms:GenerateDataKey", arn, policy, trail_arn,
                          {"kms:EncryptionContext:aws:cloudtrail:arn": trail_arn},
                          resource_account=arn.split(":")[4]):
        raise ServiceError("InsufficientEncryptionPolicyException",
                           "Insufficient permissions to access S3 bucket or KMS key.", status=400)
    return arn


def role_refused(_why: str = "") -> ServiceError:
    """CloudTrail's answer for a role it cannot assume, whatever the reason (AWS tells no more)."""
    return ServiceError("InvalidCloudWatchLogsRoleArnException",
                        "Access denied. Verify in IAM that the role has adequate permissions.", status=400)


def check_log_group(ctx: RequestContext, group_arn: str | None, role_arn: str | None, trail_arn: str) -> None:
    """The log group is the trail owner's and exists; the caller may pass the role, and CloudTrail (for this
    trail) may assume it."""
    if not group_arn and not role_arn:
        return
    if not group_arn:
        raise ServiceError("InvalidCloudWatchLogsLogGroupArnException",
                           "You must specify a log group and a role ARN together.", status=400)
    if not role_arn:
        raise ServiceError("InvalidCloudWatchLogsRoleArnException",
                           "You must specify a log group and a role ARN together.", status=400)
    parts = group_arn.split(":")
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        raise ServiceError("InvalidCloudWatchLogsLogGroupArnException",
                           f"Invalid log group ARN: {group_arn}", status=400)
    if parts[4] != ctx.account_id:  # a trail writes only to its owner's log groups
        raise ServiceError("InvalidCloudWatchLogsLogGroupArnException",
                           f"The log group {group_arn} is not in account {ctx.account_id}.", status=400)
    found = call(ctx, "logs", "DescribeLogGroups", {"logGroupNamePrefix": parts[6]},
                 region=parts[3]).get("logGroups", [])
    if not any(g["logGroupName"] == parts[6] for g in found):
        raise ServiceError("InvalidCloudWatchLogsLogGroupArnException",
                           f"Log group {parts[6]} does not exist.", status=400)
    if role_account(role_arn) is None:
        raise ServiceError("InvalidCloudWatchLogsRoleArnException", f"Invalid role ARN: {role_arn}", status=400)
    check_pass_role(ctx, role_arn, CLOUDTRAIL, LOGS_SESSION, role_refused, CallSource(trail_arn, ctx.account_id))
