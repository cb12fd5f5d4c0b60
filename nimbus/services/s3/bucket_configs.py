"""Bucket configurations kept as S3 keeps them: analytics, metrics and Intelligent-Tiering (each a set of
configurations by Id, listed 100 a page), Transfer Acceleration and Requester Pays.

Intelligent-Tiering configurations drive the archive tiers (archive.py); Requester Pays is enforced
with the access decision (request_payer.py).
"""
from __future__ import annotations

import base64
import binascii
from typing import cast

from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.common import invalid_argument, malformed_xml
from nimbus.services.s3.config import ConfigOps
from nimbus.services.s3.documents import Bucket

PAGE = 100
MAX_CONFIGURATIONS = 1000
# kind (as stored in the bucket's Config) → (request member, list member, IAM action suffix)
_KINDS = {
    "Analytics": ("AnalyticsConfiguration", "AnalyticsConfigurationList", "AnalyticsConfiguration"),
    "Metrics": ("MetricsConfiguration", "MetricsConfigurationList", "MetricsConfiguration"),
    "IntelligentTiering": ("IntelligentTieringConfiguration", "IntelligentTieringConfigurationList",
                           "IntelligentTieringConfiguration"),
}
# The days each archive tier takes, as S3 bounds them.
_TIER_DAYS = {"ARCHIVE_ACCESS": (90, 730), "DEEP_ARCHIVE_ACCESS": (180, 730)}


def _no_such_configuration() -> ServiceError:
    return ServiceError("NoSuchConfiguration", "The specified configuration does not exist.", status=404)


def _check_tierings(config: dict) -> None:
    tierings = config.get("Tierings") or []
    if not tierings or config.get("Status") not in ("Enabled", "Disabled"):
        raise malformed_xml()
    for tiering in tierings:
        low, high = _TIER_DAYS.get(tiering.get("AccessTier"), (None, None))
        if low is None:
            raise malformed_xml()
        if not low <= tiering.get("Days", 0) <= high:
            raise invalid_argument(f"{tiering['AccessTier']} days must be at least {low} and at most {high}",
                                   "Days", str(tiering.get("Days")))


def _configs(bucket: Bucket, kind: str) -> dict[str, dict]:
    """The bucket's configurations of one kind by Id, stored in its Config (created when absent)."""
    config = cast(dict, bucket.setdefault("Config", {}))
    return config.setdefault(kind, {})


class BucketConfigOps(ConfigOps):
    # -- analytics, metrics and Intelligent-Tiering: configurations by Id ---------------------
    def _put_by_id(self, ctx, params, kind: str) -> dict:
        member = _KINDS[kind][0]
        config = params.get(member) or {}
        if config.get("Id") != params["Id"]:
            raise invalid_argument("The Id in the configuration does not match the Id in the request.", "id",
                                   params["Id"])
        if kind == "IntelligentTiering":
            _check_tierings(config)
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:Put" + _KINDS[kind][2])
            stored = _configs(bucket, kind)
            if params["Id"] not in stored and len(stored) >= MAX_CONFIGURATIONS:
                raise ServiceError("TooManyConfigurations", "You are attempting to create a new configuration "
                                   "but have already reached the 1,000-configuration limit.", status=400)
            stored[params["Id"]] = config
            self._save_changed_bucket(ctx, bucket)
        return {}

    def _get_by_id(self, ctx, params, kind: str) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:Get" + _KINDS[kind][2])
        config = _configs(bucket, kind).get(params["Id"])
        if config is None:
            raise _no_such_configuration()
        return {_KINDS[kind][0]: config}

    def _delete_by_id(self, ctx, params, kind: str) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:Put" + _KINDS[kind][2])
            stored = _configs(bucket, kind)
            if stored.pop(params["Id"], None) is None:
                raise _no_such_configuration()
            self._save_changed_bucket(ctx, bucket)
        return {}

    def _list_by_id(self, ctx, params, kind: str) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:Get" + _KINDS[kind][2])
        stored = _configs(bucket, kind)
        ids = sorted(stored)
        token = params.get("ContinuationToken")
        start = 0
        if token:
            try:
                after = base64.urlsafe_b64decode(token.encode()).decode()
            except (binascii.Error, UnicodeDecodeError, ValueError):
                raise invalid_argument("The continuation token provided is incorrect", "continuation-token",
                                       token) from None
            start = next((n for n, name in enumerate(ids) if name > after), len(ids))
        page = ids[start:start + PAGE]
        output = {"IsTruncated": start + PAGE < len(ids), _KINDS[kind][1]: [stored[i] for i in page]}
        if token:
            output["ContinuationToken"] = token
        if output["IsTruncated"]:
            output["NextContinuationToken"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
        return output

    def put_bucket_analytics_configuration(self, ctx, params):
        return self._put_by_id(ctx, params, "Analytics")

    def get_bucket_analytics_configuration(self, ctx, params):
        return self._get_by_id(ctx, params, "Analytics")

    def delete_bucket_analytics_configuration(self, ctx, params):
        return self._delete_by_id(ctx, params, "Analytics")

    def list_bucket_analytics_configurations(self, ctx, params):
        return self._list_by_id(ctx, params, "Analytics")

    def put_bucket_metrics_configuration(self, ctx, params):
        return self._put_by_id(ctx, params, "Metrics")

    def get_bucket_metrics_configuration(self, ctx, params):
        return self._get_by_id(ctx, params, "Metrics")

    def delete_bucket_metrics_configuration(self, ctx, params):
        return self._delete_by_id(ctx, params, "Metrics")

    def list_bucket_metrics_configurations(self, ctx, params):
        return self._list_by_id(ctx, params, "Metrics")

    def put_bucket_intelligent_tiering_configuration(self, ctx, params):
        return self._put_by_id(ctx, params, "IntelligentTiering")

    def get_bucket_intelligent_tiering_configuration(self, ctx, params):
        return self._get_by_id(ctx, params, "IntelligentTiering")

    def delete_bucket_intelligent_tiering_configuration(self, ctx, params):
        return self._delete_by_id(ctx, params, "IntelligentTiering")

    def list_bucket_intelligent_tiering_configurations(self, ctx, params):
        return self._list_by_id(ctx, params, "IntelligentTiering")

    # -- Transfer Acceleration ------------------------------------------------------------
    def put_bucket_accelerate_configuration(self, ctx, params):
        status = (params.get("AccelerateConfiguration") or {}).get("Status")
        if status not in ("Enabled", "Suspended"):
            raise malformed_xml()
        if "." in params["Bucket"]:
            raise ServiceError("InvalidRequest", "S3 Transfer Acceleration is not supported for buckets with "
                               "periods (.) in their names", status=400)
        return self._put_config(ctx, params, "Accelerate", status, "s3:PutAccelerateConfiguration")

    def get_bucket_accelerate_configuration(self, ctx, params):
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetAccelerateConfiguration")
        status = (bucket.get("Config") or {}).get("Accelerate")
        return {"Status": status} if status else {}

    # -- Requester Pays ---------------------------------------------------------------------
    def put_bucket_request_payment(self, ctx, params):
        payer = (params.get("RequestPaymentConfiguration") or {}).get("Payer")
        if payer not in ("Requester", "BucketOwner"):
            raise malformed_xml()
        return self._put_config(ctx, params, "RequestPayment", payer, "s3:PutBucketRequestPayment")

    def get_bucket_request_payment(self, ctx, params):
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetBucketRequestPayment")
        return {"Payer": (bucket.get("Config") or {}).get("RequestPayment") or "BucketOwner"}
