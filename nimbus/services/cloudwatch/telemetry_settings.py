"""Account-level telemetry settings, stored: the metrics dataset and its KMS key (GetDataset,
Associate/DisassociateDatasetKmsKey; the key is checked through KMS as the caller), OpenTelemetry enrichment
(Get/Start/Stop/UpdateOTelEnrichment) and resource metrics configurations
(Create/Get/Update/DeleteResourceMetricsConfiguration). nimbus's metric storage does not change with them:
datapoints stay in nimbus's store, unencrypted by the key, and no OTel attributes are added."""
from __future__ import annotations

from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import resource_metrics_ns, settings_ns
from nimbus.services.cloudwatch.state import CloudWatchState

DATASET_ID = "default"
OTEL_FIELDS = ("IncludeFilters", "ExcludeFilters", "EnableTagEnrichment")


def _not_found(kind: str, resource: str, message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message, ResourceType=kind, ResourceId=resource)


class TelemetrySettingOps(CloudWatchState):
    # -- the dataset
    def _dataset(self, ctx: RequestContext, identifier: str) -> str:
        arn = ctx.arn(f"dataset/{DATASET_ID}")
        if identifier not in (DATASET_ID, arn):
            raise _not_found("Dataset", identifier, f"Dataset {identifier} does not exist.")
        return arn

    def get_dataset(self, ctx: RequestContext, params: dict) -> dict:
        out = {"DatasetId": DATASET_ID, "Arn": self._dataset(ctx, params["DatasetIdentifier"])}
        key = (self.store.get(settings_ns(ctx.account_id, ctx.region), "dataset") or {}).get("KmsKeyArn")
        return {**out, "KmsKeyArn": key} if key else out

    def associate_dataset_kms_key(self, ctx: RequestContext, params: dict) -> dict:
        self._dataset(ctx, params["DatasetIdentifier"])
        key_arn = params["KmsKeyArn"]
        try:
            key = ctx.runtime.client.call("kms", "DescribeKey", {"KeyId": key_arn}, account_id=ctx.account_id,
                                          region=key_arn.split(":")[3], principal=ctx.principal)["KeyMetadata"]
        except ServiceError as error:
            code = "KmsAccessDeniedException" if error.code == "AccessDeniedException" else "KmsKeyNotFoundException"
            raise ServiceError(code, f"KMS key {key_arn}: {error.message}") from None
        if key.get("KeyState") != "Enabled":
            raise ServiceError("KmsKeyDisabledException", f"KMS key {key_arn} is {key.get('KeyState')}.")
        self.store.put(settings_ns(ctx.account_id, ctx.region), "dataset", {"KmsKeyArn": key["Arn"]})
        return {}

    def disassociate_dataset_kms_key(self, ctx: RequestContext, params: dict) -> dict:
        self._dataset(ctx, params["DatasetIdentifier"])
        self.store.delete(settings_ns(ctx.account_id, ctx.region), "dataset")
        return {}

    # -- OpenTelemetry enrichment
    def _otel(self, ctx: RequestContext) -> dict[str, Any] | None:
        return self.store.get(settings_ns(ctx.account_id, ctx.region), "otel")

    def _save_otel(self, ctx: RequestContext, params: dict, current: dict[str, Any] | None) -> dict:
        now = self.clock.time()
        saved = {"Status": "Running", "CreatedAt": (current or {}).get("CreatedAt", now), "UpdatedAt": now,
                 **{k: params[k] for k in OTEL_FIELDS if k in params}}
        self.store.put(settings_ns(ctx.account_id, ctx.region), "otel", saved)
        return _otel_shown({k: v for k, v in saved.items() if k != "Status"})

    def get_otel_enrichment(self, ctx: RequestContext, params: dict) -> dict:
        current = self._otel(ctx)
        return _otel_shown(current) if current else {"Status": "Stopped"}

    def start_otel_enrichment(self, ctx: RequestContext, params: dict) -> dict:
        return self._save_otel(ctx, params, self._otel(ctx))

    def update_otel_enrichment(self, ctx: RequestContext, params: dict) -> dict:
        current = self._otel(ctx)
        if current is None or current["Status"] != "Running":
            raise _not_found("OTelEnrichment", "default", "OTel enrichment is not running.")
        return self._save_otel(ctx, params, current)

    def stop_otel_enrichment(self, ctx: RequestContext, params: dict) -> dict:
        current = self._otel(ctx)
        if current is not None:
            self.store.put(settings_ns(ctx.account_id, ctx.region), "otel",
                           {**current, "Status": "Stopped", "UpdatedAt": self.clock.time()})
        return {}

    # -- resource metrics configurations
    def _resource_config(self, ctx: RequestContext, arn: str) -> dict[str, Any]:
        found = self.store.get(resource_metrics_ns(ctx.account_id, ctx.region), arn)
        if found is None:
            raise _not_found("ResourceMetricsConfiguration", arn,
                             f"No resource metrics configuration exists for {arn}.")
        return found

    def _save_resource_config(self, ctx: RequestContext, params: dict, created: float) -> dict:
        config = {"ResourceArn": params["ResourceArn"], "CreatedAt": created, "UpdatedAt": self.clock.time(),
                  "MetricSelections": params.get("MetricSelections") or []}
        self.store.put(resource_metrics_ns(ctx.account_id, ctx.region), params["ResourceArn"], config)
        return {"ResourceMetricsConfiguration": {**config, "CreatedAt": timestamp(config["CreatedAt"]),
                                                 "UpdatedAt": timestamp(config["UpdatedAt"])}}

    def create_resource_metrics_configuration(self, ctx: RequestContext, params: dict) -> dict:
        if self.store.get(resource_metrics_ns(ctx.account_id, ctx.region), params["ResourceArn"]) is not None:
            raise ServiceError("ConflictException",
                               f"A resource metrics configuration exists for {params['ResourceArn']}.")
        return self._save_resource_config(ctx, params, self.clock.time())

    def get_resource_metrics_configuration(self, ctx: RequestContext, params: dict) -> dict:
        config = self._resource_config(ctx, params["ResourceArn"])
        return {"ResourceMetricsConfiguration": {**config, "CreatedAt": timestamp(config["CreatedAt"]),
                                                 "UpdatedAt": timestamp(config["UpdatedAt"])}}

    def update_resource_metrics_configuration(self, ctx: RequestContext, params: dict) -> dict:
        return self._save_resource_config(ctx, params, self._resource_config(ctx, params["ResourceArn"])["CreatedAt"])

    def delete_resource_metrics_configuration(self, ctx: RequestContext, params: dict) -> dict:
        self._resource_config(ctx, params["ResourceArn"])
        self.store.delete(resource_metrics_ns(ctx.account_id, ctx.region), params["ResourceArn"])
        return {}


def _otel_shown(saved: dict[str, Any]) -> dict[str, Any]:
    return {**saved, "CreatedAt": timestamp(saved["CreatedAt"]), "UpdatedAt": timestamp(saved["UpdatedAt"])}
