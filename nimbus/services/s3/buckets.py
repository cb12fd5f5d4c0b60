"""Buckets: create, delete, list, head, location, versioning state."""
from __future__ import annotations

import hashlib
import ipaddress
import re

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.access_ops import new_bucket_access
from nimbus.services.s3.common import BUCKETS, malformed_xml, parts_ns, uploads_ns, versions_ns
from nimbus.services.s3.directory_rules import directory_arn, directory_fields, is_directory
from nimbus.services.s3.documents import BUCKET, MULTIPART_UPLOAD, OBJECT_VERSION, PART
from nimbus.services.s3.object_lock import lock_enabled
from nimbus.services.s3.state import S3State

_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def check_bucket_name(name: str) -> None:
    """AWS's general purpose bucket naming rules."""
    ok = (
        _NAME.match(name) is not None
        and ".." not in name and ".-" not in name and "-." not in name
        and not name.startswith(_RESERVED_PREFIXES) and not name.endswith(_RESERVED_SUFFIXES)
    )
    if ok:
        try:
            ipaddress.IPv4Address(name)
            ok = False
        except ValueError:
            pass
    if not ok:
        raise ServiceError("InvalidBucketName", "The specified bucket is not valid.", status=400, BucketName=name)


def owner(account_id: str) -> dict:
    """The canonical user of an account (a stable 64-hex id, as S3 shows owners)."""
    return {"DisplayName": "nimbus" if account_id == "000000000000" else account_id,
            "ID": hashlib.sha256(f"nimbus-owner:{account_id}".encode()).hexdigest()}


