"""CloudFormation's Transform AWS::LanguageExtensions (Fn::ForEach, Fn::Length, Fn::ToJsonString, Fn::FindInMap
with DefaultValue, DeletionPolicy as an intrinsic) with CAPABILITY_AUTO_EXPAND, the AWS::Serverless transform
refused by name, and the Rules section's assertions."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, settled_stack, stack_resources, unique


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


LOOPS = """
Transform: AWS::LanguageExtensions
Parameters:
  Names: {Type: CommaDelimitedList, Default: "orders,audit-log"}
  Keep: {Type: String, AllowedValues: ["yes", "no"], Default: "no"}
Conditions:
  Keeping: !Equals [!Ref Keep, "yes"]
Mappings:
  Sizes: {orders: {Display: Orders}}
Resources:
  Fn::ForEach::Topics:
    - Name
    - !Ref Names
    - "&{Name}Topic":
        Type: AWS::SNS::Topic
        DeletionPolicy: !If [Keeping, Retain, Delete]
        Properties:
          DisplayName: !FindInMap [Sizes, !Ref Name, Display, {DefaultValue: "Other"}]
  Summary:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: !ToJsonString {count: !Length {Ref: Names}, literal: !Length [a, b, c], names: !Ref Names}
Outputs:
  Fn::ForEach::Arns:
    - Name
    - !Ref Names
    - "&{Name}Arn":
        Value: !GetAtt [!Sub "&{Name}Topic", TopicArn]
