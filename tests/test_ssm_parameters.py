"""Parameter Store through boto3: versions, selectors, labels, names, tiers, policies, tags, listings."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.support import error_of, unique, virtual_now


@pytest.fixture(scope="module")
def ssm(aws):
    return aws("ssm")


def path(prefix: str = "app") -> str:
    return "/" + unique(prefix)


def test_put_get_overwrite_and_history(ssm):
    name = path()
    put = ssm.put_parameter(Name=name, Value="one", Type="String", Description="first")
    assert (put["Version"], put["Tier"]) == (1, "Standard")
    assert error_of(ssm.put_parameter, Name=name, Value="x", Type="String").worded == (
        "ParameterAlreadyExists",
        "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
    assert ssm.put_parameter(Name=name, Value="two", Overwrite=True)["Version"] == 2
    got = ssm.get_parameter(Name=name)["Parameter"]
    account = got["ARN"].split(":")[4]
    assert got["ARN"] == f"arn:aws:ssm:us-east-1:{account}:parameter{name}"
    assert (got["Value"], got["Version"], got["Type"], got["DataType"]) == ("two", 2, "String", "text")
    assert ssm.get_parameter(Name=f"{name}:1")["Parameter"]["Value"] == "one"
    assert ssm.get_parameter(Name=f"{name}:1")["Parameter"]["Selector"] == ":1"
    assert ssm.get_parameter(Name=got["ARN"])["Parameter"]["Value"] == "two"
    assert error_of(ssm.get_parameter, Name=f"{name}:9").code == "ParameterVersionNotFound"
    history = ssm.get_parameter_history(Name=name)["Parameters"]
    assert [(h["Version"], h["Value"], h.get("Description")) for h in history] == [
        (1, "one", "first"), (2, "two", "first")]


def test_get_parameters_and_delete(ssm):
    a, b = path(), path()
    ssm.put_parameter(Name=a, Value="a", Type="StringList")
    ssm.put_parameter(Name=b, Value="b", Type="String")
    found = ssm.get_parameters(Names=[a, b, a + "-missing", f"{b}:5"])
    assert sorted(p["Value"] for p in found["Parameters"]) == ["a", "b"]
    assert found["InvalidParameters"] == [a + "-missing", f"{b}:5"]
    ssm.delete_parameter(Name=a)
    assert error_of(ssm.get_parameter, Name=a).code == "ParameterNotFound"
    assert error_of(ssm.delete_parameter, Name=a).code == "ParameterNotFound"
    deleted = ssm.delete_parameters(Names=[a, b])
    assert (deleted["DeletedParameters"], deleted["InvalidParameters"]) == ([b], [a])


def test_public_parameters_are_not_served(ssm):
    name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    assert error_of(ssm.get_parameter, Name=name).code == "ParameterNotFound"


@pytest.mark.parametrize("name, code", [
    ("/awsx/thing", "AccessDeniedException"),
    ("aws-thing", "ValidationException"),
    ("/ssm/thing", "ValidationException"),
    ("/bad name", "ValidationException"),
    ("a/b", "ValidationException"),
    ("/" + "/".join("l" * 16), "HierarchyLevelLimitExceededException"),
])
def test_name_rules(ssm, name, code):
    assert error_of(ssm.put_parameter, Name=name, Value="v", Type="String").code == code


def test_fifteen_levels_are_allowed_and_the_reserved_prefix_is_worded(ssm):
    deep = "/" + "/".join(unique("l") for _ in range(15))
    assert ssm.put_parameter(Name=deep, Value="v", Type="String")["Version"] == 1
    assert error_of(ssm.put_parameter, Name="aws-thing", Value="v", Type="String").message == (
        "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).")


def test_tags_only_on_create(ssm):
    name = path()
    tags = [{"Key": "team", "Value": "red"}]
    ssm.put_parameter(Name=name, Value="v", Type="String", Tags=tags)
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"] == tags
    error = error_of(ssm.put_parameter, Name=name, Value="w", Type="String", Overwrite=True, Tags=tags)
    assert error.code == "ValidationException" and "tags and overwrite can't be used together" in error.message
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=name, Tags=[{"Key": "env", "Value": "dev"}])
    ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId=name, TagKeys=["team"])
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"] == [
        {"Key": "env", "Value": "dev"}]
    assert error_of(ssm.list_tags_for_resource, ResourceType="Parameter",
                    ResourceId=name + "-missing").code == "InvalidResourceId"


def test_allowed_pattern_and_data_type(ssm):
    name = path()
    ssm.put_parameter(Name=name, Value="123", Type="String", AllowedPattern=r"^\d+$")
    assert error_of(ssm.put_parameter, Name=name, Value="abc", Overwrite=True).worded == (
        "ParameterPatternMismatchException", r"Parameter value, cannot be validated against allowedPattern: ^\d+$")
    assert ssm.put_parameter(Name=path(), Value="ami-0123456789abcdef0", Type="String",
                             DataType="aws:ec2:image")["Version"] == 1
    assert error_of(ssm.put_parameter, Name=path(), Value="not-an-ami", Type="String",
                    DataType="aws:ec2:image").code == "ValidationException"
    assert error_of(ssm.put_parameter, Name=path(), Value="v", Type="String",
                    DataType="Text").code == "ValidationException"


def test_tiers_and_value_sizes(ssm):
    big = "x" * 5000
    assert "4096 characters" in error_of(ssm.put_parameter, Name=path(), Value=big, Type="String").message
    assert ssm.put_parameter(Name=path(), Value=big, Type="String", Tier="Advanced")["Tier"] == "Advanced"
    assert ssm.put_parameter(Name=path(), Value=big, Type="String", Tier="Intelligent-Tiering")["Tier"] == "Advanced"
    assert ssm.put_parameter(Name=path(), Value="s", Type="String", Tier="Intelligent-Tiering")["Tier"] == "Standard"
    assert error_of(ssm.put_parameter, Name=path(), Value="x" * 8193, Type="String",
                    Tier="Advanced").code == "ValidationException"
    name = path()
    ssm.put_parameter(Name=name, Value="v", Type="String", Tier="Advanced")
    error = error_of(ssm.put_parameter, Name=name, Value="w", Overwrite=True, Tier="Standard")
    assert error.code == "ValidationException" and "can't downgrade" in error.message
    assert ssm.put_parameter(Name=name, Value="w", Overwrite=True)["Tier"] == "Advanced"


def expiration(endpoint: str, seconds_from_now: int) -> dict:
    """An Expiration policy that far ahead of the virtual clock (other modules move it)."""
    when = virtual_now(endpoint) + timedelta(seconds=seconds_from_now)
    return {"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": when.isoformat()}}


@pytest.mark.parametrize("policies, code", [
    ("not json", "InvalidPolicyAttributeException"),
    ([{"Type": "Explode", "Version": "1.0", "Attributes": {}}], "InvalidPolicyTypeException"),
    ([{"Type": "NoChangeNotification", "Version": "1.0", "Attributes": {"After": "x", "Unit": "Days"}}],
     "InvalidPolicyAttributeException"),
    ([{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "tomorrow"}}],
     "InvalidPolicyAttributeException"),
    ([{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "2001-01-01T00:00:00.000Z"}}],
     "InvalidPolicyAttributeException"),
    ("two expirations", "IncompatiblePolicyException"),
])
def test_policies_are_validated(ssm, endpoint, policies, code):
    if policies == "two expirations":
        policies = [expiration(endpoint, 3600), expiration(endpoint, 7200)]
    text = policies if isinstance(policies, str) else json.dumps(policies)
    assert error_of(ssm.put_parameter, Name=path(), Value="v", Type="String", Tier="Advanced",
                    Policies=text).code == code


def test_policies_need_the_advanced_tier(ssm, endpoint):
    policies = json.dumps([expiration(endpoint, 3600), {"Type": "NoChangeNotification", "Version": "1.0",
                                              "Attributes": {"After": "20", "Unit": "Days"}}])
    assert error_of(ssm.put_parameter, Name=path(), Value="v", Type="String", Tier="Standard",
                    Policies=policies).code == "ValidationException"
    name = path()
    assert ssm.put_parameter(Name=name, Value="v", Type="String", Tier="Intelligent-Tiering",
                             Policies=policies)["Tier"] == "Advanced"
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"][0]
    assert [(p["PolicyType"], p["PolicyStatus"]) for p in described["Policies"]] == [
        ("Expiration", "Pending"), ("NoChangeNotification", "Pending")]


def test_labels(ssm):
    name = path()
    for value in ("1", "2", "3"):
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=value != "1")
    out = ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["prod", "9bad", "awsy", "ok"])
    assert (out["ParameterVersion"], out["InvalidLabels"]) == (1, ["9bad", "awsy"])
    assert ssm.get_parameter(Name=f"{name}:prod")["Parameter"]["Value"] == "1"
    assert ssm.label_parameter_version(Name=name, Labels=["prod"])["ParameterVersion"] == 3  # moves the label
    assert ssm.get_parameter(Name=f"{name}:prod")["Parameter"]["Value"] == "3"
    history = {h["Version"]: h.get("Labels") for h in ssm.get_parameter_history(Name=name)["Parameters"]}
    assert history == {1: ["ok"], 2: None, 3: ["prod"]}
    ssm.label_parameter_version(Name=name, ParameterVersion=2, Labels=[f"l{i}" for i in range(10)])
    assert error_of(ssm.label_parameter_version, Name=name, ParameterVersion=2,
                    Labels=["extra"]).code == "ParameterVersionLabelLimitExceeded"
    assert error_of(ssm.label_parameter_version, Name=name, ParameterVersion=7,
                    Labels=["x"]).code == "ParameterVersionNotFound"
    removed = ssm.unlabel_parameter_version(Name=name, ParameterVersion=3, Labels=["prod", "ok"])
    assert (removed["RemovedLabels"], removed["InvalidLabels"]) == (["prod"], ["ok"])
    assert error_of(ssm.get_parameter, Name=f"{name}:prod").code == "ParameterNotFound"
