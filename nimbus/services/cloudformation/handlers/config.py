"""AWS Config's types, through Config's own API: AWS::Config::ConfigRule, ConfigurationRecorder,
DeliveryChannel and ConformancePack. As AWS's handlers do, a recorder starts once both it and a delivery
channel exist, and deleting the channel stops the recorder first (Config cannot delete the channel of a
recorder that records)."""
from __future__ import annotations

import json
from typing import Any

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler

_MISSING = ("NoSuchConfigRuleException", "NoSuchConfigurationRecorderException", "NoSuchDeliveryChannelException",
            "NoSuchConformancePackException")


def _lower(value: Any) -> Any:
    """A template's members as Config's API names them (``RecordingGroup.AllSupported`` -> ``allSupported``)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _lower(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower(item) for item in value]
    return value


def _upper(value: Any) -> Any:
    if isinstance(value, dict):
        return {key[:1].upper() + key[1:]: _upper(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_upper(item) for item in value]
    return value


def _delete(api: Api, operation: str, params: dict) -> None:
    try:
        api.call("config", operation, params)
    except ServiceError as error:
        if error.code not in _MISSING:
            raise


def _start_when_ready(api: Api) -> None:
    recorders = api.call("config", "DescribeConfigurationRecorderStatus", {})["ConfigurationRecordersStatus"]
    channels = api.call("config", "DescribeDeliveryChannels", {})["DeliveryChannels"]
    if recorders and channels and not recorders[0]["recording"]:
        api.call("config", "StartConfigurationRecorder", {"ConfigurationRecorderName": recorders[0]["name"]})


class ConfigRule(Handler):
    type_name = "AWS::Config::ConfigRule"

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("ConfigRuleName") or api.physical_name(128)
        return Created(name, self._put(api, name, properties))

    def _put(self, api: Api, name: str, properties: dict) -> dict:
        rule: dict[str, Any] = {"ConfigRuleName": name, "Source": properties.get("Source") or {}}
        for member in ("Description", "Scope", "MaximumExecutionFrequency", "EvaluationModes"):
            if properties.get(member):
                rule[member] = properties[member]
        parameters = properties.get("InputParameters")
        if parameters:
            rule["InputParameters"] = parameters if isinstance(parameters, str) else json.dumps(parameters)
        api.call("config", "PutConfigRule", {"ConfigRule": rule})
        [described] = api.call("config", "DescribeConfigRules", {"ConfigRuleNames": [name]})["ConfigRules"]
        compliance = api.call("config", "DescribeComplianceByConfigRule", {"ConfigRuleNames": [name]})
        found = compliance["ComplianceByConfigRules"][0]["Compliance"]["ComplianceType"]
        return {"Arn": described["ConfigRuleArn"], "ConfigRuleId": described["ConfigRuleId"], "Compliance.Type": found}

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        return self._put(api, physical_id, new)

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        _delete(api, "DeleteConfigRule", {"ConfigRuleName": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        [rule] = api.call("config", "DescribeConfigRules", {"ConfigRuleNames": [physical_id]})["ConfigRules"]
        live = {k: rule[k] for k in ("ConfigRuleName", "Source", "Description", "Scope", "MaximumExecutionFrequency")
                if k in rule}
        if rule.get("InputParameters"):
            live["InputParameters"] = json.loads(rule["InputParameters"])
        details = rule["Source"].get("CustomPolicyDetails")
        if details is not None:  # a Guard policy's text is not described: GetCustomRulePolicy answers it
            text = api.call("config", "GetCustomRulePolicy", {"ConfigRuleName": physical_id})["PolicyText"]
            live["Source"] = {**rule["Source"], "CustomPolicyDetails": {**details, "PolicyText": text}}
        return live


class _RecordingPart(Handler):
    """The recorder and the delivery channel: put by name, recording once both exist."""

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("Name") or api.physical_name(256)
        self._put(api, name, properties)
        _start_when_ready(api)
        return Created(name, {})

    def _put(self, api: Api, name: str, properties: dict) -> None:
        raise NotImplementedError

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        self._put(api, physical_id, new)
        return {}


class ConfigurationRecorder(_RecordingPart):
    type_name = "AWS::Config::ConfigurationRecorder"

    def _put(self, api: Api, name: str, properties: dict) -> None:
        recorder: dict[str, Any] = {"name": name, "roleARN": properties.get("RoleARN")}
        for member in ("RecordingGroup", "RecordingMode"):
            if properties.get(member):
                recorder[member[:1].lower() + member[1:]] = _lower(properties[member])
        api.call("config", "PutConfigurationRecorder", {"ConfigurationRecorder": recorder})

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        _delete(api, "DeleteConfigurationRecorder", {"ConfigurationRecorderName": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        [recorder] = api.call("config", "DescribeConfigurationRecorders",
                              {"ConfigurationRecorderNames": [physical_id]})["ConfigurationRecorders"]
        return {"Name": physical_id, "RoleARN": recorder["roleARN"], "RecordingGroup": _upper(recorder["recordingGroup"]),
                "RecordingMode": _upper(recorder["recordingMode"])}


class DeliveryChannel(_RecordingPart):
    type_name = "AWS::Config::DeliveryChannel"

    def _put(self, api: Api, name: str, properties: dict) -> None:
        channel = {"name": name, **_lower({k: v for k, v in properties.items() if k != "Name"})}
        api.call("config", "PutDeliveryChannel", {"DeliveryChannel": channel})

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        for recorder in api.call("config", "DescribeConfigurationRecorderStatus", {})["ConfigurationRecordersStatus"]:
            if recorder["recording"]:
                api.call("config", "StopConfigurationRecorder", {"ConfigurationRecorderName": recorder["name"]})
        _delete(api, "DeleteDeliveryChannel", {"DeliveryChannelName": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        [channel] = api.call("config", "DescribeDeliveryChannels",
                             {"DeliveryChannelNames": [physical_id]})["DeliveryChannels"]
        return {"Name": physical_id, **_upper({k: v for k, v in channel.items() if k != "name"})}


class ConformancePack(Handler):
    type_name = "AWS::Config::ConformancePack"
    _MEMBERS = ("TemplateBody", "TemplateS3Uri", "DeliveryS3Bucket", "DeliveryS3KeyPrefix",
                "ConformancePackInputParameters")

    def create(self, api: Api, properties: dict) -> Created:
        name = properties.get("ConformancePackName") or api.physical_name(256)
        self._put(api, name, properties)
        return Created(name, {})

    def _put(self, api: Api, name: str, properties: dict) -> None:
        params = {"ConformancePackName": name, **{m: properties[m] for m in self._MEMBERS if m in properties}}
        if isinstance(params.get("TemplateBody"), dict):
            params["TemplateBody"] = json.dumps(params["TemplateBody"])
        api.call("config", "PutConformancePack", params)

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        self._put(api, physical_id, new)
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        _delete(api, "DeleteConformancePack", {"ConformancePackName": physical_id})
