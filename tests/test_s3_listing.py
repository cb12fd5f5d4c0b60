"""ListObjectsV2, ListObjects and paging, in UTF-8 binary key order."""
from __future__ import annotations

import pytest

from tests.support import error_of, unique

KEYS = ["a.txt", "b/1", "b/2", "b/c/3", "c", "d/4", "Z-upper", "é-accent", "\U0001f600-emoji", "~tilde"]


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique("bkt")
    s3.create_bucket(Bucket=name)
    for key in KEYS:
        s3.put_object(Bucket=name, Key=key, Body=key.encode())
    return name


def utf8_sorted(keys):
    return sorted(keys, key=lambda k: k.encode())


def test_v2_lists_in_utf8_binary_order(s3, bucket):
    listed = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == utf8_sorted(KEYS)
    assert listed["KeyCount"] == len(KEYS) and not listed["IsTruncated"]


def test_prefix_and_delimiter(s3, bucket):
    listed = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["b/", "d/"]
    assert "b/1" not in [o["Key"] for o in listed["Contents"]]
    inner = s3.list_objects_v2(Bucket=bucket, Prefix="b/", Delimiter="/")
    assert [o["Key"] for o in inner["Contents"]] == ["b/1", "b/2"]
    assert [p["Prefix"] for p in inner["CommonPrefixes"]] == ["b/c/"]
    # Prefix matching is case-sensitive.
    assert s3.list_objects_v2(Bucket=bucket, Prefix="z").get("Contents") is None


def test_v2_pages_with_continuation_tokens(s3, bucket):
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"ContinuationToken": token} if token else {}
        page = s3.list_objects_v2(Bucket=bucket, MaxKeys=3, **kwargs)
        seen += [o["Key"] for o in page.get("Contents", [])]
        pages += 1
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert seen == utf8_sorted(KEYS) and pages == 4


def test_paging_over_common_prefixes(s3, bucket):
    paginator = s3.get_paginator("list_objects_v2")
    prefixes, keys = [], []
    for page in paginator.paginate(Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 1}):
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        keys += [o["Key"] for o in page.get("Contents", [])]
    assert prefixes == ["b/", "d/"]
    assert keys == utf8_sorted([k for k in KEYS if "/" not in k])


def test_start_after_and_v1_marker(s3, bucket):
    after = s3.list_objects_v2(Bucket=bucket, StartAfter="b/2")
    assert [o["Key"] for o in after["Contents"]][0] == "b/c/3"
    v1 = s3.list_objects(Bucket=bucket, Marker="c", MaxKeys=2)
    assert [o["Key"] for o in v1["Contents"]] == ["d/4", "~tilde"] and v1["IsTruncated"]
    v1d = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=2)
    assert v1d["IsTruncated"] and v1d["NextMarker"] == "a.txt"


def test_encoding_type_url(s3, bucket):
    name = unique("bkt")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="sp ace/é", Body=b"x")
    # boto3 asks for url encoding and decodes it back.
    assert s3.list_objects_v2(Bucket=name)["Contents"][0]["Key"] == "sp ace/é"
    assert s3.list_objects(Bucket=name)["Contents"][0]["Key"] == "sp ace/é"


def test_negative_max_keys(s3, bucket):
    assert error_of(s3.list_objects_v2, Bucket=bucket, MaxKeys=-1).code == "InvalidArgument"
