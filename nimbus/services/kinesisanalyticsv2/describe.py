"""Configurations as the API shows and changes them, driven by the model's shapes.

What CreateApplication takes (``ApplicationConfiguration``) is what is stored; DescribeApplication's
``...Description`` shapes name the same members with ``Description(s)`` appended (``describe``), and
UpdateApplication's ``...Update(s)`` shapes name them with ``Update(s)`` appended (``merge_update``).
The few members whose names do not follow the rule, and the values AWS fills in (ids, code digests,
the DEFAULT Flink settings), are the exceptions written out below.
"""
from __future__ import annotations

import copy
from typing import Any

from botocore.model import Shape

from nimbus.protocol.models import service_model

from .common import SERVICE, invalid

# Description member -> stored member, where the names break the rule
_IRREGULAR = {"EnvironmentPropertyDescriptions": "EnvironmentProperties",
              "ApplicationRestoreConfigurationDescription": "ApplicationRestoreConfiguration",
              "FlinkRunConfigurationDescription": "FlinkRunConfiguration",
              "S3ApplicationCodeLocationDescription": "S3ContentLocation"}
_UPDATE_IRREGULAR = {"EnvironmentPropertyUpdates": "EnvironmentProperties"}
# What AWS runs with when a Flink setting's ConfigurationType is DEFAULT
FLINK_DEFAULTS: dict[str, dict[str, Any]] = {
    "CheckpointConfiguration": {"CheckpointingEnabled": True, "CheckpointInterval": 60000,
                                "MinPauseBetweenCheckpoints": 5000},
    "MonitoringConfiguration": {"MetricsLevel": "APPLICATION", "LogLevel": "INFO"},
    "ParallelismConfiguration": {"Parallelism": 1, "ParallelismPerKPU": 1, "AutoScalingEnabled": False},
}
# One of these replaces the others (CodeContent holds text, a zip or an S3 location)
_EXCLUSIVE = (("TextContent", "ZipFileContent", "S3ContentLocation"),
              ("KinesisStreamsInput", "KinesisFirehoseInput"),
              ("KinesisStreamsOutput", "KinesisFirehoseOutput", "LambdaOutput"))


def shape(name: str) -> Shape:
    return service_model(SERVICE).shape_for(name)


def _source_key(name: str, stored: dict) -> str | None:
    for candidate in (_IRREGULAR.get(name), name, name.removesuffix("Description"),
                      name.removesuffix("Descriptions") + "s"):
        if candidate and candidate in stored:
            return candidate
    return None


def describe(stored: Any, output: Shape) -> Any:
    """``stored`` (an input-shaped value) in the shape ``output``: members it lacks are left out."""
    if output.type_name == "structure" and isinstance(stored, dict):
        described = {}
        for name, member in output.members.items():
            key = _source_key(name, stored)
            if key is not None and stored[key] is not None:
                described[name] = describe(stored[key], member)
        return described
    if output.type_name == "list" and isinstance(stored, list):
        return [describe(item, output.member) for item in stored]
    return copy.deepcopy(stored)


def flink_settings(flink: dict) -> dict:
    """The Flink settings an application runs with: each DEFAULT section replaced by AWS's defaults."""
    settings = {}
    for section, defaults in FLINK_DEFAULTS.items():
        given = flink.get(section) or {"ConfigurationType": "DEFAULT"}
        if given.get("ConfigurationType", "DEFAULT") == "DEFAULT":
            settings[section] = {"ConfigurationType": "DEFAULT", **defaults}
        else:
            settings[section] = {**defaults, **given}
    return settings


def _target_key(name: str) -> str | None:
    if name in _UPDATE_IRREGULAR:
        return _UPDATE_IRREGULAR[name]
    if name.endswith("Updates"):
        return name[:-len("Updates")] + "s"
    if name.endswith("Update"):
        return name[:-len("Update")]
    return None


def _id_key(item: dict) -> str | None:
    return next((key for key in item if key.endswith("Id") and key != "ApplicationVersionId"), None)


def merge_update(target: dict, update: dict) -> None:
    """Apply an ``...Update`` structure to the stored value in place. Lists of items with ids
    (``InputUpdates``) change the items they name (InvalidArgumentException for an unknown id); other
    values replace what was there."""
    for name, value in update.items():
        key = _target_key(name) or name
        if isinstance(value, list) and value and isinstance(value[0], dict) and _id_key(value[0]) \
                and isinstance(target.get(key), list):
            for item_update in value:
                id_key = _id_key(item_update)
                assert id_key is not None
                item = next((i for i in target[key] if i.get(id_key) == item_update[id_key]), None)
                if item is None:
                    raise invalid(f"{id_key} {item_update[id_key]} does not exist in the application.")
                merge_update(item, {k: v for k, v in item_update.items() if k != id_key})
        elif isinstance(value, dict) and isinstance(target.get(key), dict) and key != "EnvironmentProperties":
            for group in _EXCLUSIVE:
                if any(_target_key(given) in group for given in value):
                    for member in group:
                        target[key].pop(member, None)
            merge_update(target[key], value)
        else:
            target[key] = _plain(value)


def _plain(value: Any) -> Any:
    """An update value in the stored shape (nested ``...Update`` names dropped)."""
    if isinstance(value, dict):
        return {(_target_key(k) if k.endswith(("Update", "Updates")) else k) or k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
