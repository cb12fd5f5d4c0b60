"""Firehose control plane: create, describe, list, update, tags, encryption, and the errors AWS gives."""
from __future__ import annotations

from tests.support import active_delivery_stream, advance_clock, error_of, new_bucket, s3_config, unique


def test_create_describe_goes_active(firehose, s3, endpoint):
    name = unique("desc")
    target = new_bucket(s3)
    arn = firehose.create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=s3_config(target, Prefix="p/!{timestamp:yyyy}/",
                                                                              ErrorOutputPrefix="e/"),
        Tags=[{"Key": "team", "Value": "data"}])["DeliveryStreamARN"]
    assert arn == f"arn:aws:firehose:us-east-1:000000000000:deliverystream/{name}"
    described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert described["DeliveryStreamStatus"] == "CREATING"
    advance_clock(endpoint, 1)
    described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert described["DeliveryStreamStatus"] == "ACTIVE"
    assert described["DeliveryStreamType"] == "DirectPut" and described["VersionId"] == "1"
    destination = described["Destinations"][0]
    assert destination["DestinationId"] == "destinationId-000000000001"
    ext = destination["ExtendedS3DestinationDescription"]
    assert ext["BucketARN"] == f"arn:aws:s3:::{target}" and ext["Prefix"] == "p/!{timestamp:yyyy}/"
    assert ext["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert ext["CompressionFormat"] == "UNCOMPRESSED"
    assert ext["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}
    assert name in firehose.list_delivery_streams(Limit=10000)["DeliveryStreamNames"]
    assert firehose.list_tags_for_delivery_stream(DeliveryStreamName=name)["Tags"] == [
        {"Key": "team", "Value": "data"}]


def test_s3_destination_is_described_in_both_forms(firehose, s3, endpoint):
    name = active_delivery_stream(firehose, endpoint, S3DestinationConfiguration=s3_config(new_bucket(s3)))
    destination = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
        "Destinations"][0]
    assert "S3DestinationDescription" in destination and "ExtendedS3DestinationDescription" in destination


def test_name_in_use_missing_stream_and_missing_bucket(firehose, s3, endpoint):
    target = new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(target))
    assert error_of(firehose.create_delivery_stream, DeliveryStreamName=name,
                    ExtendedS3DestinationConfiguration=s3_config(target)).code == "ResourceInUseException"
    for call in (lambda: firehose.describe_delivery_stream(DeliveryStreamName="nope-" + name),
                 lambda: firehose.put_record(DeliveryStreamName="nope-" + name, Record={"Data": b"x"}),
                 lambda: firehose.delete_delivery_stream(DeliveryStreamName="nope-" + name)):
        assert error_of(call).code == "ResourceNotFoundException"
    assert error_of(firehose.create_delivery_stream, DeliveryStreamName=unique("nobucket"),
                    ExtendedS3DestinationConfiguration=s3_config("no-such-bucket-" + name)).code \
        == "InvalidArgumentException"


def test_buffering_hints_out_of_range(firehose, s3, client):
    target = new_bucket(s3)
    unchecked = client("firehose", parameter_validation=False)  # boto3 would refuse before sending
    for hints in ({"SizeInMBs": 0, "IntervalInSeconds": 60}, {"SizeInMBs": 129, "IntervalInSeconds": 60},
                  {"SizeInMBs": 5, "IntervalInSeconds": 901}):
        assert error_of(unchecked.create_delivery_stream, DeliveryStreamName=unique("hints"),
                        ExtendedS3DestinationConfiguration=s3_config(target, BufferingHints=hints)).code \
            == "ValidationException"
    assert error_of(
        firehose.create_delivery_stream, DeliveryStreamName=unique("hints"),
        ExtendedS3DestinationConfiguration=s3_config(
            target, BufferingHints={"SizeInMBs": 5, "IntervalInSeconds": 60}, Prefix="!{partitionKeyFromQuery:k}/",
            ErrorOutputPrefix="err/", DynamicPartitioningConfiguration={"Enabled": True},
            ProcessingConfiguration={"Enabled": True, "Processors": [{"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{k: .k}"},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]}]})).code == "InvalidArgumentException"
    assert error_of(firehose.create_delivery_stream, DeliveryStreamName=unique("pfx"),
                    ExtendedS3DestinationConfiguration=s3_config(target, Prefix="x/!{timestamp:yyyy}/")).code \
        == "InvalidArgumentException"


def test_record_limits(firehose, s3, endpoint, client):
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(new_bucket(s3)))
    unchecked = client("firehose", parameter_validation=False)
    assert error_of(unchecked.put_record, DeliveryStreamName=name,
                    Record={"Data": b"x" * (1000 * 1024 + 1)}).code == "ValidationException"
    assert error_of(unchecked.put_record_batch, DeliveryStreamName=name,
                    Records=[{"Data": b"x"}] * 501).code == "ValidationException"
    assert error_of(firehose.put_record_batch, DeliveryStreamName=name,
                    Records=[{"Data": b"x" * 1000 * 1024}] * 5).code == "InvalidArgumentException"
    result = firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"ok"}] * 500)
    assert result["FailedPutCount"] == 0 and len(result["RequestResponses"]) == 500
    assert all(r["RecordId"] for r in result["RequestResponses"])


