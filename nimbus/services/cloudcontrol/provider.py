"""AWS Cloud Control API: create, read, update (RFC 6902 patches), delete and list resources of the types
nimbus's CloudFormation serves, through the same handlers and schemas, so the resource is real and its own
service's API sees it; resource requests tracked as AWS tracks them."""
from __future__ import annotations

from .requests import RequestOps
from .resources import ResourceOps


class Provider(ResourceOps, RequestOps):
    pass
