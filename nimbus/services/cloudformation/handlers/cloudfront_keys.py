"""AWS::CloudFront::PublicKey, KeyGroup and ContinuousDeploymentPolicy: configurations the API takes as
they are, with ETags and If-Match as the other CloudFront types (cloudfront.py)."""
from __future__ import annotations

from .cloudfront import _Configured
from .cloudfront_shapes import shape, to_api


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
        flat = {"SingleWeightConfig": written.pop("SingleWeightPolicyConfig", None),
                "SingleHeaderConfig": written.pop("SingleHeaderPolicyConfig", None), "Type": written.pop("Type", None)}
        if "TrafficConfig" not in written and flat["Type"]:
            written["TrafficConfig"] = {k: v for k, v in flat.items() if v is not None}
        return to_api(written, shape(self.member))
