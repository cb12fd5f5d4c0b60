"""CloudFormation templates through boto3: YAML short forms and intrinsic functions, parameters and their
constraints, NoEcho, SSM parameter types and dynamic references, conditions, and what AWS refuses
before a stack starts (malformed templates, cycles, unknown types, missing capabilities)."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, settled_stack, stack_events, stack_resources, unique


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


@pytest.fixture(scope="module")
def ssm(aws):
    return aws("ssm")


def value_of(ssm, cf, name: str, logical: str = "Param") -> str:
    return ssm.get_parameter(Name=stack_resources(cf, name)[logical], WithDecryption=True)["Parameter"]["Value"]


INTRINSICS = """
Parameters:
  Env: {Type: String, Default: prod}
  Ports: {Type: List<Number>, Default: "80, 443"}
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
Mappings:
  Sizes: {prod: {Shards: "3"}, dev: {Shards: "1"}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Or [!Equals [a, b], !Equals [!Select [1, !Ref Names], b]]]
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Skipped: {Type: AWS::SNS::Topic, Condition: NotProd}
  Param:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Description: !If [Both, !Ref "AWS::NoValue", never]
      Value: !Join
        - "|"
        - - !Sub "${AWS::StackName}/${AWS::Region}/${AWS::AccountId}/${AWS::Partition}/${AWS::URLSuffix}"
          - !Sub ["${Name}-${!Literal}", {Name: !GetAtt [Topic, TopicName]}]
          - !FindInMap [Sizes, !Ref Env, Shards]
          - !Select [1, !Ref Ports]
          - !Join [",", !Split [",", "x,y"]]
          - !Base64 hello
          - !Join [",", !Cidr [10.0.0.0/16, 2, 8]]
          - !Select [0, !GetAZs ""]
          - !If [IsProd, big, small]
Outputs:
  Skipped: {Condition: NotProd, Value: !Ref Skipped}
  Stack: {Value: !Ref "AWS::StackId"}
