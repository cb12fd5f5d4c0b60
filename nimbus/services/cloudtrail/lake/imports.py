"""CloudTrail Lake imports: a trail's log files in S3 copied into event data stores (StartImport, GetImport,
ListImports, StopImport, ListImportFailures). The files are read through the internal client as a session of
the import's S3BucketAccessRoleArn, which cloudtrail.amazonaws.com assumes, so the role's trust and policies
decide; the work runs on the Lake's worker, file by file, and a file that cannot be read or parsed is a
failure entry, not the end of the import."""
from __future__ import annotations

import gzip
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.lake.documents import LAKE_IMPORT, LakeImport
from nimbus.services.cloudtrail.lake.ingest import events_ns, imports_ns, lake_for
from nimbus.services.cloudtrail.lake.stores import EventDataStoreOps, inactive

if TYPE_CHECKING:
    from nimbus.services.cloudtrail.lake.ingest import Lake

SERVICE_PRINCIPAL = "cloudtrail.amazonaws.com"
SESSION_NAME = "CloudTrailLakeImport"
ONGOING = ("INITIALIZING", "IN_PROGRESS")
OUTPUT = ("ImportId", "Destinations", "ImportSource", "StartEventTime", "EndEventTime", "ImportStatus",
          "CreatedTimestamp", "UpdatedTimestamp", "ImportStatistics")
_TIMES = ("StartEventTime", "EndEventTime", "CreatedTimestamp", "UpdatedTimestamp")


def not_found() -> ServiceError:
    return ServiceError("ImportNotFoundException", "The specified import was not found.")


def _location(source: dict) -> tuple[str, str]:
    uri = (source.get("S3") or {}).get("S3LocationUri") or ""
    if not uri.startswith("s3://") or not uri[5:].split("/", 1)[0]:
        raise ServiceError("InvalidImportSourceException", f"The import source {uri} is not valid.")
    bucket, _, prefix = uri[5:].partition("/")
    return bucket, prefix


def output(doc: LakeImport, fields: tuple[str, ...] = OUTPUT) -> dict[str, Any]:
    raw: dict[str, Any] = dict(doc)
    out = {f: raw[f] for f in fields if raw.get(f) is not None}
    for when in _TIMES:
        if when in out:
            out[when] = timestamp(out[when])
    return out


class ImportOps(EventDataStoreOps):
    def _import(self, ctx: RequestContext, import_id: str) -> LakeImport:
        doc = LAKE_IMPORT.get(self.store, imports_ns(ctx.account_id, ctx.region), import_id)
        if doc is None:
            raise not_found()
        return doc

    def _imports(self, ctx: RequestContext) -> list[LakeImport]:
        return [doc for _, doc in LAKE_IMPORT.scan(self.store, imports_ns(ctx.account_id, ctx.region))]

    def start_import(self, ctx: RequestContext, params: dict) -> dict:
        now = ctx.clock.time()
        if params.get("ImportId"):
            doc = self._import(ctx, params["ImportId"])
        else:
            if not params.get("Destinations") or not params.get("ImportSource"):
                raise ServiceError("InvalidParameterException", "Destinations and ImportSource are required.")
            doc = {"ImportId": str(uuid.uuid4()), "Destinations": params["Destinations"],
                   "ImportSource": params["ImportSource"], "CreatedTimestamp": now, "ImportStatus": "INITIALIZING",
                   "UpdatedTimestamp": now}
            for bound in ("StartEventTime", "EndEventTime"):
                if params.get(bound) is not None:
                    doc[bound] = epoch(params[bound]) or 0.0  # type: ignore[literal-required]
        _location(doc["ImportSource"])
        for arn in doc["Destinations"]:
            store = self._event_data_store(ctx, arn)
            if store["Status"] == "PENDING_DELETION":
                raise inactive(store["EventDataStoreArn"])
        if any(i["ImportStatus"] in ONGOING and i["ImportId"] != doc["ImportId"] for i in self._imports(ctx)):
            raise ServiceError("AccountHasOngoingImportException",
                               "This account already has an import in progress.")
        doc["ImportStatus"], doc["UpdatedTimestamp"], doc["Failures"] = "INITIALIZING", now, []
        doc["ImportStatistics"] = {"PrefixesFound": 0, "PrefixesCompleted": 0, "FilesCompleted": 0,
                                   "EventsCompleted": 0, "FailedEntries": 0}
        LAKE_IMPORT.put(self.store, imports_ns(ctx.account_id, ctx.region), doc["ImportId"], doc)
        lake_for(self.runtime).submit(run_import, ctx.account_id, ctx.region, doc["ImportId"])
        return output(doc, tuple(f for f in OUTPUT if f != "ImportStatistics"))

    def get_import(self, ctx: RequestContext, params: dict) -> dict:
        return output(self._import(ctx, params["ImportId"]))

    def stop_import(self, ctx: RequestContext, params: dict) -> dict:
        ns = imports_ns(ctx.account_id, ctx.region)
        with self.store.transaction():
            doc = self._import(ctx, params["ImportId"])
            if doc["ImportStatus"] in ONGOING:
                doc["ImportStatus"], doc["UpdatedTimestamp"] = "STOPPED", ctx.clock.time()
                LAKE_IMPORT.put(self.store, ns, doc["ImportId"], doc)
        return output(doc)

    def list_imports(self, ctx: RequestContext, params: dict) -> dict:
        wanted = params.get("Destination")
        if wanted:
            self._event_data_store(ctx, wanted)
        found = sorted((i for i in self._imports(ctx) if (not wanted or wanted in i["Destinations"])
                        and params.get("ImportStatus") in (None, i["ImportStatus"])),
                       key=lambda i: (i["CreatedTimestamp"], i["ImportId"]))
        start = _after(found, params.get("NextToken"), lambda i: i["ImportId"])
        size = params.get("MaxResults") or 1000
        chunk = found[start:start + size]
        out: dict[str, Any] = {"Imports": [output(i, ("ImportId", "ImportStatus", "Destinations", "CreatedTimestamp",
                                                      "UpdatedTimestamp")) for i in chunk]}
        if start + size < len(found):
            out["NextToken"] = chunk[-1]["ImportId"]
        return out

    def list_import_failures(self, ctx: RequestContext, params: dict) -> dict:
        failures = self._import(ctx, params["ImportId"]).get("Failures") or []
        start = _after(failures, params.get("NextToken"), lambda f: f["Location"])
        size = params.get("MaxResults") or 1000
        chunk = failures[start:start + size]
        out: dict[str, Any] = {"Failures": [{**f, "LastUpdatedTime": timestamp(f["LastUpdatedTime"])} for f in chunk]}
        if start + size < len(failures):
            out["NextToken"] = chunk[-1]["Location"]
        return out


