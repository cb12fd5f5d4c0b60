"""The resource types nimbus serves, keyed by type name: one module per owning service."""
from __future__ import annotations

from .base import Handler
from .cdk import Metadata
from .ecr import Repository
from .iam import Role
from .iam_principals import Group, InstanceProfile, ManagedPolicy, Policy, User, UserToGroupAddition
from .kinesis import Stream, StreamConsumer
from .kms import Alias, Key
from .logs import LogGroup, LogStream
from .s3 import Bucket, BucketPolicy
from .sns import Subscription, Topic
from .ssm import Parameter

HANDLERS: dict[str, Handler] = {h.type_name: h for h in (
    Bucket(), BucketPolicy(), Topic(), Subscription(), Parameter(), LogGroup(), LogStream(), Role(), User(), Group(),
    ManagedPolicy(), Policy(), InstanceProfile(), UserToGroupAddition(), Key(), Alias(), Stream(), StreamConsumer(),
    Repository(), Metadata(),
)}
