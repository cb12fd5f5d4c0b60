"""Configuration aggregators across nimbus accounts and regions: another account's items only once it
authorized the aggregator's account and region; counts, listings and items read through the aggregator."""
from __future__ import annotations

from tests.support import account_key, error_of, start_recording, unique


def test_an_aggregator_sees_its_own_and_authorized_accounts(client, aws, account):
    other = account_key()
    other_aws = lambda service, **kw: client(service, key=other, **kw)  # noqa: E731 - a second account's clients
    config = aws("config")
    start_recording(aws)
    start_recording(other_aws, region="eu-west-1")
    mine, theirs = unique("mine"), unique("theirs")
    aws("s3").create_bucket(Bucket=mine)
    other_aws("s3", region="eu-west-1").create_bucket(Bucket=theirs,
                                                      CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    aggregator = config.put_configuration_aggregator(ConfigurationAggregatorName="all", AccountAggregationSources=[
        {"AccountIds": [account, other], "AllAwsRegions": True}])["ConfigurationAggregator"]
    assert aggregator["ConfigurationAggregatorArn"].startswith(
        f"arn:aws:config:us-east-1:{account}:config-aggregator/config-aggregator-")

    def listed() -> set[tuple[str, str, str]]:
        found = config.list_aggregate_discovered_resources(ConfigurationAggregatorName="all",
                                                           ResourceType="AWS::S3::Bucket")["ResourceIdentifiers"]
        return {(r["SourceAccountId"], r["SourceRegion"], r["ResourceId"]) for r in found}

    assert (account, "us-east-1", mine) in listed()
    assert not any(r[0] == other for r in listed())  # not authorized yet
    other_config = other_aws("config", region="eu-west-1")
    authorization = other_config.put_aggregation_authorization(AuthorizedAccountId=account,
                                                               AuthorizedAwsRegion="us-east-1")
    assert authorization["AggregationAuthorization"]["AuthorizedAccountId"] == account
    assert len(other_config.describe_aggregation_authorizations()["AggregationAuthorizations"]) == 1
    assert (other, "eu-west-1", theirs) in listed()

    counts = config.get_aggregate_discovered_resource_counts(ConfigurationAggregatorName="all", GroupByKey="ACCOUNT_ID")
    groups = {g["GroupName"]: g["ResourceCount"] for g in counts["GroupedResourceCounts"]}
    assert set(groups) == {account, other} and counts["TotalDiscoveredResources"] == sum(groups.values())
    by_region = config.get_aggregate_discovered_resource_counts(
        ConfigurationAggregatorName="all", GroupByKey="AWS_REGION", Filters={"ResourceType": "AWS::S3::Bucket"})
    assert {g["GroupName"] for g in by_region["GroupedResourceCounts"]} == {"us-east-1", "eu-west-1"}

    identifier = {"SourceAccountId": other, "SourceRegion": "eu-west-1", "ResourceId": theirs,
                  "ResourceType": "AWS::S3::Bucket"}
    item = config.get_aggregate_resource_config(ConfigurationAggregatorName="all", ResourceIdentifier=identifier)
    assert item["ConfigurationItem"]["accountId"] == other and item["ConfigurationItem"]["awsRegion"] == "eu-west-1"
    missing = {**identifier, "ResourceId": unique("nothing")}
    batch = config.batch_get_aggregate_resource_config(ConfigurationAggregatorName="all",
                                                       ResourceIdentifiers=[identifier, missing])
    assert [i["resourceId"] for i in batch["BaseConfigurationItems"]] == [theirs]
    assert batch["UnprocessedResourceIdentifiers"] == [missing]
    assert error_of(config.get_aggregate_resource_config, ConfigurationAggregatorName="all",
                    ResourceIdentifier=missing) == ("ResourceNotDiscoveredException", 400)

    other_config.delete_aggregation_authorization(AuthorizedAccountId=account, AuthorizedAwsRegion="us-east-1")
    assert not any(r[0] == other for r in listed())


def test_aggregators_are_managed_with_aws_errors(aws):
    config = aws("config", region="us-west-2")
    assert error_of(config.put_configuration_aggregator, ConfigurationAggregatorName="bad",
                    AccountAggregationSources=[{"AccountIds": ["123456789012"]}]) == ("InvalidParameterValueException", 400)
    assert error_of(config.put_configuration_aggregator, ConfigurationAggregatorName="org",
                    OrganizationAggregationSource={"RoleArn": "arn:aws:iam::123456789012:role/x",
                                                   "AllAwsRegions": True}) == ("NoAvailableOrganizationException", 400)
    config.put_configuration_aggregator(ConfigurationAggregatorName="one", AccountAggregationSources=[
        {"AccountIds": ["123456789012"], "AwsRegions": ["us-west-2"]}])
    described = config.describe_configuration_aggregators(ConfigurationAggregatorNames=["one"])
    assert described["ConfigurationAggregators"][0]["AccountAggregationSources"] == [
        {"AccountIds": ["123456789012"], "AllAwsRegions": False, "AwsRegions": ["us-west-2"]}]
    assert error_of(config.describe_configuration_aggregators, ConfigurationAggregatorNames=["none"]) == (
        "NoSuchConfigurationAggregatorException", 400)
    config.delete_configuration_aggregator(ConfigurationAggregatorName="one")
    assert error_of(config.delete_configuration_aggregator, ConfigurationAggregatorName="one") == (
        "NoSuchConfigurationAggregatorException", 400)
    assert error_of(config.list_aggregate_discovered_resources, ConfigurationAggregatorName="one",
                    ResourceType="AWS::S3::Bucket") == ("NoSuchConfigurationAggregatorException", 400)
