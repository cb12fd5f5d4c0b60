"""AWS::CloudFront::Distribution, CloudFrontOriginAccessIdentity, OriginAccessControl, CachePolicy,
OriginRequestPolicy and ResponseHeadersPolicy, through CloudFront's own API: every change reads the ETag
and sends it as If-Match, and a distribution is disabled before it is deleted, as AWS's handler does."""
from __future__ import annotations

import uuid

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, required, tag_list, tag_map
from .cloudfront_shapes import shape, to_api, to_template


def _reference() -> str:
    return f"cfn-{uuid.uuid4()}"


class _Configured(Handler):
    """A resource whose one property is its API configuration (``<Resource>Config``)."""
    resource = ""  # the API's resource name, as its operations name it: "CachePolicy"
    attributes: tuple[str, ...] = ("Id",)
    template_reference = False  # the template writes the CallerReference (a public key's), not the stack

    @property
    def member(self) -> str:
        return self.resource + "Config"

    def config(self, properties: dict, before: dict | None) -> dict:
        return to_api(properties[self.member], shape(self.member))

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, self.member)
        made = api.call("cloudfront", f"Create{self.resource}", {self.member: self.config(properties, None)})
        return Created(made[self.resource]["Id"], self._attributes(made[self.resource]))

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        current = api.call("cloudfront", f"Get{self.resource}Config", {"Id": physical_id})
        changed = api.call("cloudfront", f"Update{self.resource}", {
            "Id": physical_id, "IfMatch": current["ETag"], self.member: self.config(new, current[self.member])})
        return self._attributes(changed[self.resource])

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        current = api.call("cloudfront", f"Get{self.resource}", {"Id": physical_id})
        api.call("cloudfront", f"Delete{self.resource}", {"Id": physical_id, "IfMatch": current["ETag"]})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        try:
            current = api.call("cloudfront", f"Get{self.resource}Config", {"Id": physical_id})
        except ServiceError as error:
            if error.code.startswith("NoSuch"):
                return None
            raise
        live = to_template(current[self.member], shape(self.member))
        if not self.template_reference:
            live.pop("CallerReference", None)  # the stack's own, never the template's
        return {self.member: live}

    def _attributes(self, made: dict) -> dict:
        return {name: str(made[name]) for name in self.attributes if name in made}


class _Policy(_Configured):
    attributes = ("Id", "LastModifiedTime")


class CachePolicy(_Policy):
    type_name, resource = "AWS::CloudFront::CachePolicy", "CachePolicy"


class OriginRequestPolicy(_Policy):
    type_name, resource = "AWS::CloudFront::OriginRequestPolicy", "OriginRequestPolicy"


class ResponseHeadersPolicy(_Policy):
    type_name, resource = "AWS::CloudFront::ResponseHeadersPolicy", "ResponseHeadersPolicy"


class OriginAccessControl(_Configured):
    type_name = "AWS::CloudFront::OriginAccessControl"
    resource = "OriginAccessControl"


class CloudFrontOriginAccessIdentity(_Configured):
    type_name = "AWS::CloudFront::CloudFrontOriginAccessIdentity"
    resource = "CloudFrontOriginAccessIdentity"
    attributes = ("Id", "S3CanonicalUserId")

    def config(self, properties: dict, before: dict | None) -> dict:
        # A template has no CallerReference: the stack makes one, and keeps it across updates.
        return {"CallerReference": (before or {}).get("CallerReference") or _reference(),
                "Comment": str(properties[self.member].get("Comment", ""))}



class Distribution(_Configured):
    type_name = "AWS::CloudFront::Distribution"
    resource = "Distribution"
    attributes = ("Id", "DomainName")

    def config(self, properties: dict, before: dict | None) -> dict:
        config = to_api(properties[self.member], shape(self.member))
        config["CallerReference"] = (before or {}).get("CallerReference") or _reference()
        return config

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, self.member)
        config = self.config(properties, None)
        if properties.get("Tags"):
            made = api.call("cloudfront", "CreateDistributionWithTags", {"DistributionConfigWithTags": {
                "DistributionConfig": config, "Tags": {"Items": tag_list(properties["Tags"])}}})
        else:
            made = api.call("cloudfront", "CreateDistribution", {self.member: config})
        return Created(made[self.resource]["Id"], self._attributes(made[self.resource]))

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        attributes = super().update(api, physical_id, old, new)
        before, after = tag_map(old.get("Tags")), tag_map(new.get("Tags"))
        if before != after:
            arn = api.call("cloudfront", "GetDistribution", {"Id": physical_id})[self.resource]["ARN"]
            if set(before) - set(after):
                api.call("cloudfront", "UntagResource", {"Resource": arn, "TagKeys": {
                    "Items": sorted(set(before) - set(after))}})
            if after:
                api.call("cloudfront", "TagResource", {"Resource": arn, "Tags": {"Items": tag_list(after)}})
        return attributes

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        current = api.call("cloudfront", "GetDistributionConfig", {"Id": physical_id})
        etag = current["ETag"]
        if current[self.member]["Enabled"]:
            etag = api.call("cloudfront", "UpdateDistribution", {
                "Id": physical_id, "IfMatch": etag, self.member: {**current[self.member], "Enabled": False}})["ETag"]
        api.call("cloudfront", "DeleteDistribution", {"Id": physical_id, "IfMatch": etag})

