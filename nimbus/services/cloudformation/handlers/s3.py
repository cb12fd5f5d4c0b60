"""AWS::S3::Bucket and AWS::S3::BucketPolicy, through S3's own API."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, boolean, policy_object, policy_text, required, tag_list, tags_or_none


def _encryption(config: dict) -> dict:
    """The template's BucketEncryption in PutBucketEncryption's words."""
    rules = []
    for rule in config.get("ServerSideEncryptionConfiguration", []):
        out = {}
        if "ServerSideEncryptionByDefault" in rule:
            out["ApplyServerSideEncryptionByDefault"] = rule["ServerSideEncryptionByDefault"]
        if "BucketKeyEnabled" in rule:
            out["BucketKeyEnabled"] = boolean(rule["BucketKeyEnabled"])
        rules.append(out)
    return {"Rules": rules}


class Bucket(Handler):
    type_name = "AWS::S3::Bucket"

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("BucketName") or api.physical_name(63, lower=True)
        params: dict = {"Bucket": name}
        if api.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": api.region}
        api.call("s3", "CreateBucket", params)
        self.update(api, name, {}, properties)
        return Created(name, self.attributes(api, name))

    @staticmethod
    def attributes(api: Api, name: str) -> dict:
        return {"Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{api.region}.amazonaws.com",
                "DualStackDomainName": f"{name}.s3.dualstack.{api.region}.amazonaws.com",
                "WebsiteURL": f"http://{name}.s3-website-{api.region}.amazonaws.com"}

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        bucket = {"Bucket": physical_id}
        if old.get("VersioningConfiguration") != new.get("VersioningConfiguration"):
            status = (new.get("VersioningConfiguration") or {}).get("Status", "Suspended")
            if old or status != "Suspended":
                api.call("s3", "PutBucketVersioning", {**bucket, "VersioningConfiguration": {"Status": status}})
        if old.get("Tags") != new.get("Tags"):
            if new.get("Tags"):
                api.call("s3", "PutBucketTagging", {**bucket, "Tagging": {"TagSet": tag_list(new["Tags"])}})
            else:
                api.call("s3", "DeleteBucketTagging", bucket)
        if old.get("BucketEncryption") != new.get("BucketEncryption"):
            if new.get("BucketEncryption"):
                api.call("s3", "PutBucketEncryption", {**bucket, "ServerSideEncryptionConfiguration":
                                                       _encryption(new["BucketEncryption"])})
            elif old:
                api.call("s3", "DeleteBucketEncryption", bucket)
        return self.attributes(api, physical_id)

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("s3", "DeleteBucket", {"Bucket": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        bucket = {"Bucket": physical_id}
        api.call("s3", "HeadBucket", bucket)
        status = api.call("s3", "GetBucketVersioning", bucket).get("Status")
        rules = api.call("s3", "GetBucketEncryption", bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        return {"BucketName": physical_id, "VersioningConfiguration": {"Status": status} if status else None,
                "Tags": tags_or_none(api, "s3", "GetBucketTagging", bucket, "NoSuchTagSet"),
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": r.get("ApplyServerSideEncryptionByDefault", {}),
                     "BucketKeyEnabled": r.get("BucketKeyEnabled", False)} for r in rules]}}


class BucketPolicy(Handler):
    type_name = "AWS::S3::BucketPolicy"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "Bucket", "PolicyDocument")
        self.update(api, properties["Bucket"], {}, properties)
        return Created(properties["Bucket"], {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        api.call("s3", "PutBucketPolicy", {"Bucket": physical_id, "Policy": policy_text(new["PolicyDocument"])})
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("s3", "DeleteBucketPolicy", {"Bucket": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        try:
            policy = api.call("s3", "GetBucketPolicy", {"Bucket": physical_id})["Policy"]
        except ServiceError as error:
            if error.code == "NoSuchBucketPolicy":
                raise ServiceError("NotFound", error.message, status=404) from None
            raise
        return {"Bucket": physical_id, "PolicyDocument": policy_object(policy)}
