"""CloudFront's real-time log configurations (``AWS::CloudFront::RealtimeLogConfig``), public keys
(``AWS::CloudFront::PublicKey``) and key value stores (``AWS::CloudFront::KeyValueStore``) as AWS Config records
them: in US East (N. Virginia) only, like distributions, each configuration the resource's CloudFormation
properties with its read-only attributes (AWS documents no other shape). A key value store's keys are its data,
not its configuration. A real-time log configuration is related to its Kinesis stream and role."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.services.config.described import Described, arn_name, epoch, relationship, supports
from nimbus.services.config.types_cloudfront import RECORDED_IN

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

REALTIME_LOG_CONFIG = "AWS::CloudFront::RealtimeLogConfig"
PUBLIC_KEY = "AWS::CloudFront::PublicKey"
KEY_VALUE_STORE = "AWS::CloudFront::KeyValueStore"


def _every(reader: Reader, operation: str, listing: str) -> list[dict]:
    """Every item of a CloudFront listing paged by ``Marker``/``NextMarker``; none outside us-east-1."""
    if reader.region != RECORDED_IN:
        return []
    found, marker = [], None
    while True:
        page = reader.call("cloudfront", operation, {"Marker": marker} if marker else {})[listing]
        found += page.get("Items") or []
        marker = page.get("NextMarker")
        if not marker:
            return found


def describe_realtime_log_config(reader: Reader, arn: str) -> Described | None:
    found = reader.optional("cloudfront", "GetRealtimeLogConfig", {"ARN": arn}, ("NoSuchRealtimeLogConfig",))
    if found is None:
        return None
    config = found["RealtimeLogConfig"]
    configuration = {"Arn": arn, "Name": config["Name"], "SamplingRate": config["SamplingRate"],
                     "Fields": config["Fields"], "EndPoints": config["EndPoints"]}
    related = []
    for endpoint in config["EndPoints"]:
        kinesis = endpoint["KinesisStreamConfig"]
        stream = arn_name(kinesis["StreamARN"])
        related += [relationship("AWS::Kinesis::Stream", stream, "Is associated with Stream", stream),
                    relationship("AWS::IAM::Role", arn_name(kinesis["RoleARN"]), "Is associated with Role")]
    return Described(resource_id=arn, name=config["Name"], arn=arn, configuration=configuration,
                     relationships=related, region=RECORDED_IN)


def describe_public_key(reader: Reader, arn: str) -> Described | None:
    key_id = arn_name(arn)
    found = reader.optional("cloudfront", "GetPublicKey", {"Id": key_id}, ("NoSuchPublicKey",))
    if found is None:
        return None
    key = found["PublicKey"]
    created = epoch(key["CreatedTime"])
    configuration = {"Id": key_id, "CreatedTime": created, "PublicKeyConfig": key["PublicKeyConfig"]}
    return Described(resource_id=key_id, name=key["PublicKeyConfig"]["Name"], arn=arn, configuration=configuration,
                     created=created, region=RECORDED_IN)


def describe_key_value_store(reader: Reader, arn: str) -> Described | None:
    found = next((s for s in _every(reader, "ListKeyValueStores", "KeyValueStoreList") if s["ARN"] == arn), None)
    if found is None:
        return None
    configuration = {"Name": found["Name"], "Id": found["Id"], "Arn": arn, "Comment": found.get("Comment", ""),
                     "Status": found["Status"]}
    return Described(resource_id=found["Name"], name=found["Name"], arn=arn, configuration=configuration,
                     region=RECORDED_IN)


def discover_realtime_log_configs(reader: Reader) -> list[str]:
    return [c["ARN"] for c in _every(reader, "ListRealtimeLogConfigs", "RealtimeLogConfigs")]


def discover_public_keys(reader: Reader) -> list[str]:
    return [f"arn:aws:cloudfront::{reader.account}:public-key/{k['Id']}"
            for k in _every(reader, "ListPublicKeys", "PublicKeyList")]


def discover_key_value_stores(reader: Reader) -> list[str]:
    return [s["ARN"] for s in _every(reader, "ListKeyValueStores", "KeyValueStoreList")]


supports(REALTIME_LOG_CONFIG, describe_realtime_log_config, discover_realtime_log_configs)
supports(PUBLIC_KEY, describe_public_key, discover_public_keys)
supports(KEY_VALUE_STORE, describe_key_value_store, discover_key_value_stores)
