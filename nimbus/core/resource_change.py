"""The contract of resource-change events: what a provider may publish, and how a subscriber checks it.

Providers publish through ``ctx.emit_resource_change(type, arn, change, configuration)``; AWS Config
(and the tests) subscribe. The configuration is a callable, called only when someone subscribes, so a
server nobody listens to does no work for it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, get_args

from nimbus.core.arns import ACCOUNT_ID, GLOBAL_SERVICES, parse_arn, partition_for

if TYPE_CHECKING:
    from nimbus.core.events import ResourceChangeEvent

Change = Literal["created", "updated", "deleted"]
CHANGES: frozenset[str] = frozenset(get_args(Change))
Configuration = Callable[[], dict[str, Any] | None]

# CloudFormation type name -> the ARN service of its resources.
RESOURCE_TYPES: dict[str, str] = {
    "AWS::CloudFormation::Stack": "cloudformation",
    "AWS::CloudFront::Distribution": "cloudfront",
    "AWS::CloudFront::KeyValueStore": "cloudfront",
    "AWS::CloudFront::PublicKey": "cloudfront",
    "AWS::CloudFront::RealtimeLogConfig": "cloudfront",
    "AWS::CloudTrail::Trail": "cloudtrail",
    "AWS::CloudWatch::Alarm": "cloudwatch",
    "AWS::CloudWatch::MetricStream": "cloudwatch",
    "AWS::DataPipeline::Pipeline": "datapipeline",
    "AWS::ECR::Repository": "ecr",
    "AWS::EMR::Cluster": "elasticmapreduce",
    "AWS::EMR::SecurityConfiguration": "elasticmapreduce",
    "AWS::IAM::User": "iam",
    "AWS::IAM::Group": "iam",
    "AWS::IAM::Role": "iam",
    "AWS::IAM::Policy": "iam",  # a managed policy, as AWS Config names it
    "AWS::KMS::Key": "kms",
    "AWS::KMS::ReplicaKey": "kms",
    "AWS::Kinesis::Stream": "kinesis",
    "AWS::Kinesis::Channel": "kinesis",
    "AWS::Kinesis::StreamConsumer": "kinesis",
    "AWS::KinesisAnalytics::Application": "kinesisanalytics",
    "AWS::KinesisAnalyticsV2::Application": "kinesisanalytics",
    "AWS::KinesisFirehose::DeliveryStream": "firehose",
    "AWS::Logs::LogGroup": "logs",
    "AWS::Logs::Destination": "logs",
    "AWS::S3::Bucket": "s3",
    "AWS::SNS::Topic": "sns",
    "AWS::SQS::Queue": "sqs",
    "AWS::SSM::Parameter": "ssm",
}


def check_kind(resource_type: str, change: str) -> None:
    """A provider's mistake in what it publishes: fails loudly, in tests, whether or not anyone listens."""
    if change not in CHANGES:
        raise ValueError(f"resource change {change!r} is not one of {sorted(CHANGES)}")
    if resource_type not in RESOURCE_TYPES:
        raise ValueError(f"resource type {resource_type!r} is not a known CloudFormation type")


def contract_errors(event: ResourceChangeEvent) -> list[str]:
    """What is wrong with a published event; empty when it keeps the contract."""
    errors = []
    if event.change not in CHANGES:
        errors.append(f"change {event.change!r} is not one of {sorted(CHANGES)}")
    service = RESOURCE_TYPES.get(event.resource_type)
    if service is None:
        errors.append(f"unknown resource type {event.resource_type!r}")
    arn = parse_arn(event.resource_arn)
    if arn is None or not arn["resource"]:
        return [*errors, f"{event.resource_arn!r} is not an ARN"]
    if arn["partition"] != partition_for(event.region):
        errors.append(f"{event.resource_arn} is not in the partition of {event.region}")
    if service is not None and arn["service"] != service:
        errors.append(f"{event.resource_arn} is not a {service} ARN")
    region = "" if arn["service"] in GLOBAL_SERVICES else event.region
    if arn["region"] != region:
        errors.append(f"{event.resource_arn} is not in region {region or '(none)'}")
    account = "" if arn["service"] == "s3" else event.account_id
    if arn["account"] != account or (account and not ACCOUNT_ID.match(account)):
        errors.append(f"{event.resource_arn} is not of account {account or '(none)'}")
    if event.change == "deleted" and event.configuration is not None:
        errors.append(f"{event.resource_arn} was deleted but has a configuration")
    if event.configuration is not None and not isinstance(event.configuration, dict):
        errors.append(f"{event.resource_arn}'s configuration is not a dict")
    return errors
