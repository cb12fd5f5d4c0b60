"""SQS's model as query clients speak it. SQS left the query protocol for JSON in 2023 and botocore's model
lost the old wire names; older SDKs still POST ``Action=SendMessage&Attribute.1.Name=...`` and read XML. This
rebuilds those names on a copy of the model: a flattened map member is its singular (``Attribute``,
``MessageAttribute``, ``Tag``) with ``Name``/``Value`` entries (``Key``/``Value`` for tags), a flattened list's
entries are named for their structure (``SendMessageBatchRequestEntry``, ``Message``) or singular
(``AttributeName``, ``QueueUrl``), and each result sits in ``<OperationResult>``."""
from __future__ import annotations

import copy

from botocore.model import ServiceModel

from nimbus.protocol import models

NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"
# Singulars that do not follow from the plural.
SINGULAR = {"Actions": "ActionName", "tags": "Tag", "queueUrls": "QueueUrl"}


def _singular(member: str) -> str:
    return SINGULAR.get(member) or (member[:-1] if member.endswith("s") else member)


def query_model(model: ServiceModel) -> ServiceModel:
    raw = copy.deepcopy(models.loader().load_service_model(model.service_name, "service-2"))
    shapes = raw["shapes"]
    raw["metadata"] = {**raw["metadata"], "protocol": "query", "protocols": ["query"], "xmlNamespace": NAMESPACE}
    for operation in raw["operations"].values():
        if "output" in operation:
            operation["output"] = {**operation["output"], "resultWrapper": f"{operation['name']}Result"}
    for shape in shapes.values():
        for name, member in (shape.get("members") or {}).items():
            target = shapes[member["shape"]]
            if not target.get("flattened"):
                continue
            if target["type"] == "map":
                member["locationName"] = _singular(name)
                tags = member["shape"] == "TagMap"
                target["key"] = {**target["key"], "locationName": "Key" if tags else "Name"}
                target["value"] = {**target["value"], "locationName": "Value"}
            elif target["type"] == "list":
                entry = shapes[target["member"]["shape"]]
                entry_name = target["member"]["shape"] if entry["type"] == "structure" else _singular(name)
                target["member"] = {**target["member"], "locationName": entry_name}
    return ServiceModel(raw, service_name=model.service_name)
