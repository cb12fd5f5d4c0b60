"""Archived objects: GLACIER, DEEP_ARCHIVE and Intelligent-Tiering's archive tiers, RestoreObject on the
virtual clock, and lifecycle transitions into the colder classes.

An archived version cannot be read (403 ``InvalidObjectState``) until a restore completes, after the
tier's delay; the restored copy then reads until its expiry (midnight UTC after ``Days``), when the
version is archived again. A version's restore lives on its record: ``Restore`` = {``ReadyAt``,
``ExpiryDate``} (epoch seconds; no expiry for an Intelligent-Tiering object, which a restore moves
back to its frequent tier, ``TierResetAt``).
"""
from __future__ import annotations

from email.utils import formatdate

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3 import lifecycle
from nimbus.services.s3.common import invalid_argument, malformed_xml
from nimbus.services.s3.documents import Bucket, ObjectVersion
from nimbus.services.s3.state import S3State

ARCHIVE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
# Each tier's longest delay in AWS's documentation, in seconds: restores finish then, not sooner.
_HOUR = 3600
DELAYS = {
    "GLACIER": {"Expedited": 5 * 60, "Standard": 5 * _HOUR, "Bulk": 12 * _HOUR},
    "ARCHIVE_ACCESS": {"Expedited": 5 * 60, "Standard": 5 * _HOUR, "Bulk": 12 * _HOUR},
    "DEEP_ARCHIVE": {"Standard": 12 * _HOUR, "Bulk": 48 * _HOUR},
    "DEEP_ARCHIVE_ACCESS": {"Standard": 12 * _HOUR, "Bulk": 48 * _HOUR},
}
# Colder classes sort later: a lifecycle transition only ever moves a version down this list.
_COLDNESS = {"STANDARD": 0, "STANDARD_IA": 1, "INTELLIGENT_TIERING": 1, "ONEZONE_IA": 1, "GLACIER_IR": 2,
             "GLACIER": 3, "DEEP_ARCHIVE": 4}


def archive_status(bucket: Bucket, record: ObjectVersion, now: float) -> str | None:
    """ARCHIVE_ACCESS or DEEP_ARCHIVE_ACCESS for an Intelligent-Tiering version its bucket's enabled
    configurations have moved there (by days since it was written or last restored)."""
    if record.get("StorageClass") != "INTELLIGENT_TIERING":
        return None
    since = max(record.get("LastModified", now), record.get("TierResetAt", 0.0))
    age_days = (now - since) / lifecycle.DAY
    status = None
    for config in ((bucket.get("Config") or {}).get("IntelligentTiering") or {}).values():
        if config.get("Status") != "Enabled" or not _it_filter_matches(config.get("Filter") or {}, record):
            continue
        for tiering in config.get("Tierings") or []:
            if age_days >= tiering["Days"] and (status is None or tiering["AccessTier"] == "DEEP_ARCHIVE_ACCESS"):
                status = tiering["AccessTier"]
    return status


def _it_filter_matches(condition: dict, record: ObjectVersion) -> bool:
    condition = condition.get("And") or condition
    if not record["Key"].startswith(condition.get("Prefix") or ""):
        return False
    tags = {t["Key"]: t["Value"] for t in record.get("Tags") or []}
    wanted = condition.get("Tags") or ([condition["Tag"]] if condition.get("Tag") else [])
    return all(tags.get(t["Key"]) == t["Value"] for t in wanted)


def _archive_of(bucket: Bucket, record: ObjectVersion, now: float) -> str | None:
    """The archive a version sits in (its class, or its Intelligent-Tiering tier), or None."""
    if record.get("StorageClass") in ARCHIVE_CLASSES:
        return record["StorageClass"]
    return archive_status(bucket, record, now)


def _restored(record: ObjectVersion, now: float) -> bool:
    """A GLACIER or DEEP_ARCHIVE version's restored copy is there (an Intelligent-Tiering version that
    a restore moved is simply not archived any more)."""
    restore = record.get("Restore")
    return restore is not None and "ExpiryDate" in restore and restore["ReadyAt"] <= now < restore["ExpiryDate"]


