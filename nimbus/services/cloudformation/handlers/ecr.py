"""AWS::ECR::Repository, through ECR's own (repository-only) API."""
from __future__ import annotations

import json

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, boolean, policy_text, tag_list


def _scanning(properties: dict) -> dict:
    return {"scanOnPush": boolean((properties.get("ImageScanningConfiguration") or {}).get("ScanOnPush", False))}


def _exclusions(properties: dict) -> list[dict]:
    return [{"filterType": f["ImageTagMutabilityExclusionFilterType"], "filter": f["ImageTagMutabilityExclusionFilterValue"]}
            for f in properties.get("ImageTagMutabilityExclusionFilters") or []]


class Repository(Handler):
    type_name = "AWS::ECR::Repository"

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("RepositoryName") or api.physical_name(256, lower=True)
        params: dict = {"repositoryName": name, "imageTagMutability": properties.get("ImageTagMutability", "MUTABLE"),
                        "imageScanningConfiguration": _scanning(properties)}
        if _exclusions(properties):
            params["imageTagMutabilityExclusionFilters"] = _exclusions(properties)
        encryption = properties.get("EncryptionConfiguration")
        if encryption:
            params["encryptionConfiguration"] = {"encryptionType": encryption.get("EncryptionType", "AES256"),
                                                 **({"kmsKey": encryption["KmsKey"]} if "KmsKey" in encryption else {})}
        if properties.get("Tags"):
            params["tags"] = tag_list(properties["Tags"])
        repository = api.call("ecr", "CreateRepository", params)["repository"]
        try:
            self._policies(api, name, {}, properties)
        except ServiceError:  # not the stack's until create succeeds: leave nothing behind
            api.call("ecr", "DeleteRepository", {"repositoryName": name, "force": True})
            raise
        return Created(name, {"Arn": repository["repositoryArn"], "RepositoryUri": repository["repositoryUri"]})

    def _policies(self, api: Api, name: str, old: dict, new: dict) -> None:
        repo = {"repositoryName": name}
        lifecycle = (new.get("LifecyclePolicy") or {}).get("LifecyclePolicyText")
        if lifecycle != (old.get("LifecyclePolicy") or {}).get("LifecyclePolicyText"):
            if lifecycle:
                api.call("ecr", "PutLifecyclePolicy", {**repo, "lifecyclePolicyText": lifecycle})
            else:
                api.call("ecr", "DeleteLifecyclePolicy", repo)
        if new.get("RepositoryPolicyText") != old.get("RepositoryPolicyText"):
            if new.get("RepositoryPolicyText"):
                api.call("ecr", "SetRepositoryPolicy", {**repo, "policyText": policy_text(new["RepositoryPolicyText"])})
            else:
                api.call("ecr", "DeleteRepositoryPolicy", repo)

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        repo = {"repositoryName": physical_id}
        if (old.get("ImageTagMutability"), _exclusions(old)) != (new.get("ImageTagMutability"), _exclusions(new)):
            params = {**repo, "imageTagMutability": new.get("ImageTagMutability", "MUTABLE")}
            if _exclusions(new):
                params["imageTagMutabilityExclusionFilters"] = _exclusions(new)
            api.call("ecr", "PutImageTagMutability", params)
        if _scanning(old) != _scanning(new):
            api.call("ecr", "PutImageScanningConfiguration", {**repo, "imageScanningConfiguration": _scanning(new)})
        self._policies(api, physical_id, old, new)
        arn = api.arn("ecr", f"repository/{physical_id}")
        if old.get("Tags") != new.get("Tags"):
            dropped = set(t["Key"] for t in tag_list(old.get("Tags"))) - set(t["Key"] for t in tag_list(new.get("Tags")))
            if dropped:
                api.call("ecr", "UntagResource", {"resourceArn": arn, "tagKeys": sorted(dropped)})
            if new.get("Tags"):
                api.call("ecr", "TagResource", {"resourceArn": arn, "tags": tag_list(new["Tags"])})
        return {"Arn": arn, "RepositoryUri": f"{api.account}.dkr.ecr.{api.region}.amazonaws.com/{physical_id}"}

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        repo = {"repositoryName": physical_id}
        found = api.call("ecr", "DescribeRepositories", {"repositoryNames": [physical_id]})["repositories"][0]
        live: dict = {"RepositoryName": physical_id, "ImageTagMutability": found["imageTagMutability"],
                      "ImageScanningConfiguration": {"ScanOnPush": found["imageScanningConfiguration"]["scanOnPush"]},
                      "EncryptionConfiguration": {"EncryptionType": found["encryptionConfiguration"]["encryptionType"]}}
        tags = api.call("ecr", "ListTagsForResource", {"resourceArn": found["repositoryArn"]})["tags"]
        if tags:
            live["Tags"] = tags
        for operation, prop, member, code in (
                ("GetLifecyclePolicy", "LifecyclePolicy", "lifecyclePolicyText", "LifecyclePolicyNotFoundException"),
                ("GetRepositoryPolicy", "RepositoryPolicyText", "policyText", "RepositoryPolicyNotFoundException")):
            try:
                text = api.call("ecr", operation, repo)[member]
            except ServiceError as error:
                if error.code != code:
                    raise
                continue
            live[prop] = {"LifecyclePolicyText": text} if prop == "LifecyclePolicy" else json.loads(text)
        return live

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("ecr", "DeleteRepository", {"repositoryName": physical_id,
                                             "force": boolean(properties.get("EmptyOnDelete", False))})
