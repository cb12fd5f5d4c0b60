"""Vended-log deliveries, stored with AWS's validation: delivery sources (a resource that emits logs), delivery
destinations (an S3 bucket, a log group or a Firehose stream) with their policies, and the deliveries joining
them. The AWS services that would emit vended logs are not served, so no records flow (docs/services/logs.md).
"""
from __future__ import annotations

import secrets

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.protocol.errors import ServiceError

from .common import invalid, page
from .state import LogsState
from .stored import StoredKind

SOURCES = StoredKind("deliverysources", "delivery source")
DESTINATIONS = StoredKind("deliverydestinations", "delivery destination")
DELIVERIES = StoredKind("deliveries", "delivery")
TYPES = {"s3": "S3", "logs": "CWL", "firehose": "FH", "xray": "XRAY"}


def _conflict(message: str) -> ServiceError:
    return ServiceError("ConflictException", message)


def _destination_type(arn: str) -> str:
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or parts[2] not in TYPES:
        raise invalid(f"Invalid destinationResourceArn: {arn}")
    return TYPES[parts[2]]


class DeliveryOps(LogsState):
    def put_delivery_source(self, ctx: RequestContext, params: dict) -> dict:
        arn = params["resourceArn"]
        parts = arn.split(":")
        if len(parts) < 6 or parts[0] != "arn":
            raise invalid(f"Invalid resourceArn: {arn}")
        existing = SOURCES.find(self.store, ctx, params["name"])
        if existing and existing["logType"] != params["logType"]:
            raise _conflict("A delivery source's logType cannot be changed.")
        source = {"name": params["name"], "arn": ctx.arn(f"delivery-source:{params['name']}"), "resourceArns": [arn],
                  "service": parts[2], "logType": params["logType"], "tags": params.get("tags") or {}}
        if params.get("deliverySourceConfiguration"):
            source["deliverySourceConfiguration"] = params["deliverySourceConfiguration"]
        SOURCES.save(self.store, ctx, params["name"], source)
        return {"deliverySource": source}

    def get_delivery_source(self, ctx: RequestContext, params: dict) -> dict:
        return {"deliverySource": SOURCES.get(self.store, ctx, params["name"])}

    def describe_delivery_sources(self, ctx: RequestContext, params: dict) -> dict:
        rows = [s for s in SOURCES.all(self.store, ctx)
                if not params.get("resourceArns") or set(s["resourceArns"]) & set(params["resourceArns"])]
        return page(rows, params, "deliverySources", lambda s: s["name"])

    def delete_delivery_source(self, ctx: RequestContext, params: dict) -> dict:
        SOURCES.get(self.store, ctx, params["name"])
        if any(d["deliverySourceName"] == params["name"] for d in DELIVERIES.all(self.store, ctx)):
            raise _conflict("The delivery source is used by a delivery: delete the delivery first.")
        SOURCES.delete(self.store, ctx, params["name"])
        return {}

    # -- destinations -------------------------------------------------------------------------

    def put_delivery_destination(self, ctx: RequestContext, params: dict) -> dict:
        config = params.get("deliveryDestinationConfiguration")
        kind = params.get("deliveryDestinationType")
        if config:
            kind = _destination_type(config["destinationResourceArn"])
        elif kind != "XRAY":
            raise invalid("deliveryDestinationConfiguration is required.")
        destination = {"name": params["name"], "arn": ctx.arn(f"delivery-destination:{params['name']}"),
                       "deliveryDestinationType": kind, "tags": params.get("tags") or {}}
        for member in ("outputFormat", "deliveryDestinationConfiguration", "roleArn"):
            if params.get(member):
                destination[member] = params[member]
        previous = DESTINATIONS.find(self.store, ctx, params["name"])
        if previous and previous.get("policy"):
            destination["policy"] = previous["policy"]
        DESTINATIONS.save(self.store, ctx, params["name"], destination)
        return {"deliveryDestination": _public(destination)}

    def get_delivery_destination(self, ctx: RequestContext, params: dict) -> dict:
        return {"deliveryDestination": _public(DESTINATIONS.get(self.store, ctx, params["name"]))}

    def describe_delivery_destinations(self, ctx: RequestContext, params: dict) -> dict:
        rows = [_public(d) for d in DESTINATIONS.all(self.store, ctx)
                if not params.get("names") or d["name"] in params["names"]]
        return page(rows, params, "deliveryDestinations", lambda d: d["name"])

    def delete_delivery_destination(self, ctx: RequestContext, params: dict) -> dict:
        destination = DESTINATIONS.get(self.store, ctx, params["name"])
        if any(d["deliveryDestinationArn"] == destination["arn"] for d in DELIVERIES.all(self.store, ctx)):
            raise _conflict("The delivery destination is used by a delivery: delete the delivery first.")
        DESTINATIONS.delete(self.store, ctx, params["name"])
        return {}

    def put_delivery_destination_policy(self, ctx: RequestContext, params: dict) -> dict:
        try:
            read_json(params["deliveryDestinationPolicy"])
        except ValueError:
            raise invalid("The delivery destination policy is not valid JSON.") from None
        destination = DESTINATIONS.get(self.store, ctx, params["deliveryDestinationName"])
        destination["policy"] = params["deliveryDestinationPolicy"]
        DESTINATIONS.save(self.store, ctx, destination["name"], destination)
        return {"policy": {"deliveryDestinationPolicy": destination["policy"]}}

    def get_delivery_destination_policy(self, ctx: RequestContext, params: dict) -> dict:
        destination = DESTINATIONS.get(self.store, ctx, params["deliveryDestinationName"])
        return {"policy": {"deliveryDestinationPolicy": destination["policy"]} if destination.get("policy") else {}}

    def delete_delivery_destination_policy(self, ctx: RequestContext, params: dict) -> dict:
        destination = DESTINATIONS.get(self.store, ctx, params["deliveryDestinationName"])
        if not destination.pop("policy", None):
            raise ServiceError("ResourceNotFoundException", "The delivery destination has no policy.")
        DESTINATIONS.save(self.store, ctx, destination["name"], destination)
        return {}

    # -- deliveries ------------------------------------------------------------------------------

    def create_delivery(self, ctx: RequestContext, params: dict) -> dict:
        source = SOURCES.get(self.store, ctx, params["deliverySourceName"])
        name = params["deliveryDestinationArn"].rsplit(":delivery-destination:", 1)[-1]
        destination = DESTINATIONS.get(self.store, ctx, name)
        if destination["arn"] != params["deliveryDestinationArn"]:
            raise ServiceError("ResourceNotFoundException", "The specified delivery destination does not exist.")
        if any(d["deliverySourceName"] == source["name"]
               and d["deliveryDestinationType"] == destination["deliveryDestinationType"]
               for d in DELIVERIES.all(self.store, ctx)):
            raise _conflict("A delivery from this source to this destination type already exists.")
        delivery_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
        delivery = {"id": delivery_id, "arn": ctx.arn(f"delivery:{delivery_id}"),
                    "deliverySourceName": source["name"], "deliveryDestinationArn": destination["arn"],
                    "deliveryDestinationType": destination["deliveryDestinationType"],
                    "tags": params.get("tags") or {}}
        for member in ("recordFields", "fieldDelimiter", "s3DeliveryConfiguration"):
            if params.get(member) is not None:
                delivery[member] = params[member]
        DELIVERIES.save(self.store, ctx, delivery_id, delivery)
        return {"delivery": delivery}

    def get_delivery(self, ctx: RequestContext, params: dict) -> dict:
        return {"delivery": DELIVERIES.get(self.store, ctx, params["id"])}

    def describe_deliveries(self, ctx: RequestContext, params: dict) -> dict:
        rows = [d for d in DELIVERIES.all(self.store, ctx)
                if not params.get("deliverySourceNames") or d["deliverySourceName"] in params["deliverySourceNames"]]
        return page(rows, params, "deliveries", lambda d: d["id"])

    def delete_delivery(self, ctx: RequestContext, params: dict) -> dict:
        DELIVERIES.get(self.store, ctx, params["id"])
        DELIVERIES.delete(self.store, ctx, params["id"])
        return {}

    def update_delivery_configuration(self, ctx: RequestContext, params: dict) -> dict:
        delivery = DELIVERIES.get(self.store, ctx, params["id"])
        for member in ("recordFields", "fieldDelimiter", "s3DeliveryConfiguration"):
            if params.get(member) is not None:
                delivery[member] = params[member]
        DELIVERIES.save(self.store, ctx, params["id"], delivery)
        return {}

    def describe_configuration_templates(self, ctx: RequestContext, params: dict) -> dict:
        return {"configurationTemplates": []}  # no served service vends logs


def _public(destination: dict) -> dict:
    return {k: v for k, v in destination.items() if k != "policy"}
