"""S3 Inventory: configurations, and real reports (gzipped CSV, ORC, Parquet) with manifest.json and
manifest.checksum, made on the virtual clock at midnight UTC and laid out in the destination as AWS does."""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import time

import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from tests.support import advance_clock, error_of, new_bucket, virtual_now


def inventory(dest: str, id_: str, file_format: str, **extra) -> dict:
    return {"Id": id_, "IsEnabled": True, "IncludedObjectVersions": extra.pop("versions", "Current"),
            "Schedule": {"Frequency": extra.pop("frequency", "Daily")},
            "Destination": {"S3BucketDestination": {"Bucket": f"arn:aws:s3:::{dest}", "Format": file_format,
                                                    "Prefix": "reports"}}, **extra}


def granting(s3, dest: str, source: str, account: str) -> None:
    s3.put_bucket_policy(Bucket=dest, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{dest}/*",
        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{source}"},
                      "StringEquals": {"aws:SourceAccount": account}}}]}))


def next_day(endpoint: str) -> None:
    now = virtual_now(endpoint).timestamp()
    advance_clock(endpoint, (now // 86400 + 1) * 86400 - now + 1)


def report(s3, dest: str, prefix: str) -> tuple[dict, bytes]:
    """The manifest and data file of the report under ``prefix`` (polled with a deadline)."""
    deadline = time.monotonic() + 15
    while True:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=dest, Prefix=prefix).get("Contents") or []]
        manifests = [k for k in keys if k.endswith("manifest.checksum")]
        if manifests:
            break
        assert time.monotonic() < deadline, keys
        time.sleep(0.05)
    folder = manifests[0].rsplit("/", 1)[0]
    text = s3.get_object(Bucket=dest, Key=f"{folder}/manifest.json")["Body"].read()
    checksum = s3.get_object(Bucket=dest, Key=f"{folder}/manifest.checksum")["Body"].read().decode()
    assert checksum == hashlib.md5(text).hexdigest()
    manifest = json.loads(text)
    data = s3.get_object(Bucket=dest, Key=manifest["files"][0]["key"])["Body"].read()
    assert manifest["files"][0]["MD5checksum"] == hashlib.md5(data).hexdigest()
    assert any(k.startswith(f"{prefix}hive/dt=") and k.endswith("/symlink.txt") for k in keys)
    return manifest, data


def test_configurations(aws):
    s3 = aws("s3")
    source, dest = new_bucket(s3, "inv"), new_bucket(s3, "invdest")
    assert error_of(s3.get_bucket_inventory_configuration, Bucket=source, Id="x") == ("NoSuchConfiguration", 404)
    s3.put_bucket_inventory_configuration(Bucket=source, Id="daily", InventoryConfiguration=inventory(dest, "daily", "CSV"))
    assert s3.get_bucket_inventory_configuration(Bucket=source, Id="daily")["InventoryConfiguration"]["Id"] == "daily"
    listed = s3.list_bucket_inventory_configurations(Bucket=source)["InventoryConfigurationList"]
    assert [c["Id"] for c in listed] == ["daily"]
    assert error_of(s3.put_bucket_inventory_configuration, Bucket=source, Id="other",
                    InventoryConfiguration=inventory(dest, "daily", "CSV")).code == "InvalidArgument"
    s3.delete_bucket_inventory_configuration(Bucket=source, Id="daily")
    assert error_of(s3.delete_bucket_inventory_configuration, Bucket=source, Id="daily").code == "NoSuchConfiguration"


def test_daily_csv_report(aws, account, endpoint):
    s3 = aws("s3")
    source, dest = new_bucket(s3, "inv"), new_bucket(s3, "invdest")
    granting(s3, dest, source, account)
    s3.put_object(Bucket=source, Key="a b.txt", Body=b"12345")
    s3.put_object(Bucket=source, Key="c.txt", Body=b"x")
    s3.put_bucket_inventory_configuration(Bucket=source, Id="csv", InventoryConfiguration=inventory(
        dest, "csv", "CSV", OptionalFields=["Size", "ETag", "StorageClass"]))
    next_day(endpoint)
    manifest, data = report(s3, dest, f"reports/{source}/csv/")
    assert manifest["sourceBucket"] == source and manifest["destinationBucket"] == f"arn:aws:s3:::{dest}"
    assert manifest["fileFormat"] == "CSV" and manifest["fileSchema"] == "Bucket, Key, Size, ETag, StorageClass"
    rows = list(csv.reader(io.StringIO(gzip.decompress(data).decode())))
    assert rows == [[source, "a%20b.txt", "5", "827ccb0eea8a706c4c34a16891f84e7b", "STANDARD"],
                    [source, "c.txt", "1", "9dd4e461268c8034f5c8564e155c67a6", "STANDARD"]]


@pytest.mark.parametrize("file_format", ["Parquet", "ORC"])
def test_columnar_reports_with_all_versions(aws, account, endpoint, file_format):
    s3 = aws("s3")
    source, dest = new_bucket(s3, "inv"), new_bucket(s3, "invdest")
    granting(s3, dest, source, account)
    s3.put_bucket_versioning(Bucket=source, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=source, Key="k", Body=b"one")
    s3.put_object(Bucket=source, Key="k", Body=b"two!")
    s3.put_bucket_inventory_configuration(Bucket=source, Id="col", InventoryConfiguration=inventory(
        dest, "col", file_format, versions="All", OptionalFields=["Size", "LastModifiedDate"]))
    next_day(endpoint)
    manifest, data = report(s3, dest, f"reports/{source}/col/")
    table = (pq.read_table if file_format == "Parquet" else orc.read_table)(io.BytesIO(data)).to_pylist()
    assert [(r["key"], r["is_latest"], r["size"]) for r in table] == [("k", True, 4), ("k", False, 3)]
    assert manifest["fileFormat"] == file_format


def test_no_report_without_the_destinations_grant(aws, endpoint):
    s3 = aws("s3")
    source, dest = new_bucket(s3, "inv"), new_bucket(s3, "invdest")
    s3.put_object(Bucket=source, Key="k", Body=b"x")
    s3.put_bucket_inventory_configuration(Bucket=source, Id="csv", InventoryConfiguration=inventory(dest, "csv", "CSV"))
    next_day(endpoint)
    time.sleep(0.5)
    assert "Contents" not in s3.list_objects_v2(Bucket=dest)
