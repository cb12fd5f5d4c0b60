"""Log anomaly detectors (Create / Get / List / Update / Delete), ListAnomalies and UpdateAnomaly: stored with
AWS's validation. nimbus trains no pattern model, so detectors stay INITIALIZING and find no anomalies
(docs/services/logs.md)."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import group_name_of, invalid, now_ms, page
from .filter_pattern import compile_pattern
from .state import LogsState
from .stored import StoredKind

DETECTORS = StoredKind("anomalydetectors", "anomaly detector")


class AnomalyOps(LogsState):
    def create_log_anomaly_detector(self, ctx: RequestContext, params: dict) -> dict:
        for arn in params["logGroupArnList"]:
            self.standard_only(self.log_group(ctx, group_name_of({"logGroupIdentifier": arn})), "Anomaly detectors")
        if params.get("filterPattern"):
            compile_pattern(params["filterPattern"])
        arn = ctx.arn(f"anomaly-detector:{uuid.uuid4()}")
        now = now_ms(ctx)
        detector = {"anomalyDetectorArn": arn, "detectorName": params.get("detectorName") or "",
                    "logGroupArnList": params["logGroupArnList"],
                    "evaluationFrequency": params.get("evaluationFrequency") or "FIVE_MIN",
                    "filterPattern": params.get("filterPattern") or "", "anomalyDetectorStatus": "INITIALIZING",
                    "creationTimeStamp": now, "lastModifiedTimeStamp": now,
                    "anomalyVisibilityTime": params.get("anomalyVisibilityTime") or 21}
        if params.get("kmsKeyId"):
            detector["kmsKeyId"] = params["kmsKeyId"]
        DETECTORS.save(self.store, ctx, arn, detector)
        return {"anomalyDetectorArn": arn}

    def get_log_anomaly_detector(self, ctx: RequestContext, params: dict) -> dict:
        detector = DETECTORS.get(self.store, ctx, params["anomalyDetectorArn"])
        return {k: v for k, v in detector.items() if k != "anomalyDetectorArn"}

    def list_log_anomaly_detectors(self, ctx: RequestContext, params: dict) -> dict:
        rows = [d for d in DETECTORS.all(self.store, ctx)
                if not params.get("filterLogGroupArn") or params["filterLogGroupArn"] in d["logGroupArnList"]]
        return page(rows, params, "anomalyDetectors", lambda d: d["anomalyDetectorArn"])

    def update_log_anomaly_detector(self, ctx: RequestContext, params: dict) -> dict:
        detector = DETECTORS.get(self.store, ctx, params["anomalyDetectorArn"])
        if params.get("filterPattern"):
            compile_pattern(params["filterPattern"])
        for member in ("evaluationFrequency", "filterPattern", "anomalyVisibilityTime"):
            if params.get(member) is not None:
                detector[member] = params[member]
        detector["anomalyDetectorStatus"] = "INITIALIZING" if params["enabled"] else "PAUSED"
        detector["lastModifiedTimeStamp"] = now_ms(ctx)
        DETECTORS.save(self.store, ctx, params["anomalyDetectorArn"], detector)
        return {}

    def delete_log_anomaly_detector(self, ctx: RequestContext, params: dict) -> dict:
        DETECTORS.get(self.store, ctx, params["anomalyDetectorArn"])
        DETECTORS.delete(self.store, ctx, params["anomalyDetectorArn"])
        return {}

    def list_anomalies(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("anomalyDetectorArn"):
            DETECTORS.get(self.store, ctx, params["anomalyDetectorArn"])
        return {"anomalies": []}

    def update_anomaly(self, ctx: RequestContext, params: dict) -> dict:
        DETECTORS.get(self.store, ctx, params["anomalyDetectorArn"])
        if not params.get("anomalyId") and not params.get("patternId"):
            raise invalid("Either anomalyId or patternId must be specified.")
        raise ServiceError("ResourceNotFoundException", "The specified anomaly does not exist.")
