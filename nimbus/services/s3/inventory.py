"""S3 Inventory: configurations (Put/Get/Delete/ListBucketInventoryConfigurations) and their reports,
made on the virtual clock at each midnight UTC (Daily) or every seventh (Weekly) after the configuration
was put, and written to the destination bucket as AWS lays them out::

    <prefix>/<source bucket>/<id>/data/<uuid>.csv.gz|.orc|.parquet
    <prefix>/<source bucket>/<id>/<YYYY-MM-DDTHH-MMZ>/manifest.json, manifest.checksum (MD5 of the manifest)
    <prefix>/<source bucket>/<id>/hive/dt=<YYYY-MM-DD-HH-MM>/symlink.txt

The reports are PutObject calls by ``s3.amazonaws.com`` with the source bucket as ``aws:SourceArn``: the
destination's bucket policy must grant it ``s3:PutObject``, as AWS requires.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from datetime import UTC, datetime

from nimbus.core.context import CallSource, RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3 import inventory_report as report
from nimbus.services.s3.common import BUCKETS, malformed_xml, objects_ns, versions_ns
from nimbus.services.s3.documents import BUCKET, OBJECT_VERSION, Bucket
from nimbus.services.s3.encryption import S3_PRINCIPAL
from nimbus.services.s3.records import scan_prefix
from nimbus.services.s3.state import S3State

log = logging.getLogger(__name__)
DAY = 86400.0
_PERIODS = {"Daily": DAY, "Weekly": 7 * DAY}
MAX_CONFIGURATIONS = 1000


def _no_such_configuration() -> ServiceError:
    return ServiceError("NoSuchConfiguration", "The specified configuration does not exist.", status=404)


def _next_report(now: float, frequency: str) -> float:
    """The first midnight UTC after ``now`` (Daily), or the seventh (Weekly)."""
    midnight = (now // DAY + 1) * DAY
    return midnight + _PERIODS[frequency] - DAY


class InventoryOps(S3State):
    def __init__(self, runtime):
        super().__init__(runtime)
        self._inventory_lock = threading.Lock()
        self._inventory_job = self.every("s3-inventory", None, self._reports_due, on_advance=self._reports_due)
        self._inventory_job.wake()

    # -- the API ------------------------------------------------------------------------------
    def put_bucket_inventory_configuration(self, ctx: RequestContext, params: dict) -> dict:
        config = params.get("InventoryConfiguration") or {}
        if config.get("Id") != params["Id"]:
            raise ServiceError("InvalidArgument", "The id in the request does not match the id in the "
                               "configuration body.", status=400)
        if (config.get("Schedule") or {}).get("Frequency") not in _PERIODS:
            raise malformed_xml()
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutInventoryConfiguration")
            inventories = bucket.setdefault("Config", {}).setdefault("Inventory", {})
            if params["Id"] not in inventories and len(inventories) >= MAX_CONFIGURATIONS:
                raise ServiceError("TooManyConfigurations", "You are attempting to create a new configuration but "
                                   "have already reached the 1,000-configuration limit.", status=400)
            inventories[params["Id"]] = {"Configuration": config, "NextReport": _next_report(
                ctx.clock.time(), config["Schedule"]["Frequency"])}
            self._save_changed_bucket(ctx, bucket)
        self._inventory_job.wake()
        return {}

    def get_bucket_inventory_configuration(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetInventoryConfiguration")
        found = ((bucket.get("Config") or {}).get("Inventory") or {}).get(params["Id"])
        if found is None:
            raise _no_such_configuration()
        return {"InventoryConfiguration": found["Configuration"]}

    def delete_bucket_inventory_configuration(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutInventoryConfiguration")
            if ((bucket.get("Config") or {}).get("Inventory") or {}).pop(params["Id"], None) is None:
                raise _no_such_configuration()
            self._save_changed_bucket(ctx, bucket)
        if ctx.request is not None:
            ctx.response.status = 204
        return {}

    def list_bucket_inventory_configurations(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetInventoryConfiguration")
        inventories = sorted(((bucket.get("Config") or {}).get("Inventory") or {}).items())
        after = params.get("ContinuationToken")
        chosen = [found["Configuration"] for name, found in inventories if after is None or name > after]
        output = {"IsTruncated": len(chosen) > 100, "InventoryConfigurationList": chosen[:100]}
        if after:
            output["ContinuationToken"] = after
        if len(chosen) > 100:
            output["NextContinuationToken"] = chosen[99]["Id"]
        return output

    # -- reports ----------------------------------------------------------------------------------
    def _reports_due(self) -> float | None:
        with self._inventory_lock:
            now, next_due = self.clock.time(), None
            for _, bucket in BUCKET.scan(self.store, BUCKETS):
                for name in list((bucket.get("Config") or {}).get("Inventory") or {}):
                    due = self._report_if_due(bucket["Name"], name, now)
                    if due is not None:
                        next_due = due if next_due is None else min(next_due, due)
            return next_due

    def _report_if_due(self, bucket_name: str, name: str, now: float) -> float | None:
        """Make the report when due and schedule the next; returns when the next one is due."""
        with self.store.transaction():
            bucket = BUCKET.get(self.store, BUCKETS, bucket_name)
            found = ((bucket or {}).get("Config") or {}).get("Inventory", {}).get(name)
            if bucket is None or found is None:
                return None
            if found["NextReport"] > now:
                return found["NextReport"]
            config = found["Configuration"]
            found["NextReport"] = _next_report(now, config["Schedule"]["Frequency"])
            self._save_bucket(bucket)
        if config.get("IsEnabled"):
            try:
                self._write_report(bucket, config, now)
            except ServiceError as refused:
                log.warning("inventory %s of %s not delivered: %s", name, bucket_name, refused.message)
        return found["NextReport"]

    def _listed_versions(self, bucket: Bucket, config: dict) -> list:
        prefix = ((config.get("Filter") or {}).get("Prefix")) or ""
        if config.get("IncludedObjectVersions") == "All":
            versions, previous = [], None
            for _, record in scan_prefix(self.store, OBJECT_VERSION, versions_ns(bucket["Name"]), prefix):
                versions.append((record, record["Key"] != previous))
                previous = record["Key"]
            return versions
        return [(record, True) for _, record in scan_prefix(self.store, OBJECT_VERSION, objects_ns(bucket["Name"]),
                                                             prefix) if not record.get("DeleteMarker")]

    def _write_report(self, bucket: Bucket, config: dict, now: float) -> None:
        destination = config["Destination"]["S3BucketDestination"]
        target = destination["Bucket"].rsplit(":", 1)[-1]
        base = "/".join(p for p in ((destination.get("Prefix") or "").strip("/"), bucket["Name"], config["Id"]) if p)
        all_versions = config.get("IncludedObjectVersions") == "All"
        fields = report.schema(all_versions, config.get("OptionalFields") or [])
        data, extension = report.data_file(destination["Format"], fields, report.rows(
            bucket["Name"], self._listed_versions(bucket, config), fields))
        data_key = f"{base}/data/{uuid.uuid4()}.{extension}"
        stamp = datetime.fromtimestamp(now, UTC)
        manifest = report.manifest(bucket["Name"], destination["Bucket"], destination["Format"], fields, now,
                                   [(data_key, data)])
        folder = f"{base}/{stamp:%Y-%m-%dT%H-%MZ}"
        for key, body in ((data_key, data), (f"{folder}/manifest.json", manifest),
                          (f"{folder}/manifest.checksum", hashlib.md5(manifest).hexdigest().encode()),
                          (f"{base}/hive/dt={stamp:%Y-%m-%d-%H-%M}/symlink.txt",
                           f"s3://{target}/{data_key}\n".encode())):
            self.runtime.client.call("s3", "PutObject", {"Bucket": target, "Key": key, "Body": body},
                                     account_id=bucket["Account"], region=bucket["Region"], invoked_by=S3_PRINCIPAL,
                                     source=CallSource(f"arn:aws:s3:::{bucket['Name']}", bucket["Account"]))
