"""Config's SelectResourceConfig SQL subset, evaluated over hand-made configuration items (no server)."""
import json

import pytest

from nimbus.core.sql.resource_config import select_resource_config
from nimbus.protocol.errors import ServiceError

ITEMS = [
    {"resourceId": "i-1", "resourceType": "AWS::EC2::Instance", "awsRegion": "us-east-1", "accountId": "1",
     "configurationItemCaptureTime": "2024-01-02T00:00:00Z",
     "configuration": {"instanceType": "t2.micro", "state": {"name": "running"}, "cpu": 2,
                       "blockDeviceMappings": [{"deviceName": "/dev/sda", "ebs": {"volumeId": "vol-1"}},
                                               {"deviceName": "/dev/sdb"}]},
     "tags": [{"key": "env", "value": "prod"}],
     "relationships": [{"resourceId": "vol-1", "resourceType": "AWS::EC2::Volume", "name": "Is attached to"}]},
    {"resourceId": "i-2", "resourceType": "AWS::EC2::Instance", "awsRegion": "eu-west-1", "accountId": "1",
     "configurationItemCaptureTime": "2024-03-02T00:00:00Z",
     "configuration": '{"instanceType": "t3.large", "state": {"name": "stopped"}, "cpu": 8}',
     "tags": {"env": "dev", "team": "a"}},
    {"resourceId": "my-bucket", "resourceType": "AWS::S3::Bucket", "awsRegion": "us-east-1", "accountId": "1",
     "configurationItemCaptureTime": "2024-02-02T00:00:00Z", "configuration": {"name": "my-bucket"},
     "supplementaryConfiguration": {"BucketVersioningConfiguration": '{"status": "Off"}'}, "tags": []},
]


def rows(expression, **kwargs):
    results, fields, token = select_resource_config(expression, ITEMS, **kwargs)
    return [json.loads(r) for r in results]


def error(expression, **kwargs):
    with pytest.raises(ServiceError) as caught:
        select_resource_config(expression, ITEMS, **kwargs)
    return caught.value.code


def test_nested_configuration_is_selected_in_its_shape():
    results, fields, token = select_resource_config(
        "SELECT resourceId, configuration.instanceType WHERE resourceType = 'AWS::EC2::Instance'", ITEMS)
    assert [json.loads(r) for r in results] == [
        {"resourceId": "i-1", "configuration": {"instanceType": "t2.micro"}},
        {"resourceId": "i-2", "configuration": {"instanceType": "t3.large"}}]
    assert fields == [{"Name": "resourceId"}, {"Name": "configuration.instanceType"}]
    assert token is None


def test_a_condition_on_an_array_holds_when_any_element_matches():
    assert rows("SELECT resourceId WHERE configuration.blockDeviceMappings.deviceName = '/dev/sdb'") == [
        {"resourceId": "i-1"}]
    assert rows("SELECT resourceId WHERE relationships.resourceId = 'vol-1'") == [{"resourceId": "i-1"}]


def test_tags_are_queried_by_key_value_and_tag():
    assert rows("SELECT resourceId WHERE tags.tag = 'env=prod'") == [{"resourceId": "i-1"}]
    assert rows("SELECT resourceId WHERE tags.key = 'team'") == [{"resourceId": "i-2"}]
    assert rows("SELECT resourceId WHERE tags.value IN ('dev', 'qa')") == [{"resourceId": "i-2"}]


def test_supplementary_configuration_text_is_read_as_json():
    assert rows("SELECT resourceId WHERE supplementaryConfiguration.BucketVersioningConfiguration.status = 'Off'"
                ) == [{"resourceId": "my-bucket"}]


def test_numbers_compare_as_numbers_and_aggregate():
    assert rows("SELECT resourceId WHERE configuration.cpu BETWEEN 4 AND 16") == [{"resourceId": "i-2"}]
    assert rows("SELECT resourceId WHERE configuration.cpu > 3") == [{"resourceId": "i-2"}]
    assert rows("SELECT SUM(configuration.cpu), AVG(configuration.cpu), MIN(configuration.cpu), "
                "MAX(configuration.instanceType)") == [
        {"SUM(configuration.cpu)": 10, "AVG(configuration.cpu)": 5, "MIN(configuration.cpu)": 2,
         "MAX(configuration.instanceType)": "t3.large"}]


def test_group_by_with_count_and_order():
    assert rows("SELECT resourceType, COUNT(*) GROUP BY resourceType ORDER BY COUNT(*) DESC") == [
        {"resourceType": "AWS::EC2::Instance", "COUNT(*)": 2}, {"resourceType": "AWS::S3::Bucket", "COUNT(*)": 1}]
    assert rows("SELECT configuration.state.name, COUNT(*) AS total WHERE resourceType = 'AWS::EC2::Instance' "
                "GROUP BY configuration.state.name ORDER BY configuration.state.name DESC") == [
        {"configuration": {"state": {"name": "stopped"}}, "total": 1},
        {"configuration": {"state": {"name": "running"}}, "total": 1}]


def test_like_not_or_and_time_ranges():
    assert rows("SELECT resourceId WHERE resourceId LIKE 'i-%' AND NOT awsRegion = 'eu-west-1'") == [
        {"resourceId": "i-1"}]
    assert rows("SELECT resourceId WHERE configurationItemCaptureTime BETWEEN '2024-01-15' AND '2024-02-15' "
                "OR resourceId = 'i-2' ORDER BY resourceId") == [{"resourceId": "i-2"}, {"resourceId": "my-bucket"}]


def test_select_star_returns_the_whole_item():
    assert rows("SELECT * WHERE resourceId = 'my-bucket'")[0]["supplementaryConfiguration"] == {
        "BucketVersioningConfiguration": {"status": "Off"}}


def test_pages_follow_the_limit_and_token():
    results, _, token = select_resource_config("SELECT resourceId", ITEMS, limit=2)
    assert len(results) == 2 and token
    rest, _, last = select_resource_config("SELECT resourceId", ITEMS, limit=2, next_token=token)
    assert [json.loads(r)["resourceId"] for r in results + rest] == ["i-1", "i-2", "my-bucket"]
    assert last is None
    assert error("SELECT resourceType", next_token=token) == "InvalidNextTokenException"
    assert error("SELECT resourceId", next_token="garbage") == "InvalidNextTokenException"
    assert error("SELECT resourceId", limit=101) == "InvalidLimitException"


@pytest.mark.parametrize("expression", [
    "SELECT resourceId FROM items", "SELECT resourceId WHERE resourceId = resourceType", "SELECT resourceId LIMIT 1",
    "SELECT DISTINCT resourceId", "SELECT resourceId WHERE resourceId IN (SELECT 1)", "SELECT upper(resourceId)",
    "SELECT resourceId, COUNT(*)", "DELETE FROM items", "SELECT (((", "SELECT resourceId; SELECT resourceType",
    "SELECT resourceId WHERE configuration.cpu + 1 = 3", "SELECT SUM(*)", "SELECT *, COUNT(*)",
])
def test_what_the_subset_forbids_is_an_invalid_expression(expression):
    assert error(expression) == "InvalidExpressionException"
