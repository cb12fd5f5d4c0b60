"""The resource-change events of CloudFront's resources other than distributions (real-time log configurations,
public keys, key value stores), published for AWS Config in US East (N. Virginia), where AWS Config records
this global service's resources."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.resource_change import Change, Configuration

from .state import CONFIG_REGION

REALTIME_LOG_CONFIG_TYPE = "AWS::CloudFront::RealtimeLogConfig"
PUBLIC_KEY_TYPE = "AWS::CloudFront::PublicKey"
KEY_VALUE_STORE_TYPE = "AWS::CloudFront::KeyValueStore"


def public_key_arn(account: str, key_id: str) -> str:
    """CloudFront answers no ARN for a public key; this is the form of its other resources' ARNs."""
    return f"arn:aws:cloudfront::{account}:public-key/{key_id}"


def recorded_change(ctx: RequestContext, resource_type: str, arn: str, change: Change,
                    configuration: Configuration | None = None) -> None:
    ctx.emit_resource_change(resource_type, arn, change, configuration, region=CONFIG_REGION)
