"""Object Lock: a bucket's default retention, each version's retention and legal hold, and the rule
that a locked version cannot be deleted before its date on the virtual clock.

A version's lock lives on its record (``ObjectLockMode``, ``ObjectLockRetainUntilDate`` as epoch
seconds, ``ObjectLockLegalHoldStatus``); the bucket's configuration in ``Config["ObjectLock"]``.
GOVERNANCE retention may be shortened or removed, and the version deleted, by a caller allowed
``s3:BypassGovernanceRetention`` who sends ``x-amz-bypass-governance-retention``; COMPLIANCE by no one.
"""
from __future__ import annotations

from datetime import datetime

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.common import invalid_argument, malformed_xml, no_such_key
from nimbus.services.s3.documents import Bucket, ObjectVersion
from nimbus.services.s3.state import S3State

_MODES = ("GOVERNANCE", "COMPLIANCE")
_DAY = 86400.0


def _missing_configuration() -> ServiceError:
    return ServiceError("InvalidRequest", "Bucket is missing Object Lock Configuration", status=400)


def lock_enabled(bucket: Bucket) -> bool:
    return ((bucket.get("Config") or {}).get("ObjectLock") or {}).get("ObjectLockEnabled") == "Enabled"


def _until(value) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def lock_for_new_version(ctx: RequestContext, bucket: Bucket, params: dict) -> dict:
    """The lock fields a new version gets (PutObject, CopyObject, CompleteMultipartUpload): the request's
    lock headers, else the bucket's default retention."""
    mode, until, hold = (params.get("ObjectLockMode"), params.get("ObjectLockRetainUntilDate"),
                         params.get("ObjectLockLegalHoldStatus"))
    if not lock_enabled(bucket):
        if mode or until or hold:
            raise _missing_configuration()
        return {}
    record: dict = {}
    if bool(mode) != bool(until):
        raise invalid_argument("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
                               "supplied")
    if mode:
        if _until(until) <= ctx.clock.time():
            raise invalid_argument("The retain until date must be in the future!")
        record.update(ObjectLockMode=mode, ObjectLockRetainUntilDate=_until(until))
    else:
        default = ((bucket["Config"]["ObjectLock"].get("Rule") or {}).get("DefaultRetention")) or {}
        if default:
            days = default.get("Days") or default.get("Years", 0) * 365
            record.update(ObjectLockMode=default["Mode"], ObjectLockRetainUntilDate=ctx.clock.time() + days * _DAY)
    if hold:
        record["ObjectLockLegalHoldStatus"] = hold
    return record


def lock_output(record: ObjectVersion) -> dict:
    """GET/HEAD members of a version's lock."""
    output: dict = {}
    if record.get("ObjectLockMode"):
        output.update(ObjectLockMode=record["ObjectLockMode"],
                      ObjectLockRetainUntilDate=timestamp(record["ObjectLockRetainUntilDate"]))
    if record.get("ObjectLockLegalHoldStatus"):
        output["ObjectLockLegalHoldStatus"] = record["ObjectLockLegalHoldStatus"]
    return output


def _retained(ctx: RequestContext, record: ObjectVersion) -> bool:
    return bool(record.get("ObjectLockMode")) and record.get("ObjectLockRetainUntilDate", 0) > ctx.clock.time()


def check_unlocked(state: S3State, ctx: RequestContext, bucket: Bucket, record: ObjectVersion, bypass: bool) -> None:
    """Refuse to delete a version under legal hold, or retained (GOVERNANCE only with bypass)."""
    if record.get("ObjectLockLegalHoldStatus") == "ON":
        raise _protected()
    if not _retained(ctx, record):
        return
    if record["ObjectLockMode"] == "GOVERNANCE" and bypass:
        state._authorize(ctx, "s3:BypassGovernanceRetention", bucket["Name"], record["Key"], bucket_record=bucket)
        return
    raise _protected()


def _protected() -> ServiceError:
    return ServiceError("AccessDenied", "Access Denied because object protected by object lock.", status=403)


