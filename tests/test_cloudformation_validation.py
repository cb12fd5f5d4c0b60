"""ValidateTemplate's errors from cfn-lint, in AWS's "Template format error: ..." ValidationError shape, for a
few typical mistakes; a valid template's answer is unchanged."""
from __future__ import annotations

import pytest

from tests.support import error_of


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def topic(properties: str) -> str:
    return f"Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n{properties}"


@pytest.mark.parametrize("body, expected", [
    (topic("      DisplayNam: orders\n"),
     "Template format error: [/Resources/Topic/Properties/DisplayNam] Additional properties are not allowed "
     "('DisplayNam' was unexpected. Did you mean 'DisplayName'?) (line 5, column 7; cfn-lint E3002)"),
    (topic("      Tags: production\n"),
     "Template format error: [/Resources/Topic/Properties/Tags] 'production' is not of type 'array' (line 5, "
     "column 7; cfn-lint E3012)"),
    ("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n"
     "      VersioningConfiguration: {Status: Maybe}\n",
     "Template format error: [/Resources/Bucket/Properties/VersioningConfiguration/Status] 'Maybe' is not one of "
     "['Enabled', 'Suspended'] (line 5, column 33; cfn-lint E3030)"),
])
def test_typical_mistakes(cf, body, expected):
    assert error_of(cf.validate_template, TemplateBody=body).worded == ("ValidationError", expected)


def test_a_missing_attribute_and_a_valid_template(cf):
    body = topic("      DisplayName: orders\n") + "Outputs:\n  Name:\n    Value: !GetAtt Topic.Name\n"
    error = error_of(cf.validate_template, TemplateBody=body)
    assert error.code == "ValidationError"
    assert error.message.startswith("Template format error: [/Outputs/Name/Value/Fn::GetAtt/1] 'Name' is not one of ")
    assert error.message.endswith("(line 8, column 5; cfn-lint E6101)")
    valid = body.replace("Topic.Name", "Topic.TopicName")
    assert cf.validate_template(TemplateBody=valid)["Parameters"] == []
