"""AWS::DataPipeline::Pipeline: a stack makes, activates, updates and deletes a pipeline through Data
Pipeline's own API; a definition with errors fails the resource and leaves nothing behind."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, settled_stack, stack_resources, unique


def pipeline_template(command: str, tags: dict[str, str], activate: bool = True) -> dict:
    return {"Resources": {"Pipe": {"Type": "AWS::DataPipeline::Pipeline", "Properties": {
        "Name": "from-a-stack", "Description": "made by CloudFormation", "Activate": activate,
        "PipelineTags": [{"Key": k, "Value": v} for k, v in tags.items()],
        "ParameterObjects": [{"Id": "myWord", "Attributes": [{"Key": "type", "StringValue": "String"}]}],
        "ParameterValues": [{"Id": "myWord", "StringValue": "hi"}],
        "PipelineObjects": [
            {"Id": "Default", "Name": "Default", "Fields": [
                {"Key": "scheduleType", "StringValue": "ondemand"}, {"Key": "workerGroup", "StringValue": "wg"}]},
            {"Id": "Say", "Name": "Say", "Fields": [
                {"Key": "type", "StringValue": "ShellCommandActivity"}, {"Key": "command", "StringValue": command},
                {"Key": "parent", "RefValue": "Default"}]}]}}},
        "Outputs": {"Id": {"Value": {"Fn::GetAtt": ["Pipe", "PipelineId"]}}}}


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def deploy(cf, name: str, template: dict, update: bool = False) -> dict:
    (cf.update_stack if update else cf.create_stack)(StackName=name, TemplateBody=json.dumps(template))
    return settled_stack(cf, name)


def test_a_stack_makes_updates_and_deletes_a_pipeline(cf, aws):
    dp, name = aws("datapipeline"), unique("dp-stack")
    stack = deploy(cf, name, pipeline_template("echo #{myWord}", {"team": "data"}))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    pipeline = stack_resources(cf, name)["Pipe"]
    assert stack["Outputs"][0]["OutputValue"] == pipeline
    described = dp.describe_pipelines(pipelineIds=[pipeline])["pipelineDescriptionList"][0]
    assert {"key": "@pipelineState", "stringValue": "SCHEDULED"} in described["fields"]
    assert described["tags"] == [{"key": "team", "value": "data"}]
    active = dp.get_pipeline_definition(pipelineId=pipeline, version="active")
    assert active["parameterValues"] == [{"id": "myWord", "stringValue": "hi"}]

    stack = deploy(cf, name, pipeline_template("echo again", {"owner": "me"}), update=True)
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack.get("StackStatusReason")
    assert stack_resources(cf, name)["Pipe"] == pipeline
    command = [f for o in dp.get_pipeline_definition(pipelineId=pipeline)["pipelineObjects"] if o["id"] == "Say"
               for f in o["fields"] if f["key"] == "command"]
    assert command == [{"key": "command", "stringValue": "echo again"}]
    assert dp.describe_pipelines(pipelineIds=[pipeline])["pipelineDescriptionList"][0]["tags"] == \
        [{"key": "owner", "value": "me"}]

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    assert error_of(dp.describe_pipelines, pipelineIds=[pipeline]).code == "PipelineDeletedException"


def test_a_definition_with_errors_fails_the_resource(cf, aws):
    dp, name = aws("datapipeline"), unique("dp-bad")
    before = {p["id"] for p in dp.list_pipelines()["pipelineIdList"]}
    template = pipeline_template("echo #{format(", {})
    stack = deploy(cf, name, template)
    assert stack["StackStatus"] in ("ROLLBACK_COMPLETE", "CREATE_FAILED")
    assert {p["id"] for p in dp.list_pipelines()["pipelineIdList"]} == before
