"""Delivery streams as stored documents: lookup, status on the virtual clock, defaults and descriptions."""
from __future__ import annotations

import copy

from nimbus.core.errors import not_found
from nimbus.core.times import timestamp
from nimbus.protocol import models
from nimbus.services.firehose.common import streams_ns

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
    def store(self):
        return self.runtime.store

    def find(self, account: str, region: str, name: str) -> dict | None:
        return self.store.get(streams_ns(account, region), name)

    def get(self, account: str, region: str, name: str) -> dict:
        stream = self.find(account, region, name)
        if stream is None:
            raise not_found("Firehose", name, account)
        return stream

    def save(self, stream: dict) -> None:
        self.store.put(streams_ns(stream["account"], stream["region"]), stream["name"], stream)

    def delete(self, stream: dict) -> None:
        self.store.delete(streams_ns(stream["account"], stream["region"]), stream["name"])

    def all(self) -> list[dict]:
        found = []
        for ns in self.store.namespaces(("firehose",)):
            if len(ns) == 4 and ns[3] == "streams":
                found += [doc for _, doc in self.store.scan(ns)]
        return found

    def names(self, account: str, region: str) -> list[str]:
        return [key for key, _ in self.store.scan(streams_ns(account, region))]

    def status(self, stream: dict) -> str:
        create_seconds = self.runtime.config.firehose_create_seconds
        if stream["status"] == "CREATING" and self.runtime.clock.time() >= stream["created"] + create_seconds:
            return "ACTIVE"
        return stream["status"]

    def is_active(self, stream: dict) -> bool:
        return self.status(stream) == "ACTIVE"

    def describe(self, stream: dict) -> dict:
        desc = {
            "DeliveryStreamName": stream["name"], "DeliveryStreamARN": stream["arn"],
            "DeliveryStreamStatus": self.status(stream), "DeliveryStreamType": stream["type"],
            "VersionId": str(stream["version"]), "CreateTimestamp": timestamp(stream["created"]),
            "DeliveryStreamEncryptionConfiguration": stream.get("encryption") or {"Status": "DISABLED"},
            "Destinations": [destination_description(stream["kind"], stream["config"])],
            "HasMoreDestinations": False,
        }
        if stream.get("updated"):
            desc["LastUpdateTimestamp"] = timestamp(stream["updated"])
        if stream.get("failure"):
            desc["FailureDescription"] = stream["failure"]
        if stream.get("source"):
            desc["Source"] = {"KinesisStreamSourceDescription": {
                **stream["source"], "DeliveryStartTimestamp": timestamp(stream["created"])}}
        return desc
