"""An S3 Inventory report's contents: the rows of a bucket's listing with the configured fields, written
as gzipped CSV, ORC or Parquet, and the manifest.json that lists the data files, as AWS lays them out."""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from datetime import UTC, datetime
from urllib.parse import quote

from nimbus.services.s3.documents import ObjectVersion

MANIFEST_VERSION = "2016-11-30"
_EXTENSIONS = {"CSV": "csv.gz", "ORC": "orc", "Parquet": "parquet"}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(epoch * 1000) % 1000:03d}Z"


def _optional(field: str, record: ObjectVersion) -> str | int | bool | None:
    """One optional field of a row (``None`` where the version has no such value)."""
    marker = bool(record.get("DeleteMarker"))
    values = {
        "Size": None if marker else record.get("Size"),
        "LastModifiedDate": _iso(record["LastModified"]),
        "StorageClass": None if marker else record.get("StorageClass", "STANDARD"),
        "ETag": None if marker else record.get("ETag", "").strip('"'),
        "IsMultipartUploaded": None if marker else bool(record.get("PartSizes")),
        "ReplicationStatus": record.get("ReplicationStatus") or "",
        "EncryptionStatus": None if marker else ("SSE-KMS" if record.get("Kms") else "SSE-S3"),
        "BucketKeyStatus": None if marker else "DISABLED",
        "ChecksumAlgorithm": None if marker else ",".join(record.get("Checksums") or {}),
        "ObjectOwner": record.get("Owner") or record.get("Account"),
    }
    return values.get(field)


def schema(all_versions: bool, optional_fields: list[str]) -> list[str]:
    versioned = ["VersionId", "IsLatest", "IsDeleteMarker"] if all_versions else []
    return ["Bucket", "Key", *versioned, *optional_fields]


def rows(bucket: str, versions: list[tuple[ObjectVersion, bool]], fields: list[str]) -> list[list]:
    """One row per (version, is latest), in the schema's order."""
    out = []
    for record, latest in versions:
        base = {"Bucket": bucket, "Key": record["Key"], "VersionId": record.get("VersionId"),
                "IsLatest": latest, "IsDeleteMarker": bool(record.get("DeleteMarker"))}
        out.append([base[f] if f in base else _optional(f, record) for f in fields])
    return out


def data_file(file_format: str, fields: list[str], table: list[list]) -> tuple[bytes, str]:
    """(bytes, file extension) of one data file."""
    if file_format == "CSV":  # keys URL-encoded, every value quoted, no header; gzipped
        text = io.StringIO()
        writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for row in table:
            writer.writerow(["" if v is None else quote(v) if f == "Key" else str(v).lower() if isinstance(v, bool)
                             else v for f, v in zip(fields, row, strict=True)])
        return gzip.compress(text.getvalue().encode(), mtime=0), _EXTENSIONS["CSV"]
    import pyarrow as pa  # ORC and Parquet reports only: Arrow's import is not every S3 call's to pay
    import pyarrow.orc as orc
    import pyarrow.parquet as pq

    columns = {column_name(f): [row[i] for row in table] for i, f in enumerate(fields)}
    arrow = pa.table({name: pa.array(values, type=_arrow_type(values)) for name, values in columns.items()})
    sink = io.BytesIO()
    if file_format == "ORC":
        orc.write_table(arrow, sink)
    else:
        pq.write_table(arrow, sink)
    return sink.getvalue(), _EXTENSIONS[file_format]


def column_name(field: str) -> str:
    """ORC and Parquet columns are the fields in snake case (``LastModifiedDate`` → ``last_modified_date``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()


def _arrow_type(values: list):
    import pyarrow as pa

    sample = next((v for v in values if v is not None), "")
    if isinstance(sample, bool):
        return pa.bool_()
    if isinstance(sample, int):
        return pa.int64()
    return pa.string()


def manifest(source: str, destination_arn: str, file_format: str, fields: list[str], created: float,
             files: list[tuple[str, bytes]]) -> bytes:
    document = {
        "sourceBucket": source, "destinationBucket": destination_arn, "version": MANIFEST_VERSION,
        "creationTimestamp": str(int(created * 1000)), "fileFormat": file_format,
        "fileSchema": ", ".join(fields) if file_format == "CSV" else
        "message s3.inventory { " + " ".join(f"optional binary {column_name(f)};" for f in fields) + " }",
        "files": [{"key": key, "size": len(data), "MD5checksum": hashlib.md5(data).hexdigest()}
                  for key, data in files],
    }
    return json.dumps(document, indent=2).encode()
