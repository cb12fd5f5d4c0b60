"""Repositories: CreateRepository, DescribeRepositories, DeleteRepository, PutImageTagMutability and
PutImageScanningConfiguration."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.paging import page_after
from nimbus.protocol.errors import ServiceError

from .documents import Repository
from .state import REPOSITORY_TYPE, EcrState, invalid_parameter, not_found, repositories_ns, repository_arn
from .tagging import checked_tags

_SHOWN = ("repositoryArn", "registryId", "repositoryName", "repositoryUri", "createdAt", "imageTagMutability",
          "imageTagMutabilityExclusionFilters", "imageScanningConfiguration", "encryptionConfiguration")


def shown(repository: Repository) -> dict:
    """The repository as the API reports it (no policies, no tags)."""
    return {k: repository[k] for k in _SHOWN if k in repository}  # type: ignore[literal-required]


def _encryption(params: dict) -> dict:
    config = params.get("encryptionConfiguration") or {"encryptionType": "AES256"}
    if config.get("kmsKey") and config.get("encryptionType") != "KMS":
        raise invalid_parameter("Invalid parameter at 'encryptionConfiguration' failed to satisfy constraint: "
                                "'KMS key can only be specified when encryptionType is KMS'")
    return config


class RepositoryOps(EcrState):
    def create_repository(self, ctx: RequestContext, params: dict) -> dict:
        registry, name = self.registry(ctx, params), params["repositoryName"]
        tags = checked_tags({}, params.get("tags", []))
        repository: Repository = {
            "repositoryName": name, "repositoryArn": repository_arn(ctx, name), "registryId": registry,
            "repositoryUri": f"{registry}.dkr.ecr.{ctx.region}.amazonaws.com/{name}",
            "createdAt": ctx.clock.time(), "imageTagMutability": params.get("imageTagMutability", "MUTABLE"),
            "imageScanningConfiguration": params.get("imageScanningConfiguration") or {"scanOnPush": False},
            "encryptionConfiguration": _encryption(params), "tags": tags}
        if params.get("imageTagMutabilityExclusionFilters"):
            repository["imageTagMutabilityExclusionFilters"] = params["imageTagMutabilityExclusionFilters"]
        with self.store.transaction():
            if self.find(ctx, name) is not None:
                raise ServiceError("RepositoryAlreadyExistsException", f"The repository with name '{name}' already "
                                   f"exists in the registry with id '{registry}'", status=400)
            self.save(ctx, repository, "created")
        return {"repository": shown(repository)}

    def describe_repositories(self, ctx: RequestContext, params: dict) -> dict:
        registry = self.registry(ctx, params)
        names = params.get("repositoryNames")
        if names:
            if params.get("nextToken") or params.get("maxResults"):
                raise invalid_parameter("Invalid parameter at 'repositoryNames' failed to satisfy constraint: "
                                        "'repositoryNames cannot be used with nextToken or maxResults'")
            found = []
            for name in names:
                repository = self.find(ctx, name)
                if repository is None:
                    raise not_found(name, registry)
                found.append(shown(repository))
            return {"repositories": found}
        every = self.all_repositories(ctx)
        chunk, more = page_after(every, lambda r: r["repositoryName"], params.get("nextToken"),
                                 params.get("maxResults") or 1000)
        output: dict = {"repositories": [shown(r) for r in chunk]}
        if more:
            output["nextToken"] = chunk[-1]["repositoryName"]
        return output

    def delete_repository(self, ctx: RequestContext, params: dict) -> dict:
        # nimbus serves no image registry: a repository never holds images, so force changes nothing.
        with self.store.transaction():
            repository = self.repository(ctx, params)
            self.store.delete(repositories_ns(ctx.account_id, ctx.region), repository["repositoryName"])
        ctx.emit_resource_change(REPOSITORY_TYPE, repository["repositoryArn"], "deleted")
        return {"repository": shown(repository)}

    def put_image_tag_mutability(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            repository = self.repository(ctx, params)
            repository["imageTagMutability"] = params["imageTagMutability"]
            repository.pop("imageTagMutabilityExclusionFilters", None)
            if params.get("imageTagMutabilityExclusionFilters"):
                repository["imageTagMutabilityExclusionFilters"] = params["imageTagMutabilityExclusionFilters"]
            self.save(ctx, repository)
        return {"registryId": repository["registryId"], "repositoryName": repository["repositoryName"],
                "imageTagMutability": repository["imageTagMutability"],
                **({"imageTagMutabilityExclusionFilters": repository["imageTagMutabilityExclusionFilters"]}
                   if "imageTagMutabilityExclusionFilters" in repository else {})}

    def put_image_scanning_configuration(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            repository = self.repository(ctx, params)
            repository["imageScanningConfiguration"] = params["imageScanningConfiguration"]
            self.save(ctx, repository)
        return {"registryId": repository["registryId"], "repositoryName": repository["repositoryName"],
                "imageScanningConfiguration": repository["imageScanningConfiguration"]}
