"""S3 Object Lock: default retention, retention modes, legal holds and deletes refused until the date."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import advance_clock, error_of, unique, virtual_now


@pytest.fixture(scope="module")
def locked(s3):
    name = unique("locked")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def _future(endpoint, days: float) -> datetime:
    return virtual_now(endpoint) + timedelta(days=days)


def test_a_bucket_created_with_lock_is_versioned_for_good(s3, locked):
    assert s3.get_bucket_versioning(Bucket=locked)["Status"] == "Enabled"
    assert s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"] == {"ObjectLockEnabled":
                                                                                          "Enabled"}
    assert error_of(s3.put_bucket_versioning, Bucket=locked,
                    VersioningConfiguration={"Status": "Suspended"}) == ("InvalidBucketState", 409)


def test_buckets_without_lock_refuse_lock_requests(s3, bucket):
    assert error_of(s3.get_object_lock_configuration, Bucket=bucket) == ("ObjectLockConfigurationNotFoundError", 404)
    assert error_of(s3.put_object, Bucket=bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE",
                    ObjectLockRetainUntilDate=datetime(2999, 1, 1, tzinfo=UTC)) == ("InvalidRequest", 400)
    assert error_of(s3.put_object_lock_configuration, Bucket=bucket,
                    ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}) == ("InvalidBucketState", 409)


def test_compliance_retention_blocks_deletes_until_its_date(endpoint, s3, locked):
    until = _future(endpoint, 2)
    put = s3.put_object(Bucket=locked, Key="c.txt", Body=b"kept", ObjectLockMode="COMPLIANCE",
                        ObjectLockRetainUntilDate=until)
    head = s3.head_object(Bucket=locked, Key="c.txt")
    assert head["ObjectLockMode"] == "COMPLIANCE" and abs((head["ObjectLockRetainUntilDate"] - until).total_seconds()) < 2
    version = put["VersionId"]
    denied = error_of(s3.delete_object, Bucket=locked, Key="c.txt", VersionId=version,
                      BypassGovernanceRetention=True)
    assert denied == ("AccessDenied", 403)
    assert error_of(s3.put_object_retention, Bucket=locked, Key="c.txt", VersionId=version,
                    Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until}) == ("AccessDenied", 403)
    # A delete without a version id only adds a delete marker: allowed.
    assert s3.delete_object(Bucket=locked, Key="c.txt")["DeleteMarker"] is True
    batch = s3.delete_objects(Bucket=locked, Delete={"Objects": [{"Key": "c.txt", "VersionId": version}]})
    assert batch["Errors"][0]["Code"] == "AccessDenied"
    advance_clock(endpoint, 3 * 86400)
    s3.delete_object(Bucket=locked, Key="c.txt", VersionId=version)


def test_governance_retention_yields_to_bypass_with_permission(endpoint, s3, locked):
    until = _future(endpoint, 5)
    version = s3.put_object(Bucket=locked, Key="g.txt", Body=b"g")["VersionId"]
    s3.put_object_retention(Bucket=locked, Key="g.txt", VersionId=version,
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until})
    got = s3.get_object_retention(Bucket=locked, Key="g.txt", VersionId=version)["Retention"]
    assert got["Mode"] == "GOVERNANCE"
    assert error_of(s3.delete_object, Bucket=locked, Key="g.txt", VersionId=version) == ("AccessDenied", 403)
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
                                                    "Action": "s3:BypassGovernanceRetention",
                                                    "Resource": f"arn:aws:s3:::{locked}/*"}]}
    s3.put_bucket_policy(Bucket=locked, Policy=json.dumps(deny))
    assert error_of(s3.delete_object, Bucket=locked, Key="g.txt", VersionId=version,
                    BypassGovernanceRetention=True) == ("AccessDenied", 403)
    s3.delete_bucket_policy(Bucket=locked)
    s3.delete_object(Bucket=locked, Key="g.txt", VersionId=version, BypassGovernanceRetention=True)


def test_default_retention_and_legal_hold(endpoint, s3, locked):
    s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    assert error_of(s3.put_object_lock_configuration, Bucket=locked, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}}
    ) == ("MalformedXML", 400)
    version = s3.put_object(Bucket=locked, Key="d.txt", Body=b"d")["VersionId"]
    assert s3.get_object_retention(Bucket=locked, Key="d.txt")["Retention"]["Mode"] == "GOVERNANCE"
    s3.put_object_legal_hold(Bucket=locked, Key="d.txt", LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket=locked, Key="d.txt")["LegalHold"] == {"Status": "ON"}
    advance_clock(endpoint, 2 * 86400)  # retention is over; the hold still protects the version
    assert error_of(s3.delete_object, Bucket=locked, Key="d.txt", VersionId=version) == ("AccessDenied", 403)
    s3.put_object_legal_hold(Bucket=locked, Key="d.txt", LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=locked, Key="d.txt", VersionId=version)
    s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})


def test_copy_object_takes_lock_headers_and_missing_locks_are_reported(endpoint, s3, locked):
    s3.put_object(Bucket=locked, Key="src.txt", Body=b"s")
    assert error_of(s3.get_object_retention, Bucket=locked, Key="src.txt") == ("NoSuchObjectLockConfiguration", 404)
    assert error_of(s3.get_object_legal_hold, Bucket=locked, Key="src.txt") == ("NoSuchObjectLockConfiguration", 404)
    s3.copy_object(Bucket=locked, Key="dst.txt", CopySource=f"{locked}/src.txt", ObjectLockLegalHoldStatus="ON",
                   ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=_future(endpoint, 1))
    head = s3.head_object(Bucket=locked, Key="dst.txt")
    assert head["ObjectLockLegalHoldStatus"] == "ON" and head["ObjectLockMode"] == "GOVERNANCE"
    assert error_of(s3.put_object, Bucket=locked, Key="p.txt", Body=b"p", ObjectLockMode="GOVERNANCE",
                    ObjectLockRetainUntilDate=datetime(2000, 1, 1, tzinfo=UTC)) == ("InvalidArgument", 400)
