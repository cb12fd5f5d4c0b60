"""ImportSnapshot and ExportSnapshot: a Flink savepoint (its ``_metadata`` and state files) read from, or
written to, an S3 prefix as the role the caller names, within the call. An imported savepoint is kept in
the service's own S3 (savepoint_store.py), as every snapshot is."""
from __future__ import annotations

import shutil
from pathlib import Path

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .account_snapshots import AccountSnapshotOps, new_operation_id
from .common import SERVICE_PRINCIPAL, SESSION_NAME, check_role, invalid

MAX_PREFIX = 200


def _bucket(location: dict) -> str:
    return location["BucketARN"].split(":::", 1)[-1]


def _bytes(body) -> bytes:
    return bytes(body) if isinstance(body, (bytes, bytearray)) else b"".join(body)


def _check_prefix(prefix: str, export: bool) -> None:
    if not 1 <= len(prefix) <= MAX_PREFIX:
        raise invalid(f"KeyPrefix must have 1 to {MAX_PREFIX} characters.")
    if export and not prefix.endswith("/"):
        raise invalid("The KeyPrefix of an export must end with a slash (/).")


class SnapshotTransferOps(AccountSnapshotOps):
    def _s3(self, ctx: RequestContext, role: str, operation: str, params: dict) -> dict:
        return ctx.runtime.client.call_as_role(role, "s3", operation, params, invoked_by=SERVICE_PRINCIPAL,
                                               session_name=SESSION_NAME, region=ctx.region)

    def _download(self, ctx: RequestContext, role: str, location: dict, into: Path) -> None:
        """Every object under the prefix, as files under ``into``; a savepoint has its ``_metadata``."""
        prefix, params = location["KeyPrefix"], {"Bucket": _bucket(location), "Prefix": location["KeyPrefix"]}
        while True:
            listed = self._s3(ctx, role, "ListObjectsV2", params)
            for item in listed.get("Contents") or []:
                relative = item["Key"][len(prefix):].lstrip("/")
                if not relative or ".." in Path(relative).parts:
                    continue
                target = into / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(_bytes(self._s3(ctx, role, "GetObject", {
                    "Bucket": params["Bucket"], "Key": item["Key"]})["Body"]))
            if not listed.get("IsTruncated"):
                break
            params["ContinuationToken"] = listed["NextContinuationToken"]
        if not (into / "_metadata").is_file():
            raise ValueError(f"No Flink savepoint (_metadata) under s3://{params['Bucket']}/{prefix}.")

    def import_snapshot(self, ctx: RequestContext, params: dict) -> dict:
        source = params["ImportSourceConfiguration"]
        location = source["SourceS3PrefixLocation"]
        _check_prefix(location["KeyPrefix"], export=False)
        check_role(ctx, source["ImportRoleArn"])
        name = params["SnapshotName"]
        with self.store.transaction():
            snapshot = self.new_account_snapshot(ctx, params, "ImportSnapshot", {"S3PrefixLocation": location}, None)
        into = self.engine.root / "imports" / new_operation_id()
        kept, failure = None, None
        try:
            self._download(ctx, source["ImportRoleArn"], location, into)
            kept = self.savepoints.keep(ctx.region, f"snapshots/{ctx.account_id}/{name}", into)
        except (ServiceError, ValueError) as error:
            failure = error.message if isinstance(error, ServiceError) else str(error)
        finally:
            shutil.rmtree(into, ignore_errors=True)
        with self.store.transaction():
            snapshot = self.account_snapshot(ctx, name)
            snapshot["SnapshotStatus"] = "FAILED" if failure else "READY"
            snapshot["Savepoint"] = kept
            self.save_account_snapshot(ctx, snapshot)
            record = self.snapshot_operation(ctx, name, "ImportSnapshot", {"SnapshotSourceLocationDescription": {
                "LocationType": "S3", "S3PrefixLocation": location}}, failure)
        return self.started(snapshot, record)

    def export_snapshot(self, ctx: RequestContext, params: dict) -> dict:
        destination = params["ExportDestinationConfiguration"]
        location = destination["DestinationS3PrefixLocation"]
        _check_prefix(location["KeyPrefix"], export=True)
        check_role(ctx, destination["ExportRoleArn"])
        snapshot = self.account_snapshot(ctx, params["SnapshotName"])
        if snapshot["SnapshotStatus"] != "READY" or not snapshot["Savepoint"]:
            raise ServiceError("ResourceInUseException",
                               f"Snapshot {snapshot['SnapshotName']} is in {snapshot['SnapshotStatus']} state.")
        operation_id = new_operation_id()
        exported = f"{location['KeyPrefix']}{operation_id}/"
        failure = None
        try:
            for relative, body in self.savepoints.files(snapshot["Savepoint"]):
                self._s3(ctx, destination["ExportRoleArn"], "PutObject", {
                    "Bucket": _bucket(location), "Key": exported + relative, "Body": body})
        except ServiceError as error:
            failure = error.message
        with self.store.transaction():
            record = self.snapshot_operation(ctx, snapshot["SnapshotName"], "ExportSnapshot", {
                "SnapshotDestinationLocationDescription": {"LocationType": "S3", "S3PrefixLocation": {
                    **location, "ExportedPrefix": exported}}}, failure, operation_id=operation_id)
        return {"SnapshotOperationId": operation_id, "SnapshotOperationStatus": record["SnapshotOperationStatus"]}
