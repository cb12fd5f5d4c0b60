"""What CDK-made stacks lean on beyond the resource types: AWS::CDK::Metadata, which CloudFormation
itself serves, and UsePreviousValue on a parameter that took its default (the CDK's BootstrapVersion)."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, settled_stack, stack_events, stack_resources, unique

TEMPLATE = {
    "Parameters": {"Version": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "PARAMETER"}},
    "Resources": {"CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:abc"}},
                  "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "one"}}},
    "Outputs": {"Version": {"Value": {"Ref": "Version"}}}}


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def body(parameter: str, display: str) -> str:
    template = json.loads(json.dumps(TEMPLATE).replace("PARAMETER", parameter))
    template["Resources"]["Topic"]["Properties"]["DisplayName"] = display
    return json.dumps(template)


def test_cdk_metadata_and_a_previous_default(cf, aws):
    name, parameter = unique("cdk-like"), unique("/cdk-bootstrap/version")
    aws("ssm").put_parameter(Name=parameter, Value="30", Type="String")
    stack_id = cf.create_stack(StackName=name, TemplateBody=body(parameter, "one"))["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE", stack_events(cf, name)
    assert stack_resources(cf, name)["CDKMetadata"]

    # The CDK deploys again with UsePreviousValue for BootstrapVersion, which took its default.
    cf.update_stack(StackName=name, TemplateBody=body(parameter, "two"),
                    Parameters=[{"ParameterKey": "Version", "UsePreviousValue": True}])
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack_events(cf, name)
    assert stack["Parameters"] == [{"ParameterKey": "Version", "ParameterValue": parameter, "ResolvedValue": "30"}]
    assert stack["Outputs"][0]["OutputValue"] == "30"
    # Nothing else changed: the previous default is still the default, so nothing counts as given.
    assert error_of(cf.update_stack, StackName=name, TemplateBody=body(parameter, "two"),
                    Parameters=[{"ParameterKey": "Version", "UsePreviousValue": True}]).worded == (
        "ValidationError", "No updates are to be performed.")
    assert error_of(cf.update_stack, StackName=name, TemplateBody=body(parameter, "three"),
                    Parameters=[{"ParameterKey": "Other", "UsePreviousValue": True}]).worded == (
        "ValidationError", "Invalid input for parameter key Other. Cannot specify usePreviousValue as true for a "
        "parameter key not in the previous template")
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert ("CDKMetadata", "DELETE_COMPLETE", "") in stack_events(cf, stack_id)
