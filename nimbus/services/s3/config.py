"""Bucket configuration documents (CORS, tagging, website, notifications, lifecycle, encryption) and object tags."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.common import malformed_xml, no_such_key, no_such_version
from nimbus.services.s3.encryption import KMS_ALGORITHMS
from nimbus.services.s3.notifications import check_arns, validate_destinations
from nimbus.services.s3.state import S3State

# kind -> (error code, message) answered when that configuration is absent
_MISSING = {
    "Cors": ("NoSuchCORSConfiguration", "The CORS configuration does not exist"),
    "Tagging": ("NoSuchTagSet", "The TagSet does not exist"),
    "Website": ("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration"),
    "Lifecycle": ("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"),
}
_CORS_METHODS = frozenset(("GET", "PUT", "HEAD", "POST", "DELETE"))
DEFAULT_ENCRYPTION = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                                 "BucketKeyEnabled": False}]}


class ConfigOps(S3State):
    def _put_config(self, ctx: RequestContext, params: dict, kind: str, value, action: str) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], action)
            bucket.setdefault("Config", {})[kind] = value
            self._save_changed_bucket(ctx, bucket)
        return {}

    def _get_config(self, ctx: RequestContext, params: dict, kind: str, action: str):
        bucket = self._bucket(ctx, params["Bucket"], action)
        value = (bucket.get("Config") or {}).get(kind)
        if value is None and kind in _MISSING:
            code, message = _MISSING[kind]
            raise ServiceError(code, message, status=404, BucketName=params["Bucket"])
        return value

    def _delete_config(self, ctx: RequestContext, params: dict, kind: str, action: str) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], action)
            (bucket.get("Config") or {}).pop(kind, None)
            self._save_changed_bucket(ctx, bucket)
        return {}

    # -- CORS --------------------------------------------------------------------
    def put_bucket_cors(self, ctx, params):
        rules = (params.get("CORSConfiguration") or {}).get("CORSRules") or []
        if not rules or any(not r.get("AllowedMethods") or not r.get("AllowedOrigins") for r in rules):
            raise malformed_xml()
        for method in (m for r in rules for m in r["AllowedMethods"]):
            if method not in _CORS_METHODS:
                raise ServiceError("InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported "
                                   f"method is {method}", status=400)
        return self._put_config(ctx, params, "Cors", rules, "s3:PutBucketCORS")

    def get_bucket_cors(self, ctx, params):
        return {"CORSRules": self._get_config(ctx, params, "Cors", "s3:GetBucketCORS")}

    def delete_bucket_cors(self, ctx, params):
        return self._delete_config(ctx, params, "Cors", "s3:PutBucketCORS")

    # -- tagging -----------------------------------------------------------------
    def put_bucket_tagging(self, ctx, params):
        tags = (params.get("Tagging") or {}).get("TagSet") or []
        _check_tags(tags, 50, "System tags cannot be added/updated by requester")
        if ctx.request is not None:
            ctx.response.status = 204  # S3 answers PutBucketTagging with No Content
        # An empty tag set is no tag set: GetBucketTagging then answers NoSuchTagSet.
        return self._put_config(ctx, params, "Tagging", tags or None, "s3:PutBucketTagging")

    def get_bucket_tagging(self, ctx, params):
        return {"TagSet": self._get_config(ctx, params, "Tagging", "s3:GetBucketTagging")}

    def delete_bucket_tagging(self, ctx, params):
        return self._delete_config(ctx, params, "Tagging", "s3:PutBucketTagging")

    # -- website -----------------------------------------------------------------
    def put_bucket_website(self, ctx, params):
        config = params.get("WebsiteConfiguration") or {}
        if not config.get("IndexDocument") and not config.get("RedirectAllRequestsTo"):
            raise malformed_xml()
        return self._put_config(ctx, params, "Website", config, "s3:PutBucketWebsite")

    def get_bucket_website(self, ctx, params):
        return self._get_config(ctx, params, "Website", "s3:GetBucketWebsite")

    def delete_bucket_website(self, ctx, params):
        return self._delete_config(ctx, params, "Website", "s3:DeleteBucketWebsite")

    # -- notifications (topics get the events: notifications.py) ----------------------
    def put_bucket_notification_configuration(self, ctx, params):
        configuration = params.get("NotificationConfiguration") or {}
        check_arns(configuration)
        if not params.get("SkipDestinationValidation"):
            validate_destinations(ctx, self._bucket(ctx, params["Bucket"], "s3:PutBucketNotification"),
                                  configuration)
        return self._put_config(ctx, params, "Notification", configuration, "s3:PutBucketNotification")

    def get_bucket_notification_configuration(self, ctx, params):
        return self._get_config(ctx, params, "Notification", "s3:GetBucketNotification") or {}

    # -- lifecycle -----------------------------------------------------------------
    def put_bucket_lifecycle_configuration(self, ctx, params):
        rules = (params.get("LifecycleConfiguration") or {}).get("Rules") or []
        if not rules or any(r.get("Status") not in ("Enabled", "Disabled") for r in rules):
            raise malformed_xml()
        if any(rule.get("Filter") is None and rule.get("Prefix") is None for rule in rules):
            raise malformed_xml()  # S3 needs each rule's Filter (or the legacy Prefix) to say what it covers
        for rule in rules:
            date = (rule.get("Expiration") or {}).get("Date")
            if date is not None:  # stored as epoch seconds: documents are JSON
                rule["Expiration"]["Date"] = date.timestamp()
        return self._put_config(ctx, params, "Lifecycle", rules, "s3:PutLifecycleConfiguration")

    def get_bucket_lifecycle_configuration(self, ctx, params):
        rules = self._get_config(ctx, params, "Lifecycle", "s3:GetLifecycleConfiguration")
        out = []
        for rule in rules:
            rule = dict(rule)
            if (rule.get("Expiration") or {}).get("Date") is not None:
                rule["Expiration"] = {**rule["Expiration"], "Date": timestamp(rule["Expiration"]["Date"])}
            out.append(rule)
        return {"Rules": out}

    def delete_bucket_lifecycle(self, ctx, params):
        return self._delete_config(ctx, params, "Lifecycle", "s3:PutLifecycleConfiguration")

    # -- default encryption ----------------------------------------------------------
    def put_bucket_encryption(self, ctx, params):
        config = params.get("ServerSideEncryptionConfiguration") or {}
        rules = config.get("Rules") or []
        if not rules:
            raise malformed_xml()
        default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm") not in ("AES256", *KMS_ALGORITHMS):
            raise malformed_xml()
        return self._put_config(ctx, params, "Encryption", config, "s3:PutEncryptionConfiguration")

    def get_bucket_encryption(self, ctx, params):
        config = self._get_config(ctx, params, "Encryption", "s3:GetEncryptionConfiguration")
        return {"ServerSideEncryptionConfiguration": config or DEFAULT_ENCRYPTION}

    def delete_bucket_encryption(self, ctx, params):
        return self._delete_config(ctx, params, "Encryption", "s3:PutEncryptionConfiguration")

    # -- object tags ---------------------------------------------------------------------
    def _tagged_version(self, ctx, params, action):
        name, key, version_id = params["Bucket"], params["Key"], params.get("VersionId")
        self._bucket(ctx, name, action.replace("Object", "ObjectVersion") if version_id else action, key)
        record = self._find_version(name, key, version_id) if version_id else self._latest(name, key)
        if record is None and version_id:
            raise no_such_version(key, version_id)
        if record is None or record.get("DeleteMarker"):
            raise no_such_key(key)
        return record

    def _retag(self, ctx, params, tags, action):
        with self.store.transaction():
            record = self._tagged_version(ctx, params, action)
            record["Tags"] = tags
            self._save_version(params["Bucket"], record)
        return {"VersionId": record["VersionId"]} if record["VersionId"] != "null" else {}

    def put_object_tagging(self, ctx, params):
        tags = (params.get("Tagging") or {}).get("TagSet") or []
        _check_tags(tags, 10, "Your TagKey cannot be prefixed with aws:")
        return self._retag(ctx, params, tags, "s3:PutObjectTagging")

    def get_object_tagging(self, ctx, params):
        record = self._tagged_version(ctx, params, "s3:GetObjectTagging")
        output = {"TagSet": record.get("Tags") or []}
        if record["VersionId"] != "null":
            output["VersionId"] = record["VersionId"]
        return output

    def delete_object_tagging(self, ctx, params):
        return self._retag(ctx, params, [], "s3:DeleteObjectTagging")


def _check_tags(tags: list[dict], limit: int, system_tag_message: str) -> None:
    keys = [t["Key"] for t in tags]
    if any(key.lower().startswith("aws:") for key in keys):
        raise ServiceError("InvalidTag", system_tag_message, status=400)
    if len(set(keys)) != len(keys):
        raise ServiceError("InvalidTag", "Cannot provide multiple Tags with the same key", status=400)
    if len(tags) > limit:
        raise ServiceError("BadRequest", f"Object tags cannot be greater than {limit}", status=400)
