"""AWS::CloudFront::PublicKey, KeyGroup and ContinuousDeploymentPolicy: configurations the API takes as
they are, with ETags and If-Match as the other CloudFront types (cloudfront.py)."""
from __future__ import annotations

from .base import Api
from .cloudfront import _Configured
from .cloudfront_shapes import shape, to_api

# A continuous deployment policy's traffic split: the API's TrafficConfig members, the template's flat ones.
_FLAT = (("SingleWeightConfig", "SingleWeightPolicyConfig"), ("SingleHeaderConfig", "SingleHeaderPolicyConfig"))


class PublicKey(_Configured):
    type_name, resource = "AWS::CloudFront::PublicKey", "PublicKey"
    attributes = ("Id", "CreatedTime")
    template_reference = True


class KeyGroup(_Configured):
    type_name, resource = "AWS::CloudFront::KeyGroup", "KeyGroup"
    attributes = ("Id", "LastModifiedTime")


class ContinuousDeploymentPolicy(_Configured):
    type_name, resource = "AWS::CloudFront::ContinuousDeploymentPolicy", "ContinuousDeploymentPolicy"
    attributes = ("Id", "LastModifiedTime")

    def config(self, properties: dict, before: dict | None) -> dict:
        # A template may say the traffic split in the API's TrafficConfig or in its own flatter words:
        # Type with SingleWeightPolicyConfig or SingleHeaderPolicyConfig beside it.
        written = dict(properties[self.member])
        flat = {api_name: written.pop(template_name, None) for api_name, template_name in _FLAT}
        flat["Type"] = written.pop("Type", None)
        if "TrafficConfig" not in written and flat["Type"]:
            written["TrafficConfig"] = {k: v for k, v in flat.items() if v is not None}
        return to_api(written, shape(self.member))

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        live = super().read(api, physical_id, properties)
        written = properties.get(self.member) or {}
        if live is None or "TrafficConfig" in written or "Type" not in written:
            return live
        # Said in the template's flat words: read back in the same words, for drift to compare.
        config = dict(live[self.member])
        traffic = config.pop("TrafficConfig", None) or {}
        config["Type"] = traffic.get("Type")
        for api_name, template_name in _FLAT:
            if api_name in traffic:
                config[template_name] = traffic[api_name]
        return {self.member: config}
