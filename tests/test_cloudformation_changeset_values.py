"""What a change set says about each change: why a property changes (Static or Dynamic, its ChangeSource and
CausingEntity), a replacement that makes its dependents' values unknown, and with IncludePropertyValues the
values before and after (BeforeContext/AfterContext, per-value Path, BeforeValue and AfterValue), NoEcho
values masked."""
from __future__ import annotations

import json

import pytest

from tests.support import settled_stack, unique

KNOWN_AFTER_APPLY = "{{changeSet:KNOWN_AFTER_APPLY}}"


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def resource_changes(cf, change_set_id: str, **kwargs) -> dict[str, dict]:
    described = cf.describe_change_set(ChangeSetName=change_set_id, **kwargs)
    return {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in described["Changes"]}


def deployed(cf, template: dict, **kwargs) -> str:
    name = unique("values")
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template), **kwargs)
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    return name


def test_property_values_before_and_after(cf):
    template = {"Parameters": {"Secret": {"Type": "String", "NoEcho": True}},
                "Resources": {"Group": {"Type": "AWS::Logs::LogGroup", "Properties": {
                    "RetentionInDays": 7, "Tags": [{"Key": "team", "Value": "a"}]}},
                    "Param": {"Type": "AWS::SSM::Parameter", "Properties": {
                        "Type": "String", "Value": {"Fn::Sub": "${Secret}-1"}, "Description": "first"}}}}
    secret = [{"ParameterKey": "Secret", "ParameterValue": "hush-hush"}]
    name = deployed(cf, template, Parameters=secret)
    template["Resources"]["Group"]["Properties"].update({"RetentionInDays": 14, "Tags": [
        {"Key": "team", "Value": "b"}, {"Key": "cost", "Value": "c"}]})
    template["Resources"]["Param"]["Properties"]["Description"] = "second"
    change_set = cf.create_change_set(StackName=name, ChangeSetName="values", TemplateBody=json.dumps(template),
                                      Parameters=secret)["Id"]
    plain = resource_changes(cf, change_set)["Group"]
    assert "BeforeContext" not in plain and all("Path" not in d["Target"] for d in plain["Details"])
    group = resource_changes(cf, change_set, IncludePropertyValues=True)["Group"]
    assert json.loads(group["BeforeContext"]) == {"Properties": {"RetentionInDays": 7,
                                                                 "Tags": [{"Key": "team", "Value": "a"}]}}
    assert json.loads(group["AfterContext"])["Properties"]["RetentionInDays"] == 14
    targets = [d["Target"] for d in group["Details"]]
    assert targets == [
        {"Attribute": "Properties", "Name": "RetentionInDays", "RequiresRecreation": "Never",
         "Path": "/Properties/RetentionInDays", "BeforeValue": "7", "AfterValue": "14", "AttributeChangeType": "Modify"},
        {"Attribute": "Properties", "Name": "Tags", "RequiresRecreation": "Never", "Path": "/Properties/Tags/0/Value",
         "BeforeValue": "a", "AfterValue": "b", "AttributeChangeType": "Modify"},
        {"Attribute": "Properties", "Name": "Tags", "RequiresRecreation": "Never", "Path": "/Properties/Tags/1",
         "AfterValue": '{"Key":"cost","Value":"c"}', "AttributeChangeType": "Add"}]
    param = resource_changes(cf, change_set, IncludePropertyValues=True)["Param"]
    assert "hush-hush" not in param["BeforeContext"] + param["AfterContext"]
    assert json.loads(param["AfterContext"])["Properties"]["Value"] == "****-1"


def test_a_replacement_makes_its_dependents_dynamic(cf):
    template = {"Parameters": {"Days": {"Type": "Number", "Default": "7"}},
                "Resources": {
                    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": unique("first")}},
                    "Param": {"Type": "AWS::SSM::Parameter", "Properties": {
                        "Type": "String", "Value": {"Ref": "Topic"}, "Description": {"Fn::GetAtt": "Topic.TopicName"}}},
                    "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": {"Ref": "Days"}}}}}
    name = deployed(cf, template)
    template["Resources"]["Topic"]["Properties"]["TopicName"] = unique("second")
    change_set = cf.create_change_set(StackName=name, ChangeSetName="replace", TemplateBody=json.dumps(template),
                                      Parameters=[{"ParameterKey": "Days", "ParameterValue": "14"}])["Id"]
    planned = resource_changes(cf, change_set)
    assert (planned["Topic"]["Replacement"], planned["Param"]["Replacement"]) == ("True", "False")
    assert planned["Param"]["Details"] == [
        {"Target": {"Attribute": "Properties", "Name": "Description", "RequiresRecreation": "Never"},
         "Evaluation": "Dynamic", "ChangeSource": "ResourceAttribute", "CausingEntity": "Topic.TopicName"},
        {"Target": {"Attribute": "Properties", "Name": "Value", "RequiresRecreation": "Never"},
         "Evaluation": "Dynamic", "ChangeSource": "ResourceReference", "CausingEntity": "Topic"}]
    assert planned["Group"]["Details"] == [
        {"Target": {"Attribute": "Properties", "Name": "RetentionInDays", "RequiresRecreation": "Never"},
         "Evaluation": "Static", "ChangeSource": "ParameterReference", "CausingEntity": "Days"}]
    valued = resource_changes(cf, change_set, IncludePropertyValues=True)["Param"]
    assert [d["Target"]["AfterValue"] for d in valued["Details"]] == [KNOWN_AFTER_APPLY, KNOWN_AFTER_APPLY]
    added = cf.create_change_set(StackName=unique("fresh"), ChangeSetName="new", ChangeSetType="CREATE",
                                 TemplateBody=json.dumps(template))["Id"]
    topic = resource_changes(cf, added, IncludePropertyValues=True)["Topic"]
    assert (topic["Action"], "BeforeContext" in topic) == ("Add", False)
    assert json.loads(topic["AfterContext"]) == {"Properties": template["Resources"]["Topic"]["Properties"]}
