"""Log groups: create/delete/describe, retention on the virtual clock, KMS key, tags."""
from __future__ import annotations

from typing import cast

from nimbus.core.context import RequestContext
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError

from .common import (
    decode_token,
    encode_token,
    group_arn,
    group_name_of,
    groups_ns,
    invalid,
    metric_filters_ns,
    now_ms,
    streams_ns,
    subscriptions_ns,
)
from .documents import LOG_GROUP, LogGroup
from .event_store import EventStore
from .kms_key import check_kms_key
from .state import LogsState

RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653}


def _group_output(group: LogGroup, metric_filters: int = 0) -> dict:
    out = {
        "logGroupName": group["logGroupName"],
        "creationTime": group["creationTime"],
        "metricFilterCount": metric_filters,
        "arn": group["arn"] + ":*",
        "logGroupArn": group["arn"],
        "storedBytes": group.get("storedBytes", 0),
        "logGroupClass": group.get("logGroupClass", "STANDARD"),
        "deletionProtectionEnabled": group.get("deletionProtectionEnabled", False),
    }
    if group.get("dataProtectionPolicy"):
        out["dataProtectionStatus"] = "ACTIVATED"
    if group.get("bearerTokenAuthenticationEnabled"):
        out["bearerTokenAuthenticationEnabled"] = True
    for key in ("retentionInDays", "kmsKeyId"):
        if group.get(key) is not None:
            out[key] = group[key]
    return out


