"""AWS::ECR::Repository as AWS Config records it: the repository's CloudFormation properties, with its
lifecycle and repository policies, and its KMS key."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.services.config.described import Described, epoch, every_page, relationship, supports, tag_map

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

REPOSITORY = "AWS::ECR::Repository"


def describe_repository(reader: Reader, arn: str) -> Described | None:
    name = arn.split(":repository/", 1)[1]
    found = reader.optional("ecr", "DescribeRepositories", {"repositoryNames": [name]},
                            ("RepositoryNotFoundException",))
    if found is None:
        return None
    repository = found["repositories"][0]
    lifecycle = reader.optional("ecr", "GetLifecyclePolicy", {"repositoryName": name},
                                ("LifecyclePolicyNotFoundException",)) or {}
    policy = reader.optional("ecr", "GetRepositoryPolicy", {"repositoryName": name},
                             ("RepositoryPolicyNotFoundException",)) or {}
    tags = tag_map(reader.call("ecr", "ListTagsForResource", {"resourceArn": arn}).get("tags"))
    encryption = repository.get("encryptionConfiguration") or {}
    configuration = {
        "RepositoryName": name, "Arn": arn, "RepositoryUri": repository.get("repositoryUri"),
        "ImageTagMutability": repository.get("imageTagMutability"),
        "ImageScanningConfiguration": {"ScanOnPush": repository.get("imageScanningConfiguration", {}).get(
            "scanOnPush", False)},
        "EncryptionConfiguration": {"EncryptionType": encryption.get("encryptionType"),
                                    "KmsKey": encryption.get("kmsKey")},
        "LifecyclePolicy": {"LifecyclePolicyText": lifecycle.get("lifecyclePolicyText"),
                            "RegistryId": repository.get("registryId")},
        "RepositoryPolicyText": policy.get("policyText"),
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }
    related = []
    if encryption.get("kmsKey"):
        key_id = encryption["kmsKey"].rsplit("/", 1)[-1]
        related.append(relationship("AWS::KMS::Key", key_id, "Is associated with KMSKey", key_id))
    return Described(resource_id=name, name=name, arn=arn, configuration=configuration, tags=tags,
                     relationships=related, created=epoch(repository.get("createdAt")))


def discover_repositories(reader: Reader) -> list[str]:
    return [r["repositoryArn"] for r in every_page(reader, "ecr", "DescribeRepositories", "repositories", "nextToken")]


supports(REPOSITORY, describe_repository, discover_repositories)
