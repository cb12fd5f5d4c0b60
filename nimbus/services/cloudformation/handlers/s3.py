"""AWS::S3::Bucket and AWS::S3::BucketPolicy, through S3's own API: every bucket property S3 serves is set
with its Put<Config> call on create and on an in-place update, and read back with its Get<Config> call."""
from __future__ import annotations

import secrets
import string

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, policy_object, policy_text, required
from .s3_config import CANNED_ACL, CONFIGS, SWITCHED_OFF, UNSERVED

_SUFFIX = string.ascii_lowercase + string.digits
_BEFORE_ACL = ("OwnershipControls", "PublicAccessBlockConfiguration")


def _unserved(properties: dict) -> None:
    """A property nimbus S3 has no API for fails the resource, naming it, instead of being left unset."""
    named = [p for p in UNSERVED if p in properties]
    if named:
        raise ServiceError("InvalidRequest", f"nimbus S3 does not serve the bucket propert"
                           f"{'ies' if len(named) > 1 else 'y'} {', '.join(named)}", status=400)


class Bucket(Handler):
    type_name = "AWS::S3::Bucket"

    def create(self, api: Api, properties: dict) -> Created:
        _unserved(properties)
        name = properties.get("BucketName")
        if not name and properties.get("BucketNamePrefix"):
            name = properties["BucketNamePrefix"] + "".join(secrets.choice(_SUFFIX) for _ in range(12))
        name = name or api.physical_name(63, lower=True)
        params: dict = {"Bucket": name}
        if api.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": api.region}
        api.call("s3", "CreateBucket", params)
        try:
            self.update(api, name, {}, properties)
        except ServiceError:  # the bucket is not the stack's until create succeeds: leave nothing behind
            api.call("s3", "DeleteBucket", {"Bucket": name})
            raise
        return Created(name, self.attributes(api, name))

    @staticmethod
    def attributes(api: Api, name: str) -> dict:
        return {"Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{api.region}.amazonaws.com",
                "DualStackDomainName": f"{name}.s3.dualstack.{api.region}.amazonaws.com",
                "WebsiteURL": f"http://{name}.s3-website-{api.region}.amazonaws.com"}

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        _unserved(new)
        bucket = {"Bucket": physical_id}
        # A canned ACL needs ACLs enabled (ownership) and, if public, public ACLs allowed: those two first.
        for name in _BEFORE_ACL:
            if old.get(name) != new.get(name):
                self._apply(api, bucket, name, old, new)
        if old.get("AccessControl") != new.get("AccessControl") and (old or "AccessControl" in new):
            acl = CANNED_ACL.get(new.get("AccessControl", "Private"), new.get("AccessControl", "private"))
            api.call("s3", "PutBucketAcl", {**bucket, "ACL": acl})
        for name in CONFIGS:
            if name not in _BEFORE_ACL and old.get(name) != new.get(name):
                self._apply(api, bucket, name, old, new)
        return self.attributes(api, physical_id)

    @staticmethod
    def _apply(api: Api, bucket: dict, name: str, old: dict, new: dict) -> None:
        config = CONFIGS[name]
        if new.get(name):
            api.call("s3", config.put, {**bucket, **config.to_s3(new[name])})
        elif name in SWITCHED_OFF:
            if old.get(name):
                api.call("s3", config.put, {**bucket, **config.to_s3(SWITCHED_OFF[name])})
        elif old.get(name) and config.delete:
            api.call("s3", config.delete, bucket)

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        live: dict = {"BucketName": physical_id} if "BucketName" in properties else {}
        for name, config in CONFIGS.items():
            try:
                value = config.from_s3(api.call("s3", config.get, {"Bucket": physical_id}))
            except ServiceError as error:
                if error.code in config.missing:
                    continue
                raise
            if value:
                live[name] = value
        return live

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("s3", "DeleteBucket", {"Bucket": physical_id})


class BucketPolicy(Handler):
    type_name = "AWS::S3::BucketPolicy"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "Bucket", "PolicyDocument")
        self.update(api, properties["Bucket"], {}, properties)
        return Created(properties["Bucket"], {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        api.call("s3", "PutBucketPolicy", {"Bucket": physical_id, "Policy": policy_text(new["PolicyDocument"])})
        return {}

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        try:
            policy = api.call("s3", "GetBucketPolicy", {"Bucket": physical_id})["Policy"]
        except ServiceError as error:
            if error.code == "NoSuchBucketPolicy":  # the policy is gone: drift says DELETED
                raise ServiceError("NotFound", error.message, status=404) from None
            raise
        return {"Bucket": physical_id, "PolicyDocument": policy_object(policy)}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("s3", "DeleteBucketPolicy", {"Bucket": physical_id})