"""


def test_language_extensions_write_resources_and_outputs(cf, aws):
    name = unique("loops")
    assert error_of(cf.create_stack, StackName=name, TemplateBody=LOOPS).worded == (
        "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_AUTO_EXPAND]")
    cf.create_stack(StackName=name, TemplateBody=LOOPS, Capabilities=["CAPABILITY_AUTO_EXPAND"],
                    Parameters=[{"ParameterKey": "Keep", "ParameterValue": "yes"}])
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    made = stack_resources(cf, name)
    assert set(made) == {"ordersTopic", "auditlogTopic", "Summary"}
    sns = aws("sns")
    displays = {k: sns.get_topic_attributes(TopicArn=made[k])["Attributes"]["DisplayName"]
                for k in ("ordersTopic", "auditlogTopic")}
    assert displays == {"ordersTopic": "Orders", "auditlogTopic": "Other"}
    value = aws("ssm").get_parameter(Name=made["Summary"])["Parameter"]["Value"]
    assert json.loads(value) == {"count": 2, "literal": 3, "names": ["orders", "audit-log"]}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs == {"ordersArn": made["ordersTopic"], "auditlogArn": made["auditlogTopic"]}
    assert cf.get_template(StackName=name)["TemplateBody"] == LOOPS
    processed = cf.get_template(StackName=name, TemplateStage="Processed")["TemplateBody"]
    assert sorted(processed["Resources"]) == ["Summary", "auditlogTopic", "ordersTopic"]
    assert "Transform" not in processed and processed["Resources"]["ordersTopic"]["DeletionPolicy"] == "Retain"
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    # DeletionPolicy came from Fn::If: Retain, so both topics outlive the stack.
    assert sns.get_topic_attributes(TopicArn=made["ordersTopic"])["Attributes"]["DisplayName"] == "Orders"


def test_a_change_set_expands_without_the_capability(cf):
    name = unique("loop-changes")
    cf.create_change_set(StackName=name, ChangeSetName="first", ChangeSetType="CREATE", TemplateBody=LOOPS,
                         Parameters=[{"ParameterKey": "Names", "ParameterValue": "a,b,c"}])
    changes = cf.describe_change_set(StackName=name, ChangeSetName="first")["Changes"]
    assert sorted(c["ResourceChange"]["LogicalResourceId"] for c in changes) == [
        "Summary", "aTopic", "bTopic", "cTopic"]


def test_other_transforms_are_refused_by_name(cf):
    serverless = json.dumps({"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn": {
        "Type": "AWS::Serverless::Function", "Properties": {"Handler": "a.b", "Runtime": "python3.12"}}}})
    assert cf.validate_template(TemplateBody=serverless)["DeclaredTransforms"] == ["AWS::Serverless-2016-10-31"]
    assert error_of(cf.create_stack, StackName=unique("sam"), TemplateBody=serverless).code == \
        "InsufficientCapabilitiesException"
    assert error_of(cf.create_stack, StackName=unique("sam"), TemplateBody=serverless,
                    Capabilities=["CAPABILITY_AUTO_EXPAND"]).worded == (
        "ValidationError", "Template format error: nimbus does not run the AWS::Serverless-2016-10-31 transform: "
        "its resources are AWS Lambda functions and APIs, which nimbus does not serve")
    bad_loop = LOOPS.replace("    - Name\n    - !Ref Names\n    - \"&{Name}Topic\"", "    - Name\n    - \"&{Name}Topic\"")
    assert error_of(cf.create_stack, StackName=unique("bad"), TemplateBody=bad_loop,
                    Capabilities=["CAPABILITY_AUTO_EXPAND"]).code == "ValidationError"


RULES = {
    "Parameters": {"Env": {"Type": "String"}, "Sizes": {"Type": "CommaDelimitedList"},
                   "Main": {"Type": "String", "Default": "m5"}, "Spare": {"Type": "String", "Default": "m5"}},
    "Rules": {
        "ProdSizes": {"RuleCondition": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                      "Assertions": [{"Assert": {"Fn::EachMemberIn": [{"Ref": "Sizes"}, ["large", "xlarge"]]},
                                      "AssertDescription": "Production sizes must be large or xlarge"}]},
        "KnownEnv": {"Assertions": [{"Assert": {"Fn::Contains": [["dev", "prod"], {"Ref": "Env"}]},
                                     "AssertDescription": "Env must be dev or prod"}]},
        "NotBoth": {"Assertions": [{"Assert": {"Fn::Not": [{"Fn::And": [
            {"Fn::Equals": [{"Ref": "Env"}, "dev"]}, {"Fn::Contains": [{"Ref": "Sizes"}, "xlarge"]}]}]},
            "AssertDescription": "dev cannot use xlarge"}]},
        "SameStrings": {"Assertions": [{"Assert": {"Fn::EachMemberEquals": [{"Fn::RefAll": "String"}, "m5"]}}]}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


def given(**values: str) -> list[dict]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def test_rules_assert_on_parameters(cf):
    body = json.dumps(RULES)
    cases = [({"Env": "test", "Sizes": "small"}, "Env must be dev or prod"),
             ({"Env": "prod", "Sizes": "large,small"}, "Production sizes must be large or xlarge"),
             ({"Env": "dev", "Sizes": "xlarge"}, "dev cannot use xlarge")]
    for values, description in cases:
        assert error_of(cf.create_stack, StackName=unique("rules"), TemplateBody=body,
                        Parameters=given(**values)).worded == ("ValidationError", description)
    # RefAll lists Env too: only "m5" everywhere passes that rule, which names no AssertDescription.
    assert error_of(cf.create_stack, StackName=unique("rules"), TemplateBody=body,
                    Parameters=given(Env="dev", Sizes="small")).worded == (
        "ValidationError", "Template error: an assertion of rule SameStrings failed")
    passing = {**RULES, "Rules": {k: v for k, v in RULES["Rules"].items() if k != "SameStrings"}}
    name = unique("rules")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(passing), Parameters=given(Env="dev", Sizes="small"))
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    assert error_of(cf.update_stack, StackName=name, TemplateBody=json.dumps(passing),
                    Parameters=given(Env="prod", Sizes="small")).worded == (
        "ValidationError", "Production sizes must be large or xlarge")
    value_of = {**RULES, "Rules": {"Vpc": {"Assertions": [{"Assert": {"Fn::Equals": [
        {"Fn::ValueOf": ["Env", "Tags"]}, "x"]}}]}}}
    assert "Fn::ValueOf" in error_of(cf.create_stack, StackName=unique("rules"), TemplateBody=json.dumps(value_of),
                                     Parameters=given(Env="dev", Sizes="a")).message


def nested(items: str) -> str:
    return json.dumps({"Transform": "AWS::LanguageExtensions",
                       "Parameters": {"Items": {"Type": "CommaDelimitedList", "Default": items}},
                       "Resources": {"Fn::ForEach::Outer": ["A", {"Ref": "Items"}, {
                           "Fn::ForEach::Inner": ["B", {"Ref": "Items"}, {
                               "T${A}x${B}": {"Type": "AWS::SNS::Topic"}}]}]}})


def test_nested_loops_have_a_budget(cf):
    """Loops multiply: 100 items, looped within a loop over the same 100, would write 10,000 topics."""
    name = unique("nested")
    cf.create_change_set(StackName=name, ChangeSetName="first", ChangeSetType="CREATE", TemplateBody=nested("a,b"))
    changes = cf.describe_change_set(StackName=name, ChangeSetName="first")["Changes"]
    assert sorted(c["ResourceChange"]["LogicalResourceId"] for c in changes) == ["Taxa", "Taxb", "Tbxa", "Tbxb"]
    body = nested(",".join(f"i{n}" for n in range(100)))
    assert error_of(cf.create_stack, StackName=unique("bomb"), TemplateBody=body,
                    Capabilities=["CAPABILITY_AUTO_EXPAND"]).worded == (
        "ValidationError", "Template format error: the template's Fn::ForEach loops write more than 5000 entries")
