"""SelectResourceConfig and SelectAggregateResourceConfig over what the recorder really recorded, through
the shared SQL engine, with AWS's error for what Config's SQL subset forbids."""
from __future__ import annotations

import json

from tests.support import error_of, start_recording, unique


def test_select_over_recorded_items(aws, account):
    s3, config = aws("s3"), aws("config")
    start_recording(aws)
    tagged, plain = unique("selected"), unique("plain")
    for name in (tagged, plain):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket=tagged, Tagging={"TagSet": [{"Key": "env", "Value": "prod"}]})
    s3.put_bucket_versioning(Bucket=tagged, VersioningConfiguration={"Status": "Enabled"})
    s3.delete_bucket(Bucket=plain)

    answer = config.select_resource_config(
        Expression="SELECT resourceId, resourceType, configuration.name WHERE resourceType = 'AWS::S3::Bucket' "
                   "AND tags.tag = 'env=prod'")
    assert [json.loads(r) for r in answer["Results"]] == [
        {"resourceId": tagged, "resourceType": "AWS::S3::Bucket", "configuration": {"name": tagged}}]
    assert answer["QueryInfo"]["SelectFields"] == [{"Name": "resourceId"}, {"Name": "resourceType"},
                                                   {"Name": "configuration.name"}]
    counts = config.select_resource_config(
        Expression="SELECT resourceType, COUNT(*) WHERE resourceType = 'AWS::S3::Bucket' GROUP BY resourceType")
    [count] = [json.loads(r) for r in counts["Results"]]
    assert count["resourceType"] == "AWS::S3::Bucket"
    assert count["COUNT(*)"] == len(config.list_discovered_resources(resourceType="AWS::S3::Bucket")[
        "resourceIdentifiers"])  # the deleted bucket is not queried
    versioned = config.select_resource_config(
        Expression="SELECT resourceId WHERE supplementaryConfiguration.BucketVersioningConfiguration.status = "
                   "'Enabled'")
    assert [json.loads(r)["resourceId"] for r in versioned["Results"]] == [tagged]
    assert error_of(config.select_resource_config, Expression="DELETE FROM items") == (
        "InvalidExpressionException", 400)

    aggregate = config.put_configuration_aggregator(ConfigurationAggregatorName="mine", AccountAggregationSources=[
        {"AccountIds": [account], "AwsRegions": ["us-east-1"]}])["ConfigurationAggregator"]
    assert aggregate["ConfigurationAggregatorName"] == "mine"
    across = config.select_aggregate_resource_config(
        ConfigurationAggregatorName="mine", Expression="SELECT resourceId, accountId WHERE tags.tag = 'env=prod'")
    assert [json.loads(r) for r in across["Results"]] == [{"resourceId": tagged, "accountId": account}]
    assert error_of(config.select_aggregate_resource_config, ConfigurationAggregatorName="none",
                    Expression="SELECT resourceId") == ("NoSuchConfigurationAggregatorException", 400)
