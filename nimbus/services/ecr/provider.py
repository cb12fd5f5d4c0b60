"""Amazon ECR, the repository API only: repositories, their lifecycle and repository policies, tag
mutability, scanning configuration and tags. The image registry (docker push and pull, layers, manifests)
is not served, so DescribeImages and ListImages answer empty and every image operation is 501."""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .images import ImageOps
from .policies import PolicyOps
from .repositories import RepositoryOps
from .state import repository_arn
from .tagging import TagOps


class Provider(RepositoryOps, PolicyOps, TagOps, ImageOps):
    def resource_arns(self, ctx: RequestContext, operation: str, params: dict) -> list[str] | None:
        """IAM checks an operation on the repository's ARN, as AWS does."""
        if "resourceArn" in params:
            return [params["resourceArn"]]
        if "repositoryName" in params:
            return [repository_arn(ctx, params["repositoryName"])]
        return None
