"""The CloudTrail Data service (``cloudtrail-data``): PutAuditEvents, events from outside AWS into a channel.

The channels are CloudTrail's own documents (nimbus.services.cloudtrail.channels): this API is a second
face of the same service. Taken events are saved in the channel account's history (kind ``audit-events``)
and handed to CloudTrail Lake for each event data store the channel sends to (lake_hooks.py).
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.cloudtrail.channels import channels_ns, load_channel, locate
from nimbus.services.cloudtrail.documents import CHANNEL, Channel
from nimbus.services.cloudtrail.history import AUDIT_EVENTS, history_ns, time_key
from nimbus.services.cloudtrail.lake_hooks import hooks_for
from nimbus.services.cloudtrail.resource_policies import stored_policy
from nimbus.services.cloudtrail_data import audit_events


def insufficient(ctx: RequestContext, channel_arn: str) -> ServiceError:
    return ServiceError("ChannelInsufficientPermission",
                        f"The caller {ctx.account_id} is not allowed to put audit events into channel {channel_arn}.",
                        status=400)


class Provider(BaseProvider):
    def _channel(self, ctx: RequestContext, ref: str) -> tuple[str, str, Channel]:
        where = locate(ctx, ref)
        if where is None:
            raise ServiceError("InvalidChannelARN", f"The channel ARN {ref} is not valid.", status=400)
        found = load_channel(self.store, where)
        if found is None:
            raise ServiceError("ChannelNotFound", f"The channel {ref} was not found.", status=400)
        return where[0], where[1], found

    def _authorize(self, ctx: RequestContext, owner: str, region: str, channel: Channel, external_id) -> None:
        """The owner may always put; another account only as the channel's resource policy allows (with its
        ExternalID condition, when the policy has one)."""
        policy = stored_policy(self.store, owner, region, channel["ChannelArn"])
        if owner == ctx.account_id and policy is None:
            return
        context = {"cloudtrail:ExternalID": external_id} if external_id else {}
        ctx.authorize("cloudtrail-data:PutAuditEvents", channel["ChannelArn"], resource_policy=policy,
                      resource_account=owner, context=context, mode="always" if owner != ctx.account_id else "default",
                      must_grant=owner != ctx.account_id, error=lambda _: insufficient(ctx, channel["ChannelArn"]))

    def put_audit_events(self, ctx: RequestContext, params: dict) -> dict:
        owner, region, channel = self._channel(ctx, params["channelArn"])
        self._authorize(ctx, owner, region, channel, params.get("externalId"))
        entries = params["auditEvents"]
        ids = [e["id"] for e in entries]
        if len(set(ids)) != len(ids):
            raise ServiceError("DuplicatedAuditEventId", "Two or more entries in the request have the same id.",
                               status=400)
        now = ctx.clock.time()
        successful, failed, records = [], [], []
        for entry in entries:
            try:
                data = audit_events.check(entry, owner)
            except audit_events.EntryError as error:
                failed.append({"id": entry["id"], "errorCode": error.code, "errorMessage": str(error)})
                continue
            built = audit_events.record(data, channel["ChannelArn"], region, owner, now)
            records.append(built)
            successful.append({"id": entry["id"], "eventID": built["eventID"]})
        self._save(owner, region, channel, records, failed, now)
        return {"successful": successful, "failed": failed}

    def _save(self, owner: str, region: str, channel: Channel, records: list[dict], failed: list[dict],
              now: float) -> None:
        ns = history_ns(owner, region, AUDIT_EVENTS)
        ms = int(now * 1000)
        status = channel.setdefault("IngestionStatus", {})
        status["LatestIngestionAttemptTime"] = now
        if records:
            status.update(LatestIngestionSuccessTime=now, LatestIngestionSuccessEventID=records[-1]["eventID"],
                          LatestIngestionAttemptEventID=records[-1]["eventID"])
        if failed:
            status["LatestIngestionErrorCode"] = failed[-1]["errorCode"]
        with self.store.transaction():
            for seq, built in enumerate(records):
                # The event id keeps two calls of one millisecond apart; the time keeps the order.
                self.store.put(ns, f"{time_key(ms, seq)}-{built['eventID']}", built)
            CHANNEL.put(self.store, channels_ns(owner, region), channel["ChannelArn"].rsplit("/", 1)[1], channel)
        lake = hooks_for(self.runtime)
        for destination in channel["Destinations"]:
            for ingest in lake.ingest:
                for built in records:
                    ingest(destination["Location"], built)
