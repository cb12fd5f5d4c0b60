"""Channels for events from outside AWS: Create, Get, Update, Delete and List; their events arrive through
the ``cloudtrail-data`` service's PutAuditEvents (nimbus.services.cloudtrail_data)."""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.paging import page
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.documents import CHANNEL, Channel
from nimbus.services.cloudtrail.lake_hooks import EVENT_DATA_STORE_ARN, hooks_for
from nimbus.services.cloudtrail.state import CloudTrailState

channels_ns = Namespace("cloudtrail", "channels")
CHANNEL_ARN = re.compile(r"^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):(\d{12}):channel/([A-Za-z0-9-]+)$")
CHANNEL_ID = re.compile(r"^[A-Za-z0-9-]{3,256}$")
SOURCES = ("Custom",)  # partner integrations are AWS's own catalogue; nimbus has none


def locate(ctx: RequestContext, ref: str) -> tuple[str, str, str] | None:
    """(account, region, id) a channel ARN or id names; None when it is neither."""
    if ref.startswith("arn:"):
        match = CHANNEL_ARN.match(ref)
        return (match.group(2), match.group(1), match.group(3)) if match else None
    return (ctx.account_id, ctx.region, ref) if CHANNEL_ID.match(ref) else None


def load_channel(store, where: tuple[str, str, str]) -> Channel | None:
    return CHANNEL.get(store, channels_ns(where[0], where[1]), where[2])


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def tags_of(params: dict) -> dict[str, str]:
    tags = {t["Key"]: t.get("Value", "") for t in params.get("Tags") or params.get("TagsList") or []}
    if len(tags) > MAX_TAGS:
        raise ServiceError("TagsLimitExceededException", f"A resource can have at most {MAX_TAGS} tags.", status=400)
    return tags


def check_event_data_store(ctx: RequestContext, arn: str) -> None:
    """An event data store a channel may send to: the caller's, and, when Lake is served, existing and able to
    take activity events."""
    match = EVENT_DATA_STORE_ARN.match(arn)
    if not match or match.group(2) != ctx.account_id:
        raise ServiceError("EventDataStoreARNInvalidException",
                           f"The specified event data store ARN is not valid or does not map to an event data "
                           f"store in your account: {arn}", status=400)
    find = hooks_for(ctx.runtime).find_event_data_store
    if find is None:
        return
    found = find(arn)
    if found is None:
        raise ServiceError("EventDataStoreNotFoundException", f"The specified event data store {arn} was not found.",
                           status=400)
    if found.get("Status") not in (None, "ENABLED"):
        raise ServiceError("InactiveEventDataStoreException", f"The event data store {arn} is inactive.", status=400)
    categories = {v for s in found.get("AdvancedEventSelectors") or () for f in s.get("FieldSelectors", ())
                  if f.get("Field") == "eventCategory" for v in f.get("Equals", ())}
    if categories and categories != {"ActivityAuditLog"}:
        raise ServiceError("InvalidEventDataStoreCategoryException",
                           "A channel can only send events to an event data store that logs ActivityAuditLog "
                           "events.", status=400)


def check_destinations(ctx: RequestContext, destinations: list[dict]) -> list[dict[str, str]]:
    for destination in destinations:
        if destination["Type"] != "EVENT_DATA_STORE":
            raise ServiceError("InvalidParameterException",
                               "Destinations of type AWS_SERVICE are for channels AWS services create.", status=400)
        check_event_data_store(ctx, destination["Location"])
    return [{"Type": d["Type"], "Location": d["Location"]} for d in destinations]


def listing(field: str, items: list, params: dict, members: tuple[str, ...], invalid_code: str) -> dict:
    """A page of ``items`` (sorted by their first member) as a List operation answers, NextToken included."""
    chunk, marker = page(items, params.get("NextToken"), params.get("MaxResults"), lambda item: item[members[0]],
                         invalid=ServiceError(invalid_code, "Invalid NextToken.", status=400))
    out: dict = {field: [{m: item[m] for m in members} for item in chunk]}
    if marker:
        out["NextToken"] = marker
    return out


def when(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value is not None else None


class ChannelOps(CloudTrailState):
    def _channel(self, ctx: RequestContext, ref: str) -> Channel:
        where = locate(ctx, ref)
        if where is None:
            raise ServiceError("ChannelARNInvalidException", f"The specified channel ARN {ref} is not valid.",
                               status=400)
        found = load_channel(self.store, where) if where[:2] == (ctx.account_id, ctx.region) else None
        if found is None:
            raise ServiceError("ChannelNotFoundException", f"The specified channel {ref} was not found.", status=400)
        return found

    def _channels(self, ctx: RequestContext) -> list[Channel]:
        return [doc for _, doc in CHANNEL.scan(self.store, channels_ns(ctx.account_id, ctx.region))]

    def _unique_name(self, ctx: RequestContext, name: str, arn: str | None = None) -> None:
        if any(c["Name"] == name and c["ChannelArn"] != arn for c in self._channels(ctx)):
            raise ServiceError("ChannelAlreadyExistsException", f"Channel {name} already exists.", status=400)

    def create_channel(self, ctx: RequestContext, params: dict) -> dict:
        if params["Source"] not in SOURCES:
            raise ServiceError("InvalidSourceException",
                               f"Source {params['Source']} is not valid: nimbus serves Custom integrations only.",
                               status=400)
        self._unique_name(ctx, params["Name"])
        channel_id = str(uuid.uuid4())
        doc: Channel = {"ChannelArn": ctx.arn(f"channel/{channel_id}", "cloudtrail"), "Name": params["Name"],
                        "Source": params["Source"], "Destinations": check_destinations(ctx, params["Destinations"]),
                        "Tags": tags_of(params)}
        CHANNEL.put(self.store, channels_ns(ctx.account_id, ctx.region), channel_id, doc)
        return {"ChannelArn": doc["ChannelArn"], "Name": doc["Name"], "Source": doc["Source"],
                "Destinations": doc["Destinations"], "Tags": tag_list(doc["Tags"])}

    def get_channel(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._channel(ctx, params["Channel"])
        status = doc.get("IngestionStatus", {})
        ingestion = {k: (when(v) if k.endswith("Time") else v) for k, v in status.items()}
        return {"ChannelArn": doc["ChannelArn"], "Name": doc["Name"], "Source": doc["Source"],
                "SourceConfig": {"ApplyToAllRegions": False, "AdvancedEventSelectors": []},
                "Destinations": doc["Destinations"], "IngestionStatus": ingestion}

    def update_channel(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._channel(ctx, params["Channel"])
        if "Name" in params:
            self._unique_name(ctx, params["Name"], doc["ChannelArn"])
            doc["Name"] = params["Name"]
        if "Destinations" in params:
            doc["Destinations"] = check_destinations(ctx, params["Destinations"])
        CHANNEL.put(self.store, channels_ns(ctx.account_id, ctx.region), doc["ChannelArn"].rsplit("/", 1)[1], doc)
        return {"ChannelArn": doc["ChannelArn"], "Name": doc["Name"], "Source": doc["Source"],
                "Destinations": doc["Destinations"]}

    def delete_channel(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._channel(ctx, params["Channel"])
        self.store.delete(channels_ns(ctx.account_id, ctx.region), doc["ChannelArn"].rsplit("/", 1)[1])
        self._forget_policy(ctx, doc["ChannelArn"])
        return {}

    def list_channels(self, ctx: RequestContext, params: dict) -> dict:
        channels = sorted(self._channels(ctx), key=lambda c: c["ChannelArn"])
        return listing("Channels", channels, params, ("ChannelArn", "Name"), "InvalidNextTokenException")
