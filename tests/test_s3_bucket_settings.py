"""S3 Metadata configurations (V1 and V2), the bucket default storage class and ABAC."""
from __future__ import annotations

import json

from tests.support import aws_cli, error_of, unique

TABLE_BUCKET = "arn:aws:s3tables:us-east-1:000000000000:bucket/metadata-tables"
JOURNAL = {"RecordExpiration": {"Expiration": "ENABLED", "Days": 10}}


def fresh(s3) -> str:
    name = unique("settings")
    s3.create_bucket(Bucket=name)
    return name


def test_metadata_v2_configuration(s3, endpoint):
    name = fresh(s3)
    assert error_of(lambda: s3.get_bucket_metadata_configuration(Bucket=name)) \
        == ("MetadataConfigurationNotFound", 404)
    s3.create_bucket_metadata_configuration(Bucket=name, MetadataConfiguration={
        "JournalTableConfiguration": JOURNAL, "InventoryTableConfiguration": {"ConfigurationState": "DISABLED"}})
    assert error_of(lambda: s3.create_bucket_metadata_configuration(
        Bucket=name, MetadataConfiguration={"JournalTableConfiguration": JOURNAL}))[1] == 409
    got = s3.get_bucket_metadata_configuration(Bucket=name)["GetBucketMetadataConfigurationResult"]
    result = got["MetadataConfigurationResult"]
    assert result["DestinationResult"]["TableBucketType"] == "aws"
    journal = result["JournalTableConfigurationResult"]
    assert journal["TableName"] == "journal" and journal["RecordExpiration"] == JOURNAL["RecordExpiration"]
    assert journal["TableStatus"] == "FAILED" and journal["Error"]["ErrorCode"] == "DestinationTableBucketNotFound"
    assert result["InventoryTableConfigurationResult"]["ConfigurationState"] == "DISABLED"
    cli = aws_cli(endpoint, "s3api", "get-bucket-metadata-configuration", "--bucket", name)
    assert cli["GetBucketMetadataConfigurationResult"]["MetadataConfigurationResult"][
        "JournalTableConfigurationResult"]["TableName"] == "journal"
    s3.update_bucket_metadata_inventory_table_configuration(
        Bucket=name, InventoryTableConfiguration={"ConfigurationState": "ENABLED"})
    s3.update_bucket_metadata_journal_table_configuration(
        Bucket=name, JournalTableConfiguration={"RecordExpiration": {"Expiration": "DISABLED"}})
    result = s3.get_bucket_metadata_configuration(Bucket=name)["GetBucketMetadataConfigurationResult"][
        "MetadataConfigurationResult"]
    assert result["InventoryTableConfigurationResult"]["TableName"] == "inventory"
    assert result["JournalTableConfigurationResult"]["RecordExpiration"] == {"Expiration": "DISABLED"}
    # The V1 operation cannot read a V2 configuration (S3 answers 405).
    assert error_of(lambda: s3.get_bucket_metadata_table_configuration(Bucket=name))[1] == 405
    s3.delete_bucket_metadata_configuration(Bucket=name)
    assert error_of(lambda: s3.get_bucket_metadata_configuration(Bucket=name))[1] == 404


def test_metadata_v2_validation(s3):
    name = fresh(s3)
    for journal, inventory in (
            ({"RecordExpiration": {"Expiration": "ENABLED", "Days": 3}}, None),
            ({"RecordExpiration": {"Expiration": "DISABLED", "Days": 30}}, None),
            (JOURNAL, {"ConfigurationState": "ENABLED", "EncryptionConfiguration": {"SseAlgorithm": "aws:kms"}}),
            (JOURNAL, {"ConfigurationState": "ENABLED",
                       "EncryptionConfiguration": {"SseAlgorithm": "AES256", "KmsKeyArn": "arn:aws:kms:x"}})):
        config = {"JournalTableConfiguration": journal, **({"InventoryTableConfiguration": inventory}
                                                            if inventory else {})}
        assert error_of(lambda c=config: s3.create_bucket_metadata_configuration(
            Bucket=name, MetadataConfiguration=c)) == ("InvalidArgument", 400)
    assert error_of(lambda: s3.update_bucket_metadata_journal_table_configuration(
        Bucket=name, JournalTableConfiguration=JOURNAL)) == ("MetadataConfigurationNotFound", 404)


