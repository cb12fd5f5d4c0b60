"""DescribeImages and ListImages: nimbus serves no image registry (no push or pull), so a repository
never holds an image; naming one is AWS's ImageNotFoundException."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .state import EcrState


class ImageOps(EcrState):
    def describe_images(self, ctx: RequestContext, params: dict) -> dict:
        repository = self.repository(ctx, params)
        for image in params.get("imageIds") or []:
            shown = ", ".join(f"{k}:'{image.get(k, 'null')}'" for k in ("imageDigest", "imageTag"))
            raise ServiceError("ImageNotFoundException", f"The image with imageId {{{shown}}} does not exist within "
                               f"the repository with name '{repository['repositoryName']}' in the registry with id "
                               f"'{repository['registryId']}'", status=400)
        return {"imageDetails": []}

    def list_images(self, ctx: RequestContext, params: dict) -> dict:
        self.repository(ctx, params)
        return {"imageIds": []}
