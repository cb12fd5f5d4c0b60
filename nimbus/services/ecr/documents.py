"""The stored shape of an ECR repository (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import Required, TypedDict

from nimbus.core.documents import DocumentKind


class Repository(TypedDict, total=False):
    """A repository, as DescribeRepositories names its members, with its policies and tags beside them."""
    repositoryName: Required[str]
    repositoryArn: Required[str]
    registryId: Required[str]
    repositoryUri: Required[str]
    createdAt: Required[float]
    imageTagMutability: Required[str]
    imageTagMutabilityExclusionFilters: list[dict]
    imageScanningConfiguration: Required[dict]
    encryptionConfiguration: Required[dict]
    lifecyclePolicyText: str
    policyText: str
    tags: dict[str, str]


REPOSITORY = DocumentKind[Repository]("ecr.Repository")