def check_readable(bucket: Bucket, record: ObjectVersion, now: float) -> None:
    """GET (and a copy's or a Select's source) of an archived version that is not restored: S3's 403."""
    if _archive_of(bucket, record, now) is not None and not _restored(record, now):
        raise ServiceError("InvalidObjectState", "The operation is not valid for the object's storage class",
                           status=403, StorageClass=record.get("StorageClass", "STANDARD"))


def archive_output(bucket: Bucket, record: ObjectVersion, now: float) -> dict:
    """GET/HEAD's ``x-amz-restore`` and ``x-amz-archive-status``."""
    output: dict = {}
    status = archive_status(bucket, record, now)
    if status is not None:
        output["ArchiveStatus"] = status
    restore = record.get("Restore")
    if restore is None or now >= restore.get("ExpiryDate", float("inf")):
        return output
    if now < restore["ReadyAt"]:
        output["Restore"] = 'ongoing-request="true"'
    elif "ExpiryDate" in restore:
        output["Restore"] = f'ongoing-request="false", expiry-date="{formatdate(restore["ExpiryDate"], usegmt=True)}"'
    return output


def transition(rules: list[dict], record: ObjectVersion, now: float) -> str | None:
    """The colder class a lifecycle rule has moved this version into by ``now``, or None."""
    current = _COLDNESS.get(record.get("StorageClass") or "STANDARD", 0)
    target = None
    for rule in rules:
        if not lifecycle.applies(rule, record):
            continue
        for step in rule.get("Transitions") or []:
            due = _due(step, record)
            cls = step.get("StorageClass")
            if due is not None and due <= now and _COLDNESS.get(cls, -1) > current:
                current, target = _COLDNESS[cls], cls
    return target


def _due(step: dict, record: ObjectVersion) -> float | None:
    if step.get("Days") is not None:
        due = record["LastModified"] + step["Days"] * lifecycle.DAY
        return (due // lifecycle.DAY + 1) * lifecycle.DAY if due % lifecycle.DAY else due
    if isinstance(step.get("Date"), int | float):
        return float(step["Date"])
    return None


class ArchiveOps(S3State):
    def restore_object(self, ctx: RequestContext, params: dict) -> dict:
        request = params.get("RestoreRequest") or {}
        if request.get("Type") == "SELECT" or request.get("OutputLocation"):
            raise ServiceError("NotImplemented", "nimbus does not run restore Select jobs.", status=501)
        now = ctx.clock.time()
        with self.store.transaction():
            bucket, record = self._read_version(ctx, params, "s3:RestoreObject")
            archive = _archive_of(bucket, record, now)
            if archive is None:
                raise ServiceError("InvalidObjectState", "Restore is not allowed for the object's current "
                                   "storage class", status=403, StorageClass=record.get("StorageClass", "STANDARD"))
            tiered = archive.endswith("_ACCESS")
            days = request.get("Days")
            if tiered == (days is not None):  # archive classes need Days; Intelligent-Tiering tiers refuse it
                raise malformed_xml()
            if days is not None and days < 1:
                raise invalid_argument("Days must be a positive integer", "Days", str(days))
            tier = request.get("Tier") or (request.get("GlacierJobParameters") or {}).get("Tier") or "Standard"
            delay = DELAYS[archive].get(tier)
            if delay is None:
                raise invalid_argument(f"{tier} retrieval is not supported for the {archive} storage class",
                                       "Tier", tier)
            restore = record.get("Restore")
            if restore is not None and now < restore["ReadyAt"]:
                raise ServiceError("RestoreAlreadyInProgress", "Object restore is already in progress", status=409)
            already = _restored(record, now)
            ready = now if already else now + delay
            if tiered:
                record["Restore"] = {"ReadyAt": ready}
                record["TierResetAt"] = ready
            else:
                expiry = ready + days * lifecycle.DAY
                record["Restore"] = {"ReadyAt": ready, "ExpiryDate": (expiry // lifecycle.DAY + 1) * lifecycle.DAY}
            self._save_version(bucket["Name"], record)
        ctx.response.status = 200 if already else 202
        return {}
