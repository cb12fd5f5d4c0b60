"""CloudFormation stacks and CloudFront distributions."""
from __future__ import annotations

import time

from tests.support.basics import unique

# --- CloudFormation ------------------------------------------------------------------------------

def settled_stack(cf, name: str, timeout: float = 60.0) -> dict:
    """The stack once its operation has ended (whatever the outcome), as DescribeStacks shows it."""
    deadline = time.monotonic() + timeout
    while True:
        stack = cf.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        assert time.monotonic() < deadline, f"{name} still {stack['StackStatus']}"
        time.sleep(0.1)


def stack_events(cf, name: str) -> list[tuple[str, str, str]]:
    """(logical id, status, reason) of every event, oldest first."""
    events = cf.describe_stack_events(StackName=name)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", "")) for e in reversed(events)]


def stack_resources(cf, name: str) -> dict[str, str]:
    """Logical id -> physical id of the stack's resources."""
    summaries = cf.list_stack_resources(StackName=name)["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in summaries}


def handler_api(aws, account: str, region: str = "us-east-1"):
    """A resource handler's ``Api`` whose calls go to the server through boto3 as ``aws`` (the test's account),
    their errors raised as the internal client raises them: for calling a handler's hooks (``read``) directly."""
    from botocore import xform_name
    from botocore.exceptions import ClientError

    from nimbus.protocol.errors import ServiceError
    from nimbus.services.cloudformation.handlers.base import Api

    def call(service: str, operation: str, params: dict) -> dict:
        try:
            answer = getattr(aws(service), xform_name(operation))(**params)
        except ClientError as error:
            raise ServiceError(error.response["Error"]["Code"], error.response["Error"]["Message"]) from None
        answer.pop("ResponseMetadata", None)
        return answer
    return Api(call, account, region, "stack", "Resource")


# --- CloudFront -----------------------------------------------------------------------------------

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def s3_origin(origin_id: str, bucket_name: str, path: str = "") -> dict:
    return {"Id": origin_id, "DomainName": f"{bucket_name}.s3.amazonaws.com", "OriginPath": path,
            "S3OriginConfig": {"OriginAccessIdentity": ""}}


def legacy_behaviour(origin_id: str, min_ttl: int = 0, default_ttl: int = 86400, max_ttl: int = 31536000,
                     query_string: bool = False, **extra) -> dict:
    """A cache behaviour with legacy cache settings (ForwardedValues and TTLs), no cache policy."""
    return {"TargetOriginId": origin_id, "ViewerProtocolPolicy": "allow-all", "MinTTL": min_ttl,
            "DefaultTTL": default_ttl, "MaxTTL": max_ttl,
            "ForwardedValues": {"QueryString": query_string, "Cookies": {"Forward": "none"}}, **extra}


def distribution_config(origins: list[dict], default: dict, behaviours: list[dict] = (), **extra) -> dict:
    """A DistributionConfig: the origins, the default behaviour and path behaviours in order."""
    config = {"CallerReference": unique("ref"), "Comment": "", "Enabled": True,
              "Origins": {"Quantity": len(origins), "Items": origins}, "DefaultCacheBehavior": default,
              **extra}
    if behaviours:
        config["CacheBehaviors"] = {"Quantity": len(behaviours), "Items": list(behaviours)}
    return config
