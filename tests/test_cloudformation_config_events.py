"""Resource-change events from CloudFormation itself: a stack is an ``AWS::CloudFormation::Stack`` for AWS
Config, created, updated and deleted as its operations settle, keeping the events' contract; a NoEcho
parameter stays masked in its configuration."""
from __future__ import annotations

import json

import pytest

from nimbus.core.events import RESOURCE_CHANGE, ResourceChangeEvent
from nimbus.core.resource_change import contract_errors
from tests.support import settled_stack, unique


def template(value: str) -> str:
    return json.dumps({"Parameters": {"Secret": {"Type": "String", "NoEcho": True}},
                       "Resources": {"Param": {"Type": "AWS::SSM::Parameter",
                                              "Properties": {"Type": "String", "Value": value}}}})


@pytest.fixture
def published(server):
    events: list[ResourceChangeEvent] = []
    server.runtime.events.subscribe(RESOURCE_CHANGE, events.append)
    yield events
    server.runtime.events.unsubscribe(RESOURCE_CHANGE, events.append)


def test_a_stack_publishes_its_own_changes(server, aws, published):
    cf, name = aws("cloudformation"), unique("config")
    secret = [{"ParameterKey": "Secret", "ParameterValue": "hunter2"}]
    stack_id = cf.create_stack(StackName=name, TemplateBody=template("one"), Parameters=secret)["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    cf.update_stack(StackName=name, TemplateBody=template("two"), Parameters=secret)
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    server.runtime.events.flush()

    own = [e for e in published if e.resource_type == "AWS::CloudFormation::Stack" and e.resource_arn == stack_id]
    assert [e.change for e in own] == ["created", "updated", "deleted"]
    assert [contract_errors(e) for e in own] == [[], [], []]
    created, updated = own[0].configuration, own[1].configuration
    assert created is not None and updated is not None
    assert (created["StackName"], created["StackStatus"], updated["StackStatus"]) == (
        name, "CREATE_COMPLETE", "UPDATE_COMPLETE")
    assert created["Parameters"] == [{"ParameterKey": "Secret", "ParameterValue": "****"}]
    assert own[2].configuration is None
    params = {e.change for e in published if e.resource_type == "AWS::SSM::Parameter"}
    assert {"created", "updated", "deleted"} <= params  # the stack's resources publish their own, via SSM's API