def test_metadata_v1_table_configuration(s3):
    name = fresh(s3)
    destination = {"TableBucketArn": TABLE_BUCKET, "TableName": "my_metadata"}
    assert error_of(lambda: s3.create_bucket_metadata_table_configuration(
        Bucket=name, MetadataTableConfiguration={"S3TablesDestination": {**destination, "TableName": "Bad-Name"}})) \
        == ("InvalidArgument", 400)
    s3.create_bucket_metadata_table_configuration(
        Bucket=name, MetadataTableConfiguration={"S3TablesDestination": destination})
    got = s3.get_bucket_metadata_table_configuration(Bucket=name)["GetBucketMetadataTableConfigurationResult"]
    result = got["MetadataTableConfigurationResult"]["S3TablesDestinationResult"]
    assert result["TableBucketArn"] == TABLE_BUCKET and result["TableArn"].endswith("/my_metadata")
    assert got["Status"] == "FAILED" and got["Error"]["ErrorCode"] == "DestinationTableBucketNotFound"
    # The V2 operation reads a V1 configuration.
    v2 = s3.get_bucket_metadata_configuration(Bucket=name)["GetBucketMetadataConfigurationResult"]
    assert v2["MetadataConfigurationResult"]["DestinationResult"]["TableBucketType"] == "customer"
    s3.delete_bucket_metadata_table_configuration(Bucket=name)
    assert error_of(lambda: s3.get_bucket_metadata_table_configuration(Bucket=name))[1] == 404


def test_default_storage_class(s3):
    name = fresh(s3)
    assert s3.get_bucket_default_storage_class(Bucket=name)["DefaultStorageClassConfiguration"] \
        == {"DefaultStorageClass": "STANDARD"}
    s3.put_bucket_default_storage_class(
        Bucket=name, DefaultStorageClassConfiguration={"DefaultStorageClass": "INTELLIGENT_TIERING"})
    s3.put_object(Bucket=name, Key="default", Body=b"x")
    s3.put_object(Bucket=name, Key="chosen", Body=b"x", StorageClass="STANDARD_IA")
    assert s3.head_object(Bucket=name, Key="default")["StorageClass"] == "INTELLIGENT_TIERING"
    assert s3.head_object(Bucket=name, Key="chosen")["StorageClass"] == "STANDARD_IA"


def test_abac_puts_bucket_tags_into_policy_conditions(s3):
    name = fresh(s3)
    s3.put_object(Bucket=name, Key="k", Body=b"v")
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "env", "Value": "prod"}]})
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*",
        "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}}}]}))
    assert s3.get_bucket_abac(Bucket=name)["AbacStatus"] == {"Status": "Disabled"}
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"v"  # without ABAC the tag is no condition
    s3.put_bucket_abac(Bucket=name, AbacStatus={"Status": "Enabled"})
    assert s3.get_bucket_abac(Bucket=name)["AbacStatus"] == {"Status": "Enabled"}
    assert error_of(lambda: s3.get_object(Bucket=name, Key="k"))[0] == "AccessDenied"
    assert error_of(lambda: s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": []})) == ("InvalidRequest", 400)
    s3.put_bucket_abac(Bucket=name, AbacStatus={"Status": "Disabled"})
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"v"


def test_deprecated_lifecycle_and_notification_operations_are_answered(s3):
    """The deprecated operations share their requests with the current ones, which answer them."""
    name = fresh(s3)
    rule = {"ID": "r", "Prefix": "logs/", "Status": "Enabled", "Expiration": {"Days": 3}}
    s3.put_bucket_lifecycle(Bucket=name, LifecycleConfiguration={"Rules": [rule]})
    assert s3.get_bucket_lifecycle(Bucket=name)["Rules"] == [rule]
    s3.put_bucket_notification(Bucket=name, NotificationConfiguration={})
    assert "TopicConfiguration" not in s3.get_bucket_notification(Bucket=name)
