"""Accounts, regions and ARNs."""
from __future__ import annotations

import re

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = re.compile(r"^\d{12}$")
# A bucket's REST endpoint name (``<bucket>.s3.amazonaws.com``, regional forms too): how CloudFront origins
# and the checks over them name an S3 bucket.
S3_DOMAIN = re.compile(r"^(?P<bucket>.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$")

# Services whose resources have no region in their ARNs.
GLOBAL_SERVICES = frozenset({"iam", "sts", "cloudfront", "organizations", "route53", "s3"})


def partition_for(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def arn(service: str, account: str, region: str, resource: str) -> str:
    region_part = "" if service in GLOBAL_SERVICES else region
    account_part = "" if service == "s3" else account
    return f"arn:{partition_for(region)}:{service}:{region_part}:{account_part}:{resource}"


def parse_arn(value: str) -> dict[str, str] | None:
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return dict(zip(("arn", "partition", "service", "region", "account", "resource"), parts))
