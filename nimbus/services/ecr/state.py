"""What every ECR module shares: finding, saving and naming repositories, and AWS's words for a
repository that is not there."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.resource_change import Change
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

from .documents import REPOSITORY, Repository

repositories_ns = Namespace("ecr", "repositories")
REPOSITORY_TYPE = "AWS::ECR::Repository"


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message, status=400)


def repository_arn(ctx: RequestContext, name: str) -> str:
    return f"arn:aws:ecr:{ctx.region}:{ctx.account_id}:repository/{name}"


class EcrState(BaseProvider):
    def registry(self, ctx: RequestContext, params: dict) -> str:
        """The registry a call names: only the caller's own (nimbus keeps no cross-account registry grants)."""
        registry = params.get("registryId") or ctx.account_id
        if registry != ctx.account_id:
            raise invalid_parameter(f"Invalid parameter at 'registryId' failed to satisfy constraint: 'The registry "
                                    f"with id '{registry}' is not the registry of account {ctx.account_id}'")
        return registry

    def find(self, ctx: RequestContext, name: str) -> Repository | None:
        return REPOSITORY.get(self.store, repositories_ns(ctx.account_id, ctx.region), name)

    def repository(self, ctx: RequestContext, params: dict) -> Repository:
        """The repository ``repositoryName`` names, or AWS's RepositoryNotFoundException."""
        registry = self.registry(ctx, params)
        found = self.find(ctx, params["repositoryName"])
        if found is None:
            raise not_found(params["repositoryName"], registry)
        return found

    def save(self, ctx: RequestContext, repository: Repository, change: Change = "updated") -> None:
        """Save a repository, and tell subscribers (AWS Config) that it was created or changed."""
        REPOSITORY.put(self.store, repositories_ns(ctx.account_id, ctx.region), repository["repositoryName"],
                       repository)
        name = repository["repositoryName"]
        ctx.emit_resource_change(REPOSITORY_TYPE, repository["repositoryArn"], change,
                                 lambda: {"RepositoryName": name})

    def all_repositories(self, ctx: RequestContext) -> list[Repository]:
        return [doc for _, doc in REPOSITORY.scan(self.store, repositories_ns(ctx.account_id, ctx.region))]


def not_found(name: str, registry: str) -> ServiceError:
    return ServiceError("RepositoryNotFoundException", f"The repository with name '{name}' does not exist in the "
                        f"registry with id '{registry}'", status=400)
