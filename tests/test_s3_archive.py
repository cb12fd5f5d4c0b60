"""Archived objects: GLACIER, DEEP_ARCHIVE and Intelligent-Tiering tiers, RestoreObject on the virtual clock,
x-amz-restore, restored copies that expire, and lifecycle transitions into the archive."""
from __future__ import annotations

from tests.support import advance_clock, error_of, unique

HOUR = 3600


def test_a_glacier_object_reads_only_while_restored(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="cold.txt", Body=b"ice", StorageClass="GLACIER")
    assert error_of(s3.get_object, Bucket=bucket, Key="cold.txt") == ("InvalidObjectState", 403)
    assert s3.head_object(Bucket=bucket, Key="cold.txt")["StorageClass"] == "GLACIER"
    started = s3.restore_object(Bucket=bucket, Key="cold.txt",
                                RestoreRequest={"Days": 2, "GlacierJobParameters": {"Tier": "Standard"}})
    assert started["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert s3.head_object(Bucket=bucket, Key="cold.txt")["Restore"] == 'ongoing-request="true"'
    assert error_of(s3.restore_object, Bucket=bucket, Key="cold.txt",
                    RestoreRequest={"Days": 2}) == ("RestoreAlreadyInProgress", 409)
    advance_clock(endpoint, 4 * HOUR)
    assert error_of(s3.get_object, Bucket=bucket, Key="cold.txt") == ("InvalidObjectState", 403)
    advance_clock(endpoint, 1 * HOUR + 60)
    assert s3.get_object(Bucket=bucket, Key="cold.txt")["Body"].read() == b"ice"
    head = s3.head_object(Bucket=bucket, Key="cold.txt")
    assert head["Restore"].startswith('ongoing-request="false", expiry-date="') and head["Restore"].endswith('GMT"')
    again = s3.restore_object(Bucket=bucket, Key="cold.txt", RestoreRequest={"Days": 1})
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    advance_clock(endpoint, 3 * 86400)  # the restored copy has expired: archived again
    assert error_of(s3.get_object, Bucket=bucket, Key="cold.txt") == ("InvalidObjectState", 403)
    assert "Restore" not in s3.head_object(Bucket=bucket, Key="cold.txt")


def test_tiers_and_classes_restore_refuses(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="deep.txt", Body=b"d", StorageClass="DEEP_ARCHIVE")
    assert error_of(s3.restore_object, Bucket=bucket, Key="deep.txt",
                    RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Expedited"}}) == ("InvalidArgument",
                                                                                                    400)
    s3.restore_object(Bucket=bucket, Key="deep.txt", RestoreRequest={"Days": 1, "GlacierJobParameters":
                                                                     {"Tier": "Bulk"}})
    advance_clock(endpoint, 47 * HOUR)
    assert error_of(s3.get_object, Bucket=bucket, Key="deep.txt") == ("InvalidObjectState", 403)
    advance_clock(endpoint, 1 * HOUR + 60)
    assert s3.get_object(Bucket=bucket, Key="deep.txt")["Body"].read() == b"d"
    s3.put_object(Bucket=bucket, Key="warm.txt", Body=b"w")
    assert error_of(s3.restore_object, Bucket=bucket, Key="warm.txt",
                    RestoreRequest={"Days": 1}) == ("InvalidObjectState", 403)
    s3.put_object(Bucket=bucket, Key="instant.txt", Body=b"i", StorageClass="GLACIER_IR")
    assert s3.get_object(Bucket=bucket, Key="instant.txt")["Body"].read() == b"i"
    source = {"Bucket": bucket, "Key": "deep.txt"}
    advance_clock(endpoint, 2 * 86400)
    assert error_of(s3.copy_object, Bucket=bucket, Key="copy.txt", CopySource=source) == ("InvalidObjectState", 403)


def test_lifecycle_moves_objects_into_glacier(endpoint, s3):
    name = unique("transit")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="logs/a.txt", Body=b"a")
    s3.put_object(Bucket=name, Key="keep/b.txt", Body=b"b")
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [{
        "ID": "to-glacier", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
        "Transitions": [{"Days": 1, "StorageClass": "STANDARD_IA"}, {"Days": 2, "StorageClass": "GLACIER"}]}]})
    advance_clock(endpoint, 3 * 86400 + 60)
    assert s3.head_object(Bucket=name, Key="logs/a.txt")["StorageClass"] == "GLACIER"
    assert "StorageClass" not in s3.head_object(Bucket=name, Key="keep/b.txt")
    assert error_of(s3.get_object, Bucket=name, Key="logs/a.txt") == ("InvalidObjectState", 403)
