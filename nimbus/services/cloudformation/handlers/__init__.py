"""The resource types nimbus serves, keyed by type name: one module per owning service."""
from __future__ import annotations

from .base import Handler
from .cdk import Metadata
from .cloudfront import (
    CachePolicy,
    CloudFrontOriginAccessIdentity,
    Distribution,
    OriginAccessControl,
    OriginRequestPolicy,
    ResponseHeadersPolicy,
)
from .cloudfront_functions import Function, KeyValueStore
from .cloudfront_keys import ContinuousDeploymentPolicy, KeyGroup, PublicKey
from .cloudfront_realtime import RealtimeLogConfig
from .cloudtrail import Trail
from .cloudwatch import Alarm, AnomalyDetector, CompositeAlarm, Dashboard
from .config import ConfigRule, ConfigurationRecorder, ConformancePack, DeliveryChannel
from .custom import CustomResource
from .datapipeline import Pipeline
from .ecr import Repository
from .emr import Cluster, InstanceFleetConfig, InstanceGroupConfig, SecurityConfiguration, Step
from .firehose import DeliveryStream
from .iam import Role
from .iam_keys import AccessKey
from .iam_principals import Group, InstanceProfile, ManagedPolicy, Policy, User, UserToGroupAddition
from .kinesis import Stream, StreamConsumer
from .kinesisanalytics import Application, ApplicationOutput, ApplicationReferenceDataSource
from .kinesisanalyticsv2 import (
    Application as FlinkApplication,
)
from .kinesisanalyticsv2 import (
    ApplicationCloudWatchLoggingOption as FlinkLoggingOption,
)
from .kinesisanalyticsv2 import (
    ApplicationOutput as FlinkOutput,
)
from .kinesisanalyticsv2 import (
    ApplicationReferenceDataSource as FlinkReferenceDataSource,
)
from .kms import Alias, Key
from .kms_replica import ReplicaKey
from .logs import LogGroup, LogStream
from .logs_filters import Destination, MetricFilter, SubscriptionFilter
from .s3 import Bucket, BucketPolicy
from .sns import Subscription, Topic
from .sns_policies import TopicInlinePolicy, TopicPolicy
from .sqs import Queue, QueueInlinePolicy, QueuePolicy
from .ssm import Parameter
from .stack import NestedStack
from .waitcondition import WaitCondition, WaitConditionHandle


class Handlers(dict[str, Handler]):
    """Type name -> handler; every ``Custom::*`` name is a custom resource of that name."""

    def get(self, type_name: str, default: Handler | None = None) -> Handler | None:  # type: ignore[override]
        return self[type_name] if type_name in self else default

    def __contains__(self, type_name: object) -> bool:
        return super().__contains__(type_name) or (isinstance(type_name, str) and type_name.startswith("Custom::"))

    def __missing__(self, type_name: str) -> Handler:
        if type_name.startswith("Custom::"):
            return CustomResource(type_name)
        raise KeyError(type_name)


HANDLERS = Handlers({h.type_name: h for h in (
    Bucket(), BucketPolicy(), Topic(), Subscription(), Parameter(), LogGroup(), LogStream(), Role(), User(), Group(),
    ManagedPolicy(), Policy(), InstanceProfile(), UserToGroupAddition(), Key(), Alias(), Stream(), StreamConsumer(),
    AccessKey(), DeliveryStream(), Trail(), TopicPolicy(), TopicInlinePolicy(), ReplicaKey(),
    Distribution(), CloudFrontOriginAccessIdentity(), OriginAccessControl(), CachePolicy(), OriginRequestPolicy(),
    ResponseHeadersPolicy(), Function(), KeyValueStore(), PublicKey(), KeyGroup(), ContinuousDeploymentPolicy(),
    RealtimeLogConfig(),
    NestedStack(),
    Repository(), Metadata(), Pipeline(),
    ConfigRule(), ConfigurationRecorder(), DeliveryChannel(), ConformancePack(),
    CustomResource(), WaitConditionHandle(), WaitCondition(),
    Application(), ApplicationOutput(), ApplicationReferenceDataSource(),
    Cluster(), Step(), SecurityConfiguration(), InstanceGroupConfig(), InstanceFleetConfig(),
    Alarm(), CompositeAlarm(), Dashboard(), AnomalyDetector(),
    SubscriptionFilter(), MetricFilter(), Destination(),
    FlinkApplication(), FlinkOutput(), FlinkReferenceDataSource(), FlinkLoggingOption(),
    Queue(), QueuePolicy(), QueueInlinePolicy(),
)})
