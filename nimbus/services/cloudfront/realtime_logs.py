"""Real-time log configurations (Create/Get/Update/Delete/ListRealtimeLogConfig(s)), stored per account:
a sampling rate (1-100), the fields to log, one Kinesis data stream endpoint with the role CloudFront
assumes to write to it. A configuration a cache behaviour names (``RealtimeLogConfigArn``) cannot be
deleted. Delivery of the records is in ``realtime_delivery.py``."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.paging import page_after
from nimbus.protocol.errors import ServiceError

from .common import GLOBAL, invalid_argument
from .configs import behaviours
from .documents import REALTIME_LOG_CONFIG, RealtimeLogConfig
from .recorded import REALTIME_LOG_CONFIG_TYPE, recorded_change
from .state import CloudFrontState

realtime_logs_ns = Namespace("cloudfront", "realtime-log-configs")
# The fields a real-time log record may have ("Real-time access logs").
REALTIME_FIELDS = frozenset((
    "timestamp", "c-ip", "time-to-first-byte", "sc-status", "sc-bytes", "cs-method", "cs-protocol", "cs-host",
    "cs-uri-stem", "cs-bytes", "x-edge-location", "x-edge-request-id", "x-host-header", "time-taken",
    "cs-protocol-version", "c-ip-version", "cs-user-agent", "cs-referer", "cs-cookie", "cs-uri-query",
    "x-edge-response-result-type", "x-forwarded-for", "ssl-protocol", "ssl-cipher", "x-edge-result-type",
    "fle-encrypted-fields", "fle-status", "sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end",
    "c-port", "x-edge-detailed-result-type", "c-country", "cs-accept-encoding", "cs-accept",
    "cache-behavior-path-pattern", "cs-headers", "cs-header-names", "cs-headers-count",
    "primary-distribution-id", "primary-distribution-dns-name", "origin-fbl", "origin-lbl", "asn",
    "timestamp(ms)", "origin-ip", "origin-port", "connection-id", "distribution-tenant-id"))


def no_such_config() -> ServiceError:
    return ServiceError("NoSuchRealtimeLogConfig", "The real-time log configuration does not exist.", status=404)


class RealtimeLogOps(CloudFrontState):
    def create_realtime_log_config(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            if self._log_config_named(ctx, params["Name"]) is not None:
                raise ServiceError("RealtimeLogConfigAlreadyExists", "A real-time log configuration with this "
                                   "name already exists.", status=409)
            config: RealtimeLogConfig = {
                "ARN": f"arn:aws:cloudfront::{ctx.account_id}:realtime-log-config/{params['Name']}",
                "Name": params["Name"], **_checked(params)}  # type: ignore[typeddict-item]
            REALTIME_LOG_CONFIG.put(self.store, self._log_configs_ns(ctx), config["Name"], config)
        recorded_change(ctx, REALTIME_LOG_CONFIG_TYPE, config["ARN"], "created", lambda: dict(config))
        return {"RealtimeLogConfig": config}

    def get_realtime_log_config(self, ctx: RequestContext, params: dict) -> dict:
        return {"RealtimeLogConfig": self._log_config(ctx, params)}

    def update_realtime_log_config(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            before = self._log_config(ctx, params)
            given = {"SamplingRate": before["SamplingRate"], "EndPoints": before["EndPoints"],
                     "Fields": before["Fields"], **{k: v for k, v in params.items() if k in _SETTINGS}}
            config: RealtimeLogConfig = {**before, **_checked(given)}  # type: ignore[typeddict-item]
            REALTIME_LOG_CONFIG.put(self.store, self._log_configs_ns(ctx), config["Name"], config)
        recorded_change(ctx, REALTIME_LOG_CONFIG_TYPE, config["ARN"], "updated")
        return {"RealtimeLogConfig": config}

    def delete_realtime_log_config(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            config = self._log_config(ctx, params)
            if any(b.get("RealtimeLogConfigArn") == config["ARN"] for d in self.all_distributions(ctx)
                   for b in behaviours(d["DistributionConfig"])):
                raise ServiceError("RealtimeLogConfigInUse", "Cannot delete the real-time log configuration "
                                   "because it is attached to one or more cache behaviors.", status=400)
            self.store.delete(self._log_configs_ns(ctx), config["Name"])
        recorded_change(ctx, REALTIME_LOG_CONFIG_TYPE, config["ARN"], "deleted")
        return {}

    def list_realtime_log_configs(self, ctx: RequestContext, params: dict) -> dict:
        limit = int(params.get("MaxItems") or 100)
        marker = params.get("Marker") or ""
        configs = [c for _, c in REALTIME_LOG_CONFIG.scan(self.store, self._log_configs_ns(ctx))]
        page, more = page_after(configs, lambda c: c["Name"], marker, limit)
        listing = {"MaxItems": limit, "Items": page, "IsTruncated": more, "Marker": marker}
        if more:
            listing["NextMarker"] = page[-1]["Name"]
        return {"RealtimeLogConfigs": listing}

    def realtime_log_config(self, arn: str) -> RealtimeLogConfig | None:
        """The configuration a behaviour's ``RealtimeLogConfigArn`` names, in whichever account."""
        account, _, name = arn.removeprefix("arn:aws:cloudfront::").partition(":realtime-log-config/")
        return REALTIME_LOG_CONFIG.get(self.store, realtime_logs_ns(account, GLOBAL), name)

    def _log_config(self, ctx: RequestContext, params: dict) -> RealtimeLogConfig:
        name, arn = params.get("Name"), params.get("ARN")
        if not name and not arn:
            raise invalid_argument("You must specify the Name or the ARN of the real-time log configuration.")
        found = self._log_config_named(ctx, name or arn.rpartition("/")[2])  # type: ignore[union-attr]
        if found is None or (arn and found["ARN"] != arn) or (name and found["Name"] != name):
            raise no_such_config()
        return found

    def _log_config_named(self, ctx: RequestContext, name: str) -> RealtimeLogConfig | None:
        return REALTIME_LOG_CONFIG.get(self.store, self._log_configs_ns(ctx), name)

    @staticmethod
    def _log_configs_ns(ctx: RequestContext) -> tuple[str, ...]:
        return realtime_logs_ns(ctx.account_id, GLOBAL)


_SETTINGS = ("SamplingRate", "EndPoints", "Fields")


def _checked(params: dict) -> dict:
    rate = int(params["SamplingRate"])
    if not 1 <= rate <= 100:
        raise invalid_argument("The sampling rate must be an integer from 1 to 100.")
    fields = list(params["Fields"])
    unknown = [f for f in fields if f not in REALTIME_FIELDS]
    if not fields or unknown:
        raise invalid_argument(f"The fields are not valid: {', '.join(unknown) or 'none given'}.")
    endpoints = list(params["EndPoints"])
    if len(endpoints) != 1 or endpoints[0].get("StreamType") != "Kinesis" or \
            not endpoints[0].get("KinesisStreamConfig", {}).get("StreamARN"):
        raise invalid_argument("A real-time log configuration needs one Kinesis data stream endpoint.")
    return {"SamplingRate": rate, "EndPoints": endpoints, "Fields": fields}
