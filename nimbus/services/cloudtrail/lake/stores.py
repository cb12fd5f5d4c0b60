"""CloudTrail Lake event data stores: create, read, update, delete (7 days PENDING_DELETION on the virtual
clock, restorable), list, and ingestion on/off. What they hold is fed by ingest.py."""
from __future__ import annotations

import uuid
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.paging import page
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail import selectors
from nimbus.services.cloudtrail.lake.documents import EVENT_DATA_STORE, EventDataStore
from nimbus.services.cloudtrail.lake.ingest import lake_for, stores_ns
from nimbus.services.cloudtrail.state import CloudTrailState

MAX_STORES_PER_REGION = 10
MAX_RETENTION = {"EXTENDABLE_RETENTION_PRICING": 3653, "FIXED_RETENTION_PRICING": 2557}
DEFAULT_RETENTION = {"EXTENDABLE_RETENTION_PRICING": 366, "FIXED_RETENTION_PRICING": 2557}
DEFAULT_SELECTORS = [{"Name": "Default management events",
                      "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]
LISTED = ("EventDataStoreArn", "Name", "TerminationProtectionEnabled", "Status", "AdvancedEventSelectors",
          "MultiRegionEnabled", "OrganizationEnabled", "RetentionPeriod", "CreatedTimestamp", "UpdatedTimestamp")
DESCRIBED = (*LISTED, "KmsKeyId", "BillingMode")


def store_id(doc: EventDataStore) -> str:
    return doc["EventDataStoreArn"].rsplit("/", 1)[1]


def not_found() -> ServiceError:
    return ServiceError("EventDataStoreNotFoundException", "The specified event data store was not found.")


def inactive(arn: str) -> ServiceError:
    return ServiceError("InactiveEventDataStoreException", f"Event data store {arn} is inactive.")


def output(doc: EventDataStore, fields: tuple[str, ...] = DESCRIBED) -> dict[str, Any]:
    raw: dict[str, Any] = dict(doc)
    out = {f: raw[f] for f in fields if raw.get(f) is not None}
    for when in ("CreatedTimestamp", "UpdatedTimestamp"):
        if when in out:
            out[when] = timestamp(out[when])
    return out


class EventDataStoreOps(CloudTrailState):
    def _stores(self, ctx: RequestContext) -> list[EventDataStore]:
        return [doc for _, doc in EVENT_DATA_STORE.scan(self.store, stores_ns(ctx.account_id, ctx.region))]

    def _event_data_store(self, ctx: RequestContext, name: str) -> EventDataStore:
        """A store by ARN or id, in the caller's account and region."""
        if name.startswith("arn:"):
            parts = name.split(":")
            if len(parts) != 6 or not parts[5].startswith("eventdatastore/") or parts[2] != "cloudtrail":
                raise ServiceError("EventDataStoreARNInvalidException",
                                   "The specified event data store ARN is not valid or does not map to an event "
                                   "data store in your account.")
            if parts[4] != ctx.account_id or parts[3] != ctx.region:
                raise not_found()
            name = parts[5].split("/", 1)[1]
        doc = EVENT_DATA_STORE.get(self.store, stores_ns(ctx.account_id, ctx.region), name)
        if doc is None:
            raise not_found()
        return doc

    def _save_store(self, ctx: RequestContext, doc: EventDataStore) -> None:
        EVENT_DATA_STORE.put(self.store, stores_ns(ctx.account_id, ctx.region), store_id(doc), doc)
        lake_for(self.runtime).stores_changed()

    def _check_settings(self, ctx: RequestContext, doc: EventDataStore, params: dict, creating: bool) -> None:
        name = params.get("Name")
        if name and any(s["Name"] == name and s["EventDataStoreArn"] != doc.get("EventDataStoreArn")
                        for s in self._stores(ctx)):
            raise ServiceError("EventDataStoreAlreadyExistsException",
                               f"An event data store with the name {name} already exists.")
        if params.get("OrganizationEnabled"):
            raise ServiceError("OrganizationsNotInUseException",
                               "This account is not a member of an organization.")
        billing = params.get("BillingMode") or doc.get("BillingMode") or "EXTENDABLE_RETENTION_PRICING"
        if not creating and doc["BillingMode"] == "EXTENDABLE_RETENTION_PRICING" \
                and billing == "FIXED_RETENTION_PRICING":
            raise ServiceError("InvalidParameterException", "You cannot change the billing mode from "
                               "EXTENDABLE_RETENTION_PRICING to FIXED_RETENTION_PRICING.")
        retention = params.get("RetentionPeriod") or doc.get("RetentionPeriod") or DEFAULT_RETENTION[billing]
        if not 7 <= retention <= MAX_RETENTION[billing]:
            raise ServiceError("InvalidParameterException", f"The retention period must be between 7 and "
                               f"{MAX_RETENTION[billing]} days for {billing}.")
        doc["BillingMode"], doc["RetentionPeriod"] = billing, retention
        if params.get("AdvancedEventSelectors") is not None:
            doc["AdvancedEventSelectors"] = selectors.validate_advanced(params["AdvancedEventSelectors"],
                                                                         event_data_store=True)
        for flag in ("MultiRegionEnabled", "TerminationProtectionEnabled"):
            if params.get(flag) is not None:
                doc[flag] = params[flag]
        if name:
            doc["Name"] = name
        if params.get("KmsKeyId"):
            doc["KmsKeyId"] = params["KmsKeyId"]

    def create_event_data_store(self, ctx: RequestContext, params: dict) -> dict:
        if len(self._stores(ctx)) >= MAX_STORES_PER_REGION:
            raise ServiceError("EventDataStoreMaxLimitExceededException",
                               f"You have reached the limit of {MAX_STORES_PER_REGION} event data stores.")
        now = ctx.clock.time()
        doc: EventDataStore = {
            "EventDataStoreArn": f"arn:aws:cloudtrail:{ctx.region}:{ctx.account_id}:eventdatastore/{uuid.uuid4()}",
            "Name": params["Name"], "AdvancedEventSelectors": DEFAULT_SELECTORS, "MultiRegionEnabled": True,
            "OrganizationEnabled": False, "TerminationProtectionEnabled": True, "CreatedTimestamp": now,
            "UpdatedTimestamp": now, "Tags": {t["Key"]: t.get("Value", "") for t in params.get("TagsList") or []},
            "Status": "ENABLED" if params.get("StartIngestion", True) else "STOPPED_INGESTION",
            "RetentionPeriod": 0, "BillingMode": "",
        }
        self._check_settings(ctx, doc, params, creating=True)
        self._save_store(ctx, doc)
        out = output(doc)
        out["TagsList"] = [{"Key": k, "Value": v} for k, v in doc["Tags"].items()]
        return out

    def get_event_data_store(self, ctx: RequestContext, params: dict) -> dict:
        return output(self._event_data_store(ctx, params["EventDataStore"]))

    def update_event_data_store(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._event_data_store(ctx, params["EventDataStore"])
        if doc["Status"] == "PENDING_DELETION":
            raise inactive(doc["EventDataStoreArn"])
        self._check_settings(ctx, doc, params, creating=False)
        doc["UpdatedTimestamp"] = ctx.clock.time()
        self._save_store(ctx, doc)
        return output(doc)

    def delete_event_data_store(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._event_data_store(ctx, params["EventDataStore"])
        if doc["Status"] == "PENDING_DELETION":
            raise inactive(doc["EventDataStoreArn"])
        if doc["TerminationProtectionEnabled"]:
            raise ServiceError("EventDataStoreTerminationProtectedException",
                               f"Event data store {doc['EventDataStoreArn']} cannot be deleted because termination "
                               "protection is enabled.")
        doc["Status"], doc["DeletedTime"] = "PENDING_DELETION", ctx.clock.time()
        self._save_store(ctx, doc)
        return {}

    def restore_event_data_store(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._event_data_store(ctx, params["EventDataStore"])
        if doc["Status"] != "PENDING_DELETION":
            raise ServiceError("InvalidEventDataStoreStatusException",
                               f"Event data store {doc['EventDataStoreArn']} is not pending deletion.")
        doc["Status"] = "ENABLED"
        doc.pop("DeletedTime", None)
        doc["UpdatedTimestamp"] = ctx.clock.time()
        self._save_store(ctx, doc)
        return output(doc)

    def list_event_data_stores(self, ctx: RequestContext, params: dict) -> dict:
        stores = sorted(self._stores(ctx), key=lambda s: (s["CreatedTimestamp"], s["EventDataStoreArn"]))
        chunk, marker = page(stores, params.get("NextToken"), params.get("MaxResults"), store_id,
                             invalid=ServiceError("InvalidNextTokenException", "Invalid NextToken."))
        out: dict[str, Any] = {"EventDataStores": [output(s, LISTED) for s in chunk]}
        if marker:
            out["NextToken"] = marker
        return out

    def _set_ingestion(self, ctx: RequestContext, name: str, from_status: str, to_status: str) -> dict:
        doc = self._event_data_store(ctx, name)
        if doc["Status"] != from_status:
            raise ServiceError("InvalidEventDataStoreStatusException",
                               f"Event data store {doc['EventDataStoreArn']} is {doc['Status']}, not {from_status}.")
        doc["Status"], doc["UpdatedTimestamp"] = to_status, ctx.clock.time()
        self._save_store(ctx, doc)
        return {}

    def start_event_data_store_ingestion(self, ctx: RequestContext, params: dict) -> dict:
        return self._set_ingestion(ctx, params["EventDataStore"], "STOPPED_INGESTION", "ENABLED")

    def stop_event_data_store_ingestion(self, ctx: RequestContext, params: dict) -> dict:
        return self._set_ingestion(ctx, params["EventDataStore"], "ENABLED", "STOPPED_INGESTION")
