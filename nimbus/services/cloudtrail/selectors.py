"""Event selectors (basic and advanced): checked as AWS checks them, and matched against records."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.documents import Trail

EXCLUDABLE_SOURCES = ("kms.amazonaws.com", "rdsdata.amazonaws.com")
DATA_TYPES = ("AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::SNS::Topic",
              "AWS::S3Express::Object", "AWS::Logs::LogGroup", "AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer",
              "AWS::CloudTrail::Channel", "AWS::SQS::Queue")
# A basic selector's value that selects every resource of its type rather than an ARN prefix.
_ALL_OF_TYPE = ("arn:aws:s3", "arn:aws:s3:::", "arn:aws:kinesis", "arn:aws:sns", "arn:aws:logs", "arn:aws:sqs")
ADVANCED_FIELDS = ("eventCategory", "eventSource", "eventName", "eventType", "readOnly", "resources.type",
                   "resources.ARN", "errorCode", "userIdentity.arn", "sessionCredentialFromConsole",
                   "vpcEndpointId")
MANAGEMENT_FIELDS = ("eventCategory", "readOnly", "eventSource", "eventType", "userIdentity.arn",
                     "sessionCredentialFromConsole", "errorCode")
OPERATORS = ("Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith")
DEFAULT = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
            "ExcludeManagementEventSources": []}]


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidEventSelectorsException", message, status=400)


def validate_basic(selectors: list[dict]) -> list[dict]:
    if not selectors:
        raise invalid("Event selectors must not be empty.")
    if len(selectors) > 5:
        raise invalid("You can specify up to 5 event selectors for a trail.")
    out = []
    values = 0
    for selector in selectors:
        for source in selector.get("ExcludeManagementEventSources") or []:
            if source not in EXCLUDABLE_SOURCES:
                raise invalid(f"Value {source} for ExcludeManagementEventSources is invalid. Valid values are "
                              f"{', '.join(EXCLUDABLE_SOURCES)}.")
        for resource in selector.get("DataResources") or []:
            kind = resource.get("Type")
            if kind not in DATA_TYPES:
                raise invalid(f"Value {kind} for DataResources.Type is invalid.")
            for value in resource.get("Values") or []:
                values += 1
                if kind == "AWS::S3::Object" and not (value in ("arn:aws:s3", "arn:aws:s3:::")
                                                      or (value.startswith("arn:aws:s3:::") and "/" in value)):
                    raise invalid(f"Value {value} for DataResources.Values is invalid. Specify a bucket ARN "
                                  "ending in /, an object prefix ARN, or arn:aws:s3 for all buckets.")
        out.append({
            "ReadWriteType": selector.get("ReadWriteType", "All"),
            "IncludeManagementEvents": selector.get("IncludeManagementEvents", True),
            "DataResources": selector.get("DataResources") or [],
            "ExcludeManagementEventSources": selector.get("ExcludeManagementEventSources") or [],
        })
    if values > 250:
        raise invalid("You can specify up to 250 data resource values across all event selectors.")
    return out


def validate_advanced(selectors: list[dict], event_data_store: bool = False) -> list[dict]:
    """``event_data_store``: the selectors of a Lake store, which may instead take the external events
    channels bring (eventCategory ActivityAuditLog, alone), as AWS's stores for channels do."""
    if not selectors:
        raise invalid("Advanced event selectors must not be empty.")
    if len(selectors) > 500:
        raise invalid("You can specify up to 500 advanced event selectors.")
    for selector in selectors:
        fields = selector.get("FieldSelectors") or []
        names = [f["Field"] for f in fields]
        if "eventCategory" not in names:
            raise invalid("Invalid AdvancedEventSelectors: eventCategory is required.")
        for field in fields:
            name = field["Field"]
            if name not in ADVANCED_FIELDS:
                raise invalid(f"Invalid AdvancedEventSelectors: {name} is not a valid field.")
            if not any(field.get(op) for op in OPERATORS):
                raise invalid(f"Invalid AdvancedEventSelectors: field {name} has no operator.")
        category = next(f for f in fields if f["Field"] == "eventCategory").get("Equals") or []
        if event_data_store and category == ["ActivityAuditLog"]:
            if len(fields) > 1:
                raise invalid("Invalid AdvancedEventSelectors: eventCategory ActivityAuditLog takes no other field.")
            continue
        if category not in (["Management"], ["Data"]):
            raise invalid("Invalid AdvancedEventSelectors: eventCategory must be Equals Management or Data.")
        if category == ["Management"]:
            for field in fields:
                if field["Field"] not in MANAGEMENT_FIELDS:
                    raise invalid(f"Invalid AdvancedEventSelectors: {field['Field']} cannot be used with "
                                  "management events.")
                if field["Field"] == "eventSource" and (
                        set(field) - {"Field", "NotEquals"} or
                        any(v not in EXCLUDABLE_SOURCES for v in field.get("NotEquals") or [])):
                    raise invalid("Invalid AdvancedEventSelectors: for management events eventSource only "
                                  f"supports NotEquals {' or '.join(EXCLUDABLE_SOURCES)}.")
        elif "resources.type" not in names:
            raise invalid("Invalid AdvancedEventSelectors: resources.type is required for data events.")
        for field in fields:
            if field["Field"] == "readOnly" and any(v not in ("true", "false") for v in field.get("Equals") or []):
                raise invalid("Invalid AdvancedEventSelectors: readOnly must be true or false.")
            if field["Field"] == "resources.type" and any(v not in DATA_TYPES for v in field.get("Equals") or []):
                raise invalid("Invalid AdvancedEventSelectors: unsupported resources.type.")
    return selectors


