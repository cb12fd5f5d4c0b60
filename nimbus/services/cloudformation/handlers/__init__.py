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
from .cloudtrail import Trail
from .datapipeline import Pipeline
from .ecr import Repository
from .firehose import DeliveryStream
from .iam import Role
from .iam_keys import AccessKey
from .iam_principals import Group, InstanceProfile, ManagedPolicy, Policy, User, UserToGroupAddition
from .kinesis import Stream, StreamConsumer
from .kms import Alias, Key
from .kms_replica import ReplicaKey
from .logs import LogGroup, LogStream
from .s3 import Bucket, BucketPolicy
from .sns import Subscription, Topic
from .sns_policies import TopicInlinePolicy, TopicPolicy
from .ssm import Parameter
from .stack import NestedStack

HANDLERS: dict[str, Handler] = {h.type_name: h for h in (
    Bucket(), BucketPolicy(), Topic(), Subscription(), Parameter(), LogGroup(), LogStream(), Role(), User(), Group(),
    ManagedPolicy(), Policy(), InstanceProfile(), UserToGroupAddition(), Key(), Alias(), Stream(), StreamConsumer(),
    AccessKey(), DeliveryStream(), Trail(), TopicPolicy(), TopicInlinePolicy(), ReplicaKey(),
    Distribution(), CloudFrontOriginAccessIdentity(), OriginAccessControl(), CachePolicy(), OriginRequestPolicy(),
    ResponseHeadersPolicy(), Function(), KeyValueStore(), PublicKey(), KeyGroup(), ContinuousDeploymentPolicy(),
    NestedStack(),
    Repository(), Metadata(), Pipeline(),
)}
