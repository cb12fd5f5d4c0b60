"""Versioning: version ids, delete markers, ListObjectVersions, by-version reads, null versions."""
from __future__ import annotations

from tests.support import error_of, unique


def test_versions_and_delete_markers(s3):
    bucket = unique("bkt")
    s3.create_bucket(Bucket=bucket)
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"null-version")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2 and v1 != "null"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=v1)["Body"].read() == b"one"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"null-version"

    marker = s3.delete_object(Bucket=bucket, Key="k")
    assert marker["DeleteMarker"] is True
    assert error_of(s3.get_object, Bucket=bucket, Key="k").code == "NoSuchKey"
    assert s3.list_objects_v2(Bucket=bucket).get("Contents") is None
    assert error_of(s3.get_object, Bucket=bucket, Key="k", VersionId=marker["VersionId"]).code == "MethodNotAllowed"

    listed = s3.list_object_versions(Bucket=bucket)
    assert [v["VersionId"] for v in listed["Versions"]] == [v2, v1, "null"]
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker["VersionId"]]
    assert listed["DeleteMarkers"][0]["IsLatest"] and not any(v["IsLatest"] for v in listed["Versions"])

    # Removing the marker brings the object back; deleting a version for good removes it.
    s3.delete_object(Bucket=bucket, Key="k", VersionId=marker["VersionId"])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    s3.delete_object(Bucket=bucket, Key="k", VersionId=v2)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"one"
    assert error_of(s3.get_object, Bucket=bucket, Key="k", VersionId=v2).code == "NoSuchVersion"


def test_suspended_versioning_overwrites_the_null_version(s3):
    bucket = unique("bkt")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"kept")["VersionId"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"n1")["VersionId"] == "null"
    s3.put_object(Bucket=bucket, Key="k", Body=b"n2")
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [v["VersionId"] for v in versions] == ["null", kept]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"n2"
    # A delete while suspended is a null delete marker that replaces the null version.
    assert s3.delete_object(Bucket=bucket, Key="k")["VersionId"] == "null"
    listed = s3.list_object_versions(Bucket=bucket)
    assert [v["VersionId"] for v in listed["Versions"]] == [kept]
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == ["null"]


def test_version_listing_pages(s3):
    bucket = unique("bkt")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    ids = [s3.put_object(Bucket=bucket, Key="p", Body=str(i).encode())["VersionId"] for i in range(5)]
    seen, kwargs = [], {}
    while True:
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=2, **kwargs)
        seen += [v["VersionId"] for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        kwargs = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
    assert seen == list(reversed(ids))