def test_update_destination_versions(firehose, s3, endpoint):
    target = new_bucket(s3)
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(target))
    firehose.update_destination(DeliveryStreamName=name, CurrentDeliveryStreamVersionId="1",
                                DestinationId="destinationId-000000000001",
                                ExtendedS3DestinationUpdate={"CompressionFormat": "GZIP", "BufferingHints": {
                                    "SizeInMBs": 2, "IntervalInSeconds": 60}})
    described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert described["VersionId"] == "2" and "LastUpdateTimestamp" in described
    ext = described["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert ext["CompressionFormat"] == "GZIP" and ext["BufferingHints"]["SizeInMBs"] == 2
    assert ext["BucketARN"] == f"arn:aws:s3:::{target}"
    assert error_of(firehose.update_destination, DeliveryStreamName=name, CurrentDeliveryStreamVersionId="1",
                    DestinationId="destinationId-000000000001",
                    ExtendedS3DestinationUpdate={"CompressionFormat": "ZIP"}).code == "ConcurrentModificationException"


def test_tags(firehose, s3, endpoint):
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(new_bucket(s3)))
    firehose.tag_delivery_stream(DeliveryStreamName=name, Tags=[{"Key": f"k{i}", "Value": str(i)} for i in range(3)])
    firehose.untag_delivery_stream(DeliveryStreamName=name, TagKeys=["k1"])
    page = firehose.list_tags_for_delivery_stream(DeliveryStreamName=name, Limit=1)
    assert page["Tags"] == [{"Key": "k0", "Value": "0"}] and page["HasMoreTags"]
    rest = firehose.list_tags_for_delivery_stream(DeliveryStreamName=name, ExclusiveStartTagKey="k0")
    assert rest["Tags"] == [{"Key": "k2", "Value": "2"}] and not rest["HasMoreTags"]
    assert error_of(firehose.tag_delivery_stream, DeliveryStreamName=name,
                    Tags=[{"Key": f"t{i}", "Value": "v"} for i in range(49)]).code == "LimitExceededException"


def test_stream_encryption_with_kms_key(firehose, s3, client, endpoint):
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(new_bucket(s3)))
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    firehose.start_delivery_stream_encryption(DeliveryStreamName=name, DeliveryStreamEncryptionConfigurationInput={
        "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key})
    config = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
        "DeliveryStreamEncryptionConfiguration"]
    assert config == {"KeyARN": key, "KeyType": "CUSTOMER_MANAGED_CMK", "Status": "ENABLED"}
    assert firehose.put_record(DeliveryStreamName=name, Record={"Data": b"x"})["Encrypted"] is True
    firehose.stop_delivery_stream_encryption(DeliveryStreamName=name)
    assert firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
        "DeliveryStreamEncryptionConfiguration"]["Status"] == "DISABLED"
    missing = key.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    assert error_of(firehose.start_delivery_stream_encryption, DeliveryStreamName=name,
                    DeliveryStreamEncryptionConfigurationInput={"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": missing}
                    ).code == "InvalidKMSResourceException"


def test_delete_and_list_by_type(firehose, s3, endpoint):
    name = active_delivery_stream(firehose, endpoint, ExtendedS3DestinationConfiguration=s3_config(new_bucket(s3)))
    assert name in firehose.list_delivery_streams(DeliveryStreamType="DirectPut", Limit=10000)["DeliveryStreamNames"]
    assert name not in firehose.list_delivery_streams(DeliveryStreamType="KinesisStreamAsSource",
                                                      Limit=10000)["DeliveryStreamNames"]
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    assert error_of(firehose.describe_delivery_stream, DeliveryStreamName=name).code == "ResourceNotFoundException"


def test_throughput_quota_fails_records_alone_with_enforce_limits(tmp_path):
    from tests.support import active_delivery_stream as make_active
    from tests.support import firehose_role, make_client, start_server
    with start_server(tmp_path, enforce_limits=True) as own:
        firehose_role(make_client(own.endpoint, "iam"))
        s3c, fh = make_client(own.endpoint, "s3", region="us-east-2"), make_client(own.endpoint, "firehose",
                                                                                   region="us-east-2")
        target = unique("quota")
        s3c.create_bucket(Bucket=target, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
        name = make_active(fh, own.endpoint, ExtendedS3DestinationConfiguration=s3_config(target))
        big = b"q" * 900 * 1024  # us-east-2: 1 MiB/s per stream
        result = fh.put_record_batch(DeliveryStreamName=name, Records=[{"Data": big}, {"Data": big}, {"Data": b"s"}])
        assert result["FailedPutCount"] == 1
        first, second, third = result["RequestResponses"]
        assert "RecordId" in first and "RecordId" in third
        assert second == {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."}
