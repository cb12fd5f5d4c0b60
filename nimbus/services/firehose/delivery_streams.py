"""Delivery streams as stored documents: lookup, status on the virtual clock, defaults and descriptions."""
from __future__ import annotations

import copy

from nimbus.core.errors import not_found
from nimbus.core.times import timestamp
from nimbus.protocol import models
from nimbus.services.firehose.common import streams_ns
from nimbus.services.firehose.documents import STREAM, DeliveryStream
from nimbus.store.base import Store

# What Firehose fills in when a configuration leaves it out (shown by DescribeDeliveryStream).
S3_DEFAULTS = {"BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300}, "CompressionFormat": "UNCOMPRESSED",
               "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"}}
DEFAULTS = {
    "ExtendedS3": {**S3_DEFAULTS, "S3BackupMode": "Disabled"},
    "S3": S3_DEFAULTS,
    "HttpEndpoint": {"BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
                     "RetryOptions": {"DurationInSeconds": 300}, "S3BackupMode": "FailedDataOnly",
                     "RequestConfiguration": {"ContentEncoding": "NONE"}},
    "Redshift": {"RetryOptions": {"DurationInSeconds": 3600}, "S3BackupMode": "Disabled"},
}
NESTED_S3 = ("S3Configuration", "S3BackupConfiguration")


def with_defaults(kind: str, config: dict) -> dict:
    config = copy.deepcopy(config)
    for key, value in DEFAULTS.get(kind, {}).items():
        if isinstance(value, dict):
            config[key] = {**value, **(config.get(key) or {})}
        else:
            config.setdefault(key, value)
    for nested in NESTED_S3:
        if isinstance(config.get(nested), dict):
            config[nested] = with_defaults("S3", config[nested])
    return config


def merge_update(config: dict, update: dict) -> dict:
    """Apply an UpdateDestination ``*Update`` structure: nested ``*Update`` members update ``*Configuration``."""
    merged = copy.deepcopy(config)
    for key, value in update.items():
        target = key[:-len("Update")] + "Configuration" if key.endswith("Update") else key
        if isinstance(value, dict) and isinstance(merged.get(target), dict) and target != "BufferingHints":
            merged[target] = merge_update(merged[target], value)
        else:
            merged[target] = copy.deepcopy(value)
    return merged


def _describe(value, config_shape, desc_shape):
    """Turn a stored configuration into its description shape, member by member (secrets drop out)."""
    if desc_shape.type_name == "structure" and isinstance(value, dict):
        out = {}
        config_members = getattr(config_shape, "members", {})
        for name, shape in desc_shape.members.items():
            source = name if name in value else None
            if source is None and name.endswith("Description"):
                guess = name[:-len("Description")] + "Configuration"
                source = guess if guess in value else ("S3Configuration" if name == "S3DestinationDescription"
                                                        and "S3Configuration" in value else None)
            if source is None:
                continue
            out[name] = _describe(value[source], config_members.get(source), shape)
        return out
    if desc_shape.type_name == "list" and isinstance(value, list):
        member = getattr(config_shape, "member", None)
        return [_describe(item, member, desc_shape.member) for item in value]
    return copy.deepcopy(value)


def destination_description(kind: str, config: dict) -> dict:
    model = models.service_model("firehose")
    config_shape = model.shape_for(f"{kind}DestinationConfiguration")
    desc = {"DestinationId": "destinationId-000000000001"}
    desc[f"{kind}DestinationDescription"] = _describe(config, config_shape,
                                                      model.shape_for(f"{kind}DestinationDescription"))
    if kind == "S3":  # an S3 destination is shown in both forms, as AWS does
        desc["ExtendedS3DestinationDescription"] = _describe(
            config, config_shape, model.shape_for("ExtendedS3DestinationDescription"))
    return desc


class StreamRepo:
    def __init__(self, runtime):
        self.runtime = runtime

    @property
    def store(self) -> Store:
        return self.runtime.store

    def find(self, account: str, region: str, name: str) -> DeliveryStream | None:
        return STREAM.get(self.store, streams_ns(account, region), name)

    def get(self, account: str, region: str, name: str) -> DeliveryStream:
        stream = self.find(account, region, name)
        if stream is None:
            raise not_found("Firehose", name, account)
        return stream

    def save(self, stream: DeliveryStream) -> None:
        STREAM.put(self.store, streams_ns(stream["AccountId"], stream["Region"]), stream["DeliveryStreamName"], stream)

    def delete(self, stream: DeliveryStream) -> None:
        self.store.delete(streams_ns(stream["AccountId"], stream["Region"]), stream["DeliveryStreamName"])

    def all(self) -> list[DeliveryStream]:
        found: list[DeliveryStream] = []
        for ns in self.store.namespaces(("firehose",)):
            if len(ns) == 4 and ns[3] == "streams":
                found += [doc for _, doc in STREAM.scan(self.store, ns)]
        return found

    def names(self, account: str, region: str) -> list[str]:
        return [key for key, _ in self.store.scan(streams_ns(account, region))]

    def status(self, stream: DeliveryStream) -> str:
        create_seconds = self.runtime.config.firehose_create_seconds
        if stream["DeliveryStreamStatus"] == "CREATING" \
                and self.runtime.clock.time() >= stream["CreateTimestamp"] + create_seconds:
            return "ACTIVE"
        return stream["DeliveryStreamStatus"]

    def is_active(self, stream: DeliveryStream) -> bool:
        return self.status(stream) == "ACTIVE"

    def describe(self, stream: DeliveryStream) -> dict:
        desc = {
            "DeliveryStreamName": stream["DeliveryStreamName"], "DeliveryStreamARN": stream["DeliveryStreamARN"],
            "DeliveryStreamStatus": self.status(stream), "DeliveryStreamType": stream["DeliveryStreamType"],
            "VersionId": str(stream["VersionId"]), "CreateTimestamp": timestamp(stream["CreateTimestamp"]),
            "DeliveryStreamEncryptionConfiguration": stream["DeliveryStreamEncryptionConfiguration"],
            "Destinations": [destination_description(stream["DestinationType"], stream["DestinationConfiguration"])],
            "HasMoreDestinations": False,
        }
        if stream["LastUpdateTimestamp"]:
            desc["LastUpdateTimestamp"] = timestamp(stream["LastUpdateTimestamp"])
        source = stream["KinesisStreamSourceConfiguration"]
        if source:
            desc["Source"] = {"KinesisStreamSourceDescription": {
                **source, "DeliveryStartTimestamp": timestamp(stream["CreateTimestamp"])}}
        return desc