"""


def test_yaml_short_forms_and_every_intrinsic(cf, ssm, aws):
    name = unique("intrinsics")
    cf.create_stack(StackName=name, TemplateBody=INTRINSICS)
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert set(stack_resources(cf, name)) == {"Topic", "Param"}
    topic_name = stack_resources(cf, name)["Topic"].split(":")[-1]
    account = stack["StackId"].split(":")[4]
    assert value_of(ssm, cf, name).split("|") == [
        f"{name}/us-east-1/{account}/aws/amazonaws.com", f"{topic_name}-${{Literal}}", "3", "443", "x,y",
        "aGVsbG8=", "10.0.0.0/24,10.0.1.0/24", "us-east-1a", "big"]
    assert "Description" not in ssm.describe_parameters()["Parameters"][0]
    assert {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]} == {"Stack": stack["StackId"]}


@pytest.mark.parametrize("body, message", [
    ("Resources:\n  Topic: {Type: AWS::SNS::Topic\n", "Template format error: YAML not well-formed. (line 3, column 1)"),
    ('{"Resources": {"Topic": }}', "Template format error: JSON not well-formed. (line 1, column 25)"),
    ("Resources: {}\n", "Template format error: At least one Resources member must be defined."),
    ("Resourcez:\n  T: {Type: AWS::SNS::Topic}\n", "Template format error: Unrecognized section(s): [Resourcez]"),
    ("Resources:\n  T: {Type: AWS::Nope::Thing}\n", "Template format error: Unrecognized resource types: "
                                                     "[AWS::Nope::Thing]"),
    ("Resources:\n  A: {Type: AWS::SNS::Topic, Properties: {DisplayName: !GetAtt B.TopicName}}\n"
     "  B: {Type: AWS::SNS::Topic, Properties: {DisplayName: !Sub '${A.TopicName}'}}\n"
     "  C: {Type: AWS::SNS::Topic, DependsOn: B}\n", "Circular dependency between resources: [A, B]"),
    ("Resources:\n  A: {Type: AWS::SNS::Topic, DependsOn: Ghost}\n",
     "Template format error: Unresolved resource dependencies [Ghost] in the Resources block of the template"),
    ("Resources:\n  A: {Type: AWS::SNS::Topic, Properties: {DisplayName: !Ref Ghost}}\n",
     "Template format error: Unresolved resource dependencies [Ghost] in the Resources block of the template"),
    ("Resources:\n  A: {Type: AWS::SNS::Topic, Properties: {DisplayName: !GetAtt Ghost.Name}}\n",
     "Template error: instance of Fn::GetAtt references undefined resource Ghost"),
    ("Resources:\n  A: !!python/object/apply:os.system [id]\n", "Template format error: YAML not well-formed. "
                                                               "(line 2, column 6)"),
])
def test_bad_templates_are_refused_before_anything_runs(cf, body, message):
    assert error_of(cf.validate_template, TemplateBody=body).worded == ("ValidationError", message)
    assert error_of(cf.create_stack, StackName=unique("bad"), TemplateBody=body).worded == ("ValidationError", message)


def test_validate_template_answers_as_aws(cf):
    body = json.dumps({
        "Description": "roles", "Transform": "AWS::Serverless-2016-10-31",
        "Parameters": {"Pass": {"Type": "String", "NoEcho": True, "Description": "secret"},
                       "Size": {"Type": "Number", "Default": 3}},
        "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}}})
    answer = cf.validate_template(TemplateBody=body)
    assert (answer["Description"], answer["Capabilities"], answer["CapabilitiesReason"],
            answer["DeclaredTransforms"]) == ("roles", ["CAPABILITY_IAM"], "The following resource(s) require "
                                              "capabilities: [AWS::IAM::Role]", ["AWS::Serverless-2016-10-31"])
    assert answer["Parameters"] == [
        {"ParameterKey": "Pass", "NoEcho": True, "Description": "secret"},
        {"ParameterKey": "Size", "DefaultValue": "3", "NoEcho": False}]


def test_iam_resources_need_their_capability(cf):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "ec2.amazonaws.com"}}]}
    anonymous = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust}}}}
    named = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": trust, "RoleName": unique("named")}}}}
    assert error_of(cf.create_stack, StackName=unique("iam"), TemplateBody=json.dumps(anonymous)).worded == (
        "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]")
    assert error_of(cf.create_stack, StackName=unique("iam"), TemplateBody=json.dumps(named),
                    Capabilities=["CAPABILITY_IAM"]).worded == (
        "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_NAMED_IAM]")
    name = unique("iam")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(named), Capabilities=["CAPABILITY_NAMED_IAM"])
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"


PARAMETERS = {
    "Parameters": {
        "Env": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"},
        "Code": {"Type": "String", "AllowedPattern": "[a-z]+-[0-9]+", "Default": "ab-1"},
        "Short": {"Type": "String", "MinLength": 2, "MaxLength": 4, "Default": "abc"},
        "Count": {"Type": "Number", "MinValue": 1, "MaxValue": 5, "Default": 2},
        "Secret": {"Type": "String", "NoEcho": True, "ConstraintDescription": "a word", "AllowedPattern": "\\w+"},
    },
    "Resources": {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Type": "String", "Value": {"Fn::Sub": "${Env}/${Code}/${Short}/${Count}/${Secret}"}}}},
    "Outputs": {"Secret": {"Value": {"Ref": "Secret"}}},
}


@pytest.mark.parametrize("key, value, message", [
    ("Env", "test", "Parameter 'Env' must be one of AllowedValues"),
    ("Code", "AB-1", "Parameter 'Code' must match pattern [a-z]+-[0-9]+"),
    ("Short", "a", "Parameter 'Short' must contain at least 2 characters"),
    ("Short", "abcde", "Parameter 'Short' must contain at most 4 characters"),
    ("Count", "x", "Parameter 'Count' must be a number."),
    ("Count", "0", "Parameter 'Count' must be a number not less than 1"),
    ("Count", "6", "Parameter 'Count' must be a number not greater than 5"),
    ("Secret", "a b", "Parameter 'Secret' failed to satisfy constraint: a word"),
    ("Nope", "x", "Parameters: [Nope] do not exist in the template"),
])
def test_parameter_constraints(cf, key, value, message):
    given = [{"ParameterKey": "Secret", "ParameterValue": "s3cret"}, {"ParameterKey": key, "ParameterValue": value}]
    assert error_of(cf.create_stack, StackName=unique("params"), TemplateBody=json.dumps(PARAMETERS),
                    Parameters=given if key != "Secret" else given[1:]).worded == ("ValidationError", message)


def test_no_echo_is_masked_in_every_describe(cf, ssm, aws):
    name = unique("noecho")
    assert error_of(cf.create_stack, StackName=name, TemplateBody=json.dumps(PARAMETERS)).worded == (
        "ValidationError", "Parameters: [Secret] must have values")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(PARAMETERS),
                    Parameters=[{"ParameterKey": "Secret", "ParameterValue": "s3cret"}])
    stack = settled_stack(cf, name)
    assert value_of(ssm, cf, name) == "dev/ab-1/abc/2/s3cret"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "Env": "dev", "Code": "ab-1", "Short": "abc", "Count": "2", "Secret": "****"}
    assert stack["Outputs"][0]["OutputValue"] == "s3cret"  # AWS masks parameters, not outputs
    listed = cf.describe_stacks()["Stacks"]
    assert [p["ParameterValue"] for s in listed if s["StackName"] == name for p in s["Parameters"]
            if p["ParameterKey"] == "Secret"] == ["****"]
    events = cf.describe_stack_events(StackName=name)["StackEvents"]
    assert "s3cret" not in json.dumps(events, default=str)
    assert json.loads([e for e in events if e["LogicalResourceId"] == "Param"][0]["ResourceProperties"]) == {
        "Type": "String", "Value": "dev/ab-1/abc/2/****"}
    trail = aws("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateStack"}])["Events"]
    recorded = json.dumps([json.loads(e["CloudTrailEvent"])["requestParameters"] for e in trail])
    assert "s3cret" not in recorded and '"parameterValue": "HIDDEN_DUE_TO_SECURITY_REASONS"' in recorded


def test_ssm_parameter_types_and_dynamic_references(cf, ssm):
    plain, secure = unique("/cfn/plain"), unique("/cfn/secure")
    ssm.put_parameter(Name=plain, Value="from-ssm", Type="String")
    ssm.put_parameter(Name=plain, Value="from-ssm-2", Type="String", Overwrite=True)
    ssm.put_parameter(Name=secure, Value="top-secret", Type="SecureString")
    template = {"Parameters": {"Shown": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": plain}},
                "Resources": {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {
                    "Type": "String", "Value": {"Fn::Sub": f"${{Shown}}+{{{{resolve:ssm:{plain}:1}}}}+"
                                                            f"{{{{resolve:ssm-secure:{secure}}}}}"}}}}}
    name = unique("ssm")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    stack = settled_stack(cf, name)
    assert value_of(ssm, cf, name) == "from-ssm-2+from-ssm+top-secret"
    assert stack["Parameters"] == [{"ParameterKey": "Shown", "ParameterValue": plain, "ResolvedValue": "from-ssm-2"}]
    detail = [e for e in cf.describe_stack_events(StackName=name)["StackEvents"] if e["LogicalResourceId"] == "Param"]
    assert all("top-secret" not in e.get("ResourceProperties", "") for e in detail)
    assert error_of(cf.create_stack, StackName=unique("ssm"), TemplateBody=json.dumps(template),
                    Parameters=[{"ParameterKey": "Shown", "ParameterValue": "/cfn/missing"}]).worded == (
        "ValidationError", "Unable to fetch parameters [/cfn/missing] from parameter store for this account.")


def test_unknown_properties_fail_the_resource(cf):
    name = unique("props")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(
        {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"Colour": "blue"}}}}))
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    assert ("Topic", "CREATE_FAILED", "Properties validation failed for resource Topic with message: #: extraneous "
            "key [Colour] is not permitted") in stack_events(cf, name)


def test_templates_that_would_stall_the_server_are_refused(cf):
    laughs = "Resources:\n  T: {Type: AWS::SNS::Topic, Metadata: {x: *l9}}\n"
    anchors = "a0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &l{i} [*l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, "
        f"*l{i - 1}, *l{i - 1}]\n" for i in range(1, 10))
    body = "Metadata:\n" + "".join("  " + line + "\n" for line in anchors.splitlines()) + laughs
    message = "Template format error: the template nests deeper than 128 levels or expands to more than 500000 values."
    assert error_of(cf.validate_template, TemplateBody=body).worded == ("ValidationError", message)
    deep = '{"Resources": {"T": {"Type": "AWS::SNS::Topic", "Metadata": ' + "[" * 5000 + "]" * 5000 + "}}}"
    assert error_of(cf.validate_template, TemplateBody=deep).code == "ValidationError"
    deep_yaml = "Resources:\n  T: {Type: AWS::SNS::Topic, Metadata: " + "[" * 5000 + "]" * 5000 + "}\n"
    assert error_of(cf.validate_template, TemplateBody=deep_yaml).code == "ValidationError"