def _after(items: list, token: str | None, key) -> int:
    if not token:
        return 0
    keys = [key(i) for i in items]
    if token not in keys:
        raise ServiceError("InvalidNextTokenException", "The NextToken is not valid.")
    return keys.index(token) + 1


# -- the worker ------------------------------------------------------------------------------------------

def _event_ms(record: dict) -> int | None:
    try:
        when = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (KeyError, TypeError, ValueError):
        return None
    return int(when.timestamp() * 1000)


def _log_files(read, bucket: str, prefix: str) -> list[str]:
    keys, token = [], None
    while True:
        page = read("ListObjectsV2", {"Bucket": bucket, "Prefix": prefix, **({"ContinuationToken": token}
                                                                                if token else {})})
        keys += [o["Key"] for o in page.get("Contents") or () if o["Key"].endswith(".json.gz")
                 and "/CloudTrail/" in o["Key"]]  # log files, not digests (CloudTrail-Digest/)
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return keys


def run_import(lake: Lake, account: str, region: str, import_id: str) -> None:
    ns = imports_ns(account, region)
    doc = LAKE_IMPORT.get(lake.store, ns, import_id)
    if doc is None or doc["ImportStatus"] != "INITIALIZING":
        return
    source = doc["ImportSource"]["S3"]
    bucket, prefix = _location(doc["ImportSource"])

    def read(operation: str, params: dict) -> dict:
        return lake.runtime.client.call_as_role(source["S3BucketAccessRoleArn"], "s3", operation, params,
                                                invoked_by=SERVICE_PRINCIPAL, session_name=SESSION_NAME,
                                                region=source.get("S3BucketRegion") or region)

    stats = doc["ImportStatistics"]
    failures = doc["Failures"] = []
    destinations = [events_ns(account, arn.split(":")[3], arn.rsplit("/", 1)[1]) for arn in doc["Destinations"]]
    low, high = doc.get("StartEventTime"), doc.get("EndEventTime")

    def fail(location: str, kind: str, message: str) -> None:
        failures.append({"Location": location, "Status": "FAILED", "ErrorType": kind, "ErrorMessage": message,
                         "LastUpdatedTime": lake.runtime.clock.time()})
        stats["FailedEntries"] += 1

    def save(status: str) -> bool:
        """Store progress; False once the import was stopped meanwhile."""
        with lake.store.transaction():
            current = LAKE_IMPORT.get(lake.store, ns, import_id)
            if current is None or current["ImportStatus"] not in ONGOING:
                return False
            doc["ImportStatus"], doc["UpdatedTimestamp"] = status, lake.runtime.clock.time()
            LAKE_IMPORT.put(lake.store, ns, import_id, doc)
            return True

    try:
        files = _log_files(read, bucket, prefix)
    except ServiceError as error:
        fail(f"s3://{bucket}/{prefix}", error.code, error.message)
        save("FAILED")
        return
    prefixes = sorted({key.rsplit("/", 1)[0] for key in files})
    stats["PrefixesFound"] = len(prefixes)
    if not save("IN_PROGRESS"):
        return
    for directory in prefixes:
        for key in (k for k in files if k.rsplit("/", 1)[0] == directory):
            try:
                body = read("GetObject", {"Bucket": bucket, "Key": key})["Body"]
                data = body if isinstance(body, bytes | bytearray) else b"".join(body)
                records = read_json(gzip.decompress(bytes(data)).decode())["Records"]
            except ServiceError as error:
                fail(f"s3://{bucket}/{key}", error.code, error.message)
                continue
            except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
                fail(f"s3://{bucket}/{key}", "InvalidLogFile", f"The file is not a CloudTrail log file: {error}")
                continue
            for record in records:
                ms = _event_ms(record) if isinstance(record, dict) else None
                if ms is None or (low is not None and ms < low * 1000) or (high is not None and ms > high * 1000):
                    continue
                for destination in destinations:
                    lake.add(destination, ms, record)
                stats["EventsCompleted"] += 1
            stats["FilesCompleted"] += 1
        stats["PrefixesCompleted"] += 1
        if not save("IN_PROGRESS"):
            return
    lake.flush()
    save("COMPLETED" if stats["FilesCompleted"] or not failures else "FAILED")

