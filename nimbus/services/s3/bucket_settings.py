"""A bucket's default storage class (for new objects written without ``x-amz-storage-class``) and its
attribute-based access control switch (ABAC: the bucket's tags become ``aws:ResourceTag/<key>`` in the
policies that decide requests on it; tags are then managed by TagResource, not PutBucketTagging)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.s3.common import malformed_xml
from nimbus.services.s3.config import ConfigOps
from nimbus.services.s3.settings_rules import DEFAULT_STORAGE_CLASS


class SettingsOps(ConfigOps):
    def put_bucket_default_storage_class(self, ctx: RequestContext, params: dict) -> dict:
        storage_class = params["DefaultStorageClassConfiguration"]["DefaultStorageClass"]
        return self._put_config(ctx, params, "DefaultStorageClass", storage_class, "s3:PutBucketDefaultStorageClass")

    def get_bucket_default_storage_class(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetBucketDefaultStorageClass")
        stored = (bucket.get("Config") or {}).get("DefaultStorageClass") or DEFAULT_STORAGE_CLASS
        return {"DefaultStorageClassConfiguration": {"DefaultStorageClass": stored}}

    def put_bucket_abac(self, ctx: RequestContext, params: dict) -> dict:
        status = (params.get("AbacStatus") or {}).get("Status")
        if status not in ("Enabled", "Disabled"):
            raise malformed_xml()
        return self._put_config(ctx, params, "Abac", status, "s3:PutBucketABAC")

    def get_bucket_abac(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetBucketABAC")
        return {"AbacStatus": {"Status": (bucket.get("Config") or {}).get("Abac") or "Disabled"}}