def _field_values(record: Mapping[str, Any], name: str) -> list[str]:
    if name == "readOnly":
        return [str(record.get("readOnly", False)).lower()]
    if name == "resources.type":
        return [r.get("type", "") for r in record.get("resources", ())]
    if name == "resources.ARN":
        return [r.get("ARN", "") for r in record.get("resources", ())]
    if name == "userIdentity.arn":
        return [record.get("userIdentity", {}).get("arn", "")]
    return [str(record.get(name, ""))]


def _field_matches(field: dict, values: list[str]) -> bool:
    checks = {
        "Equals": lambda v, p: v == p, "StartsWith": lambda v, p: v.startswith(p),
        "EndsWith": lambda v, p: v.endswith(p),
    }
    for op, test in checks.items():
        if field.get(op) and not any(test(v, p) for v in values for p in field[op]):
            return False
        negated = field.get("Not" + op)
        if negated and any(test(v, p) for v in values for p in negated):
            return False
    return True


def _arns_of_type(record: Mapping[str, Any], kind: str) -> list[str]:
    arns = [r["ARN"] for r in record.get("resources", ()) if r.get("type") == kind]
    if kind == "AWS::S3::Object":  # listing a bucket acts on all its objects: "<bucket ARN>/" selects it
        arns += [r["ARN"] + "/" for r in record.get("resources", ()) if r.get("type") == "AWS::S3::Bucket"]
    return arns


def _basic_matches(selector: dict, record: Mapping[str, Any]) -> bool:
    read_only = record.get("readOnly", False)
    mode = selector["ReadWriteType"]
    if (mode == "ReadOnly" and not read_only) or (mode == "WriteOnly" and read_only):
        return False
    if record.get("managementEvent", True):
        return selector["IncludeManagementEvents"] and \
            record["eventSource"] not in selector["ExcludeManagementEventSources"]
    for resource in selector["DataResources"]:
        arns = _arns_of_type(record, resource["Type"])
        for value in resource.get("Values") or []:
            if (arns and value in _ALL_OF_TYPE) or any(a.startswith(value) for a in arns):
                return True
    return False


def matches(trail: Trail, record: Mapping[str, Any]) -> bool:
    """Does this trail log this record?"""
    advanced = trail.get("AdvancedEventSelectors")
    if advanced:
        return any(all(_field_matches(f, _field_values(record, f["Field"])) for f in s["FieldSelectors"])
                   for s in advanced)
    return any(_basic_matches(s, record) for s in trail.get("EventSelectors") or DEFAULT)


def wants_data(trail: Trail) -> bool:
    advanced = trail.get("AdvancedEventSelectors")
    if advanced:
        return any(f["Field"] == "eventCategory" and f.get("Equals") == ["Data"]
                   for s in advanced for f in s["FieldSelectors"])
    return any(s.get("DataResources") for s in trail.get("EventSelectors") or ())