class BucketOps(S3State):
    def create_bucket(self, ctx: RequestContext, params: dict) -> dict:
        name = params["Bucket"]
        directory = directory_fields(ctx, name, params)
        if directory is None:
            check_bucket_name(name)
        self._authorize(ctx, "s3:CreateBucket", name)
        constraint = (params.get("CreateBucketConfiguration") or {}).get("LocationConstraint")
        region = self._bucket_region(ctx, constraint) if directory is None else ctx.region
        defaults = new_bucket_access(ctx, params)
        if directory is not None:
            defaults["Directory"] = directory
        with self.store.transaction():
            existing = BUCKET.get(self.store, BUCKETS, name)
            if existing is not None:
                if existing["Account"] != ctx.account_id:
                    raise ServiceError("BucketAlreadyExists", "The requested bucket name is not available. The "
                                       "bucket namespace is shared by all users of the system. Please select a "
                                       "different name and try again.", status=409, BucketName=name)
                if region == "us-east-1" and existing["Region"] == "us-east-1":
                    return {"Location": f"/{name}"}  # S3's legacy us-east-1 answer: success
                raise ServiceError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket "
                                   "succeeded and you already own it.", status=409, BucketName=name)
            bucket = {"Name": name, "Account": ctx.account_id, "Region": region, "CreationDate": ctx.clock.time(),
                      "Versioning": None, "Config": {}, **defaults}
            if params.get("ObjectLockEnabledForBucket"):  # such a bucket is versioned for good
                bucket.update(Versioning="Enabled", Config={"ObjectLock": {"ObjectLockEnabled": "Enabled"}})
            self._save_bucket(bucket)
        if directory is not None:  # AWS::S3Express::DirectoryBucket is no type of the resource-change contract
            return {"Location": f"/{name}", "BucketArn": directory_arn(bucket)}
        ctx.emit_resource_change("AWS::S3::Bucket", f"arn:aws:s3:::{name}", "created", lambda: {"BucketName": name})
        return {"Location": f"/{name}", "BucketArn": f"arn:aws:s3:::{name}"}

    @staticmethod
    def _bucket_region(ctx: RequestContext, constraint: str | None) -> str:
        if constraint is None:
            if ctx.region != "us-east-1":
                raise ServiceError("IllegalLocationConstraintException", "The unspecified location constraint is "
                                   "incompatible for the region specific endpoint this request was sent to.",
                                   status=400)
            return "us-east-1"
        if constraint == "us-east-1" or (constraint == "EU" and ctx.region not in ("eu-west-1", "us-east-1")):
            raise ServiceError("InvalidLocationConstraint", "The specified location-constraint is not valid",
                               status=400, LocationConstraint=constraint)
        region = "eu-west-1" if constraint == "EU" else constraint
        # us-east-1's endpoint (s3.amazonaws.com) creates buckets in any region; others only in their own.
        if region != ctx.region and ctx.region != "us-east-1":
            raise ServiceError("IllegalLocationConstraintException", f"The {constraint} location constraint is "
                               f"incompatible for the region specific endpoint this request was sent to.", status=400)
        return region

    def delete_bucket(self, ctx: RequestContext, params: dict) -> dict:
        name = params["Bucket"]
        with self.store.transaction():
            self._bucket(ctx, name, "s3:DeleteBucket")
            if OBJECT_VERSION.scan(self.store, versions_ns(name), limit=1):
                raise ServiceError("BucketNotEmpty", "The bucket you tried to delete is not empty", status=409,
                                   BucketName=name)
            uploads = MULTIPART_UPLOAD.scan(self.store, uploads_ns(name))
            segments = []
            for upload_id, _ in uploads:
                segments += [p["Segment"] for _, p in PART.scan(self.store, parts_ns(upload_id))]
                self.store.delete_namespace(parts_ns(upload_id))
            self.store.delete_namespace(uploads_ns(name))
            self.store.delete(BUCKETS, name)
        self.blobs.delete(segments)
        ctx.emit_resource_change("AWS::S3::Bucket", f"arn:aws:s3:::{name}", "deleted")
        return {}

    def list_buckets(self, ctx: RequestContext, params: dict) -> dict:
        self._authorize(ctx, "s3:ListAllMyBuckets")
        prefix, region = params.get("Prefix", ""), params.get("BucketRegion")
        buckets = [b for _, b in BUCKET.scan(self.store, BUCKETS, prefix=prefix)
                   if b["Account"] == ctx.account_id and (region is None or b["Region"] == region)
                   and not is_directory(b)]
        start = params.get("ContinuationToken")
        if start:
            buckets = [b for b in buckets if b["Name"] > start]
        limit = params.get("MaxBuckets") or 10000
        chunk = buckets[:limit]
        output = {"Buckets": [{"Name": b["Name"], "CreationDate": timestamp(b["CreationDate"]),
                               "BucketRegion": b["Region"], "BucketArn": f"arn:aws:s3:::{b['Name']}"}
                              for b in chunk],
                  "Owner": owner(ctx.account_id)}
        if prefix:
            output["Prefix"] = prefix
        if len(buckets) > limit:
            output["ContinuationToken"] = chunk[-1]["Name"]
        return output

    def head_bucket(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:ListBucket")
        ctx.response.headers["content-type"] = "application/xml"  # S3 labels even this empty answer
        if is_directory(bucket):
            location = bucket["Directory"]["Location"]
            return {"BucketRegion": bucket["Region"], "BucketLocationType": location["Type"],
                    "BucketLocationName": location["Name"], "BucketArn": directory_arn(bucket)}
        return {"BucketRegion": bucket["Region"], "AccessPointAlias": False,
                "BucketArn": f"arn:aws:s3:::{bucket['Name']}"}

    def get_bucket_location(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetBucketLocation")
        region = bucket["Region"]
        return {"LocationConstraint": None if region == "us-east-1" else region}

    # -- versioning state --------------------------------------------------------

    def put_bucket_versioning(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutBucketVersioning")
            status = (params.get("VersioningConfiguration") or {}).get("Status")
            if status not in ("Enabled", "Suspended"):
                raise malformed_xml()
            if status == "Suspended" and lock_enabled(bucket):
                raise ServiceError("InvalidBucketState", "An Object Lock configuration is present on this bucket, "
                                   "so the versioning state cannot be changed.", status=409)
            bucket["Versioning"] = status
            self._save_changed_bucket(ctx, bucket)
        return {}

    def get_bucket_versioning(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetBucketVersioning")
        return {"Status": bucket["Versioning"]} if bucket.get("Versioning") else {}