class ObjectLockOps(S3State):
    # -- the bucket's configuration --------------------------------------------------
    def put_object_lock_configuration(self, ctx, params):
        config = params.get("ObjectLockConfiguration") or {}
        if config.get("ObjectLockEnabled") != "Enabled":
            raise malformed_xml()
        default = (config.get("Rule") or {}).get("DefaultRetention")
        if default is not None:
            if ("Days" in default) == ("Years" in default) or default.get("Mode") not in _MODES:
                raise malformed_xml()
            if (default.get("Days") or default.get("Years") or 0) <= 0:
                raise invalid_argument("Default retention period must be a positive integer value",
                                       "Days" if "Days" in default else "Years")
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutBucketObjectLockConfiguration")
            if bucket.get("Versioning") != "Enabled":
                raise ServiceError("InvalidBucketState", "Versioning must be 'Enabled' on the bucket to apply a "
                                   "Object Lock configuration", status=409)
            bucket.setdefault("Config", {})["ObjectLock"] = config
            self._save_changed_bucket(ctx, bucket)
        return {}

    def get_object_lock_configuration(self, ctx, params):
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetBucketObjectLockConfiguration")
        if not lock_enabled(bucket):
            raise ServiceError("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist "
                               "for this bucket", status=404, BucketName=params["Bucket"])
        return {"ObjectLockConfiguration": bucket["Config"]["ObjectLock"]}

    # -- a version's retention and legal hold --------------------------------------------
    def _locked_version(self, ctx, params, action) -> tuple[Bucket, ObjectVersion]:
        name, key, version_id = params["Bucket"], params["Key"], params.get("VersionId")
        bucket = self._bucket(ctx, name, action, key)
        if not lock_enabled(bucket):
            raise _missing_configuration()
        record = self._find_version(name, key, version_id) if version_id else self._latest(name, key)
        if record is None:
            if version_id:
                raise ServiceError("NoSuchVersion", "The specified version does not exist.", status=404,
                                   Key=key, VersionId=version_id)
            raise no_such_key(key)
        if record.get("DeleteMarker"):
            raise ServiceError("MethodNotAllowed", "The specified method is not allowed against this resource.",
                               status=405, Method="PUT" if action.startswith("s3:Put") else "GET",
                               ResourceType="DeleteMarker")
        return bucket, record

    def put_object_retention(self, ctx, params):
        retention = params.get("Retention") or {}
        mode, until = retention.get("Mode"), retention.get("RetainUntilDate")
        if bool(mode) != bool(until) or (mode and mode not in _MODES):
            raise malformed_xml()
        with self.store.transaction():
            bucket, record = self._locked_version(ctx, params, "s3:PutObjectRetention")
            if _retained(ctx, record) and self._weakens(record, mode, until):
                if record["ObjectLockMode"] == "COMPLIANCE" or not params.get("BypassGovernanceRetention"):
                    raise _protected()
                self._authorize(ctx, "s3:BypassGovernanceRetention", bucket["Name"], record["Key"],
                                bucket_record=bucket)
            if mode:
                if _until(until) <= ctx.clock.time():
                    raise invalid_argument("The retain until date must be in the future!")
                record.update(ObjectLockMode=mode, ObjectLockRetainUntilDate=_until(until))
            else:
                record.pop("ObjectLockMode", None)
                record.pop("ObjectLockRetainUntilDate", None)
            self._save_version(bucket["Name"], record)
        return {}

    @staticmethod
    def _weakens(record: ObjectVersion, mode: str | None, until) -> bool:
        """Removing retention, moving it earlier, or leaving COMPLIANCE for GOVERNANCE."""
        if not mode:
            return True
        if record["ObjectLockMode"] == "COMPLIANCE" and mode != "COMPLIANCE":
            return True
        return _until(until) < record["ObjectLockRetainUntilDate"]

    def get_object_retention(self, ctx, params):
        _, record = self._locked_version(ctx, params, "s3:GetObjectRetention")
        if not record.get("ObjectLockMode"):
            raise ServiceError("NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock "
                               "configuration", status=404)
        return {"Retention": {"Mode": record["ObjectLockMode"],
                              "RetainUntilDate": timestamp(record["ObjectLockRetainUntilDate"])}}

    def put_object_legal_hold(self, ctx, params):
        status = (params.get("LegalHold") or {}).get("Status")
        if status not in ("ON", "OFF"):
            raise malformed_xml()
        with self.store.transaction():
            bucket, record = self._locked_version(ctx, params, "s3:PutObjectLegalHold")
            record["ObjectLockLegalHoldStatus"] = status
            self._save_version(bucket["Name"], record)
        return {}

    def get_object_legal_hold(self, ctx, params):
        _, record = self._locked_version(ctx, params, "s3:GetObjectLegalHold")
        if not record.get("ObjectLockLegalHoldStatus"):
            raise ServiceError("NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock "
                               "configuration", status=404)
        return {"LegalHold": {"Status": record["ObjectLockLegalHoldStatus"]}}