class GroupOps(LogsState):
    def create_log_group(self, ctx: RequestContext, params: dict) -> dict:
        name = params["logGroupName"]
        tags = params.get("tags") or {}
        if params.get("kmsKeyId"):
            check_kms_key(ctx, params["kmsKeyId"], name)
        with self.store.transaction():
            if self.store.get(groups_ns(ctx.account_id, ctx.region), name) is not None:
                raise ServiceError("ResourceAlreadyExistsException", "The specified log group already exists")
            group: LogGroup = {
                "logGroupName": name,
                "creationTime": now_ms(ctx),
                "arn": group_arn(ctx, name),
                "kmsKeyId": params.get("kmsKeyId"),
                "logGroupClass": params.get("logGroupClass", "STANDARD"),
                "deletionProtectionEnabled": bool(params.get("deletionProtectionEnabled")),
                "tags": tags,
            }
            self.save_group(ctx, group)
        ctx.emit_resource_change("AWS::Logs::LogGroup", group["arn"], "created", lambda: _group_output(group))
        return {}

    def delete_log_group(self, ctx: RequestContext, params: dict) -> dict:
        name = params["logGroupName"]
        with self.store.transaction():
            group = self.log_group(ctx, name)
            if group.get("deletionProtectionEnabled"):
                raise invalid("Log group deletion protection is enabled")
            events = EventStore(self.store, ctx.account_id, ctx.region)
            for stream, _ in self.store.scan(streams_ns(ctx.account_id, ctx.region, name)):
                events.drop_stream(name, stream)
            self.store.delete_namespace(streams_ns(ctx.account_id, ctx.region, name))
            for filters in (subscriptions_ns, metric_filters_ns):  # a new group of the name starts without them
                self.store.delete_namespace(filters(ctx.account_id, ctx.region, name))
            self.store.delete(groups_ns(ctx.account_id, ctx.region), name)
        ctx.emit_resource_change("AWS::Logs::LogGroup", group["arn"], "deleted")
        return {}

    def describe_log_groups(self, ctx: RequestContext, params: dict) -> dict:
        prefix, pattern = params.get("logGroupNamePrefix"), params.get("logGroupNamePattern")
        if prefix and pattern:
            raise invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
        groups = [g for _, g in LOG_GROUP.scan(self.store, groups_ns(ctx.account_id, ctx.region), prefix=prefix or "")]
        if pattern:
            groups = [g for g in groups if pattern.lower() in g["logGroupName"].lower()]
        if params.get("logGroupClass"):
            groups = [g for g in groups if g.get("logGroupClass", "STANDARD") == params["logGroupClass"]]
        if params.get("logGroupIdentifiers"):
            wanted = {group_name_of({"logGroupIdentifier": i}) for i in params["logGroupIdentifiers"]}
            groups = [g for g in groups if g["logGroupName"] in wanted]
        state = decode_token(params.get("nextToken"), ("after",))
        if state:
            groups = [g for g in groups if g["logGroupName"] > state["after"]]
        limit = params.get("limit") or 50
        chunk = groups[:limit]
        output = {"logGroups": [_group_output(g, len(self.store.scan(metric_filters_ns(
            ctx.account_id, ctx.region, g["logGroupName"])))) for g in chunk]}
        if len(groups) > limit:
            output["nextToken"] = encode_token({"after": chunk[-1]["logGroupName"]})
        return output

    # -- retention and KMS --------------------------------------------------------------

    def put_retention_policy(self, ctx: RequestContext, params: dict) -> dict:
        days = params["retentionInDays"]
        if days not in RETENTION_DAYS:
            raise invalid(f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy "
                          f"constraint: Member must satisfy enum value set: {sorted(RETENTION_DAYS)}")
        return self._update_group(ctx, params["logGroupName"], retentionInDays=days)

    def delete_retention_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self._update_group(ctx, params["logGroupName"], retentionInDays=None)

    def associate_kms_key(self, ctx: RequestContext, params: dict) -> dict:
        name = group_name_of(params)
        self.log_group(ctx, name)
        check_kms_key(ctx, params["kmsKeyId"], name)
        return self._update_group(ctx, name, kmsKeyId=params["kmsKeyId"])

    def disassociate_kms_key(self, ctx: RequestContext, params: dict) -> dict:
        return self._update_group(ctx, group_name_of(params), kmsKeyId=None)

    def put_log_group_deletion_protection(self, ctx: RequestContext, params: dict) -> dict:
        return self._update_group(ctx, group_name_of(params),
                                  deletionProtectionEnabled=bool(params["deletionProtectionEnabled"]))

    def _update_group(self, ctx: RequestContext, name: str, **changes) -> dict:
        with self.store.transaction():
            group = self.log_group(ctx, name)
            group.update(cast(LogGroup, changes))
            self.save_group(ctx, group)
        ctx.emit_resource_change("AWS::Logs::LogGroup", group["arn"], "updated", lambda: _group_output(group))
        return {}

    # -- tags (the log-group calls and the ARN-based ones) -------------------------------

    def tag_log_group(self, ctx: RequestContext, params: dict) -> dict:
        return self._tag(ctx, params["logGroupName"], params["tags"], [])

    def untag_log_group(self, ctx: RequestContext, params: dict) -> dict:
        return self._tag(ctx, params["logGroupName"], {}, params["tags"])

    def list_tags_log_group(self, ctx: RequestContext, params: dict) -> dict:
        return {"tags": self.log_group(ctx, params["logGroupName"]).get("tags", {})}

    def tag_resource(self, ctx: RequestContext, params: dict) -> dict:
        return self._tag(ctx, self._group_of_arn(params["resourceArn"]), params["tags"], [])

    def untag_resource(self, ctx: RequestContext, params: dict) -> dict:
        return self._tag(ctx, self._group_of_arn(params["resourceArn"]), {}, params["tagKeys"])

    def list_tags_for_resource(self, ctx: RequestContext, params: dict) -> dict:
        return {"tags": self.log_group(ctx, self._group_of_arn(params["resourceArn"])).get("tags", {})}

    @staticmethod
    def _group_of_arn(arn: str) -> str:
        parts = arn.split(":")
        if len(parts) < 7 or parts[0] != "arn" or parts[2] != "logs" or parts[5] != "log-group":
            raise invalid(f"Invalid resourceArn: {arn}")
        return parts[6]

    def _tag(self, ctx: RequestContext, name: str, add: dict, remove: list) -> dict:
        with self.store.transaction():
            group = self.log_group(ctx, name)
            tags = {k: v for k, v in {**group.get("tags", {}), **add}.items() if k not in remove}
            if len(tags) > MAX_TAGS:
                raise ServiceError("TooManyTagsException", f"A resource can have no more than {MAX_TAGS} tags.",
                                   resourceName=group["arn"])
            group["tags"] = tags
            self.save_group(ctx, group)
        return {}
