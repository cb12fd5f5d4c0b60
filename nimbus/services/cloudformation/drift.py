"""Drift detection: DetectStackDrift, DescribeStackDriftDetectionStatus, DetectStackResourceDrift and
DescribeStackResourceDrifts. Each resource's template properties are compared (drift_compare.py) with the
live resource its handler reads back through the owning service's API, as the stack (its RoleARN, or the
caller). A resource whose service says it is gone is ``DELETED``; a type nimbus cannot read back is
``NOT_CHECKED``. Detection runs within the call: it is complete when DetectStackDrift answers."""
from __future__ import annotations

import json
import uuid

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError

from . import parameters
from .documents import DRIFT_DETECTION, STACK_RESOURCE_DRIFT, DriftDetection, Stack, StackResource, StackResourceDrift
from .drift_compare import compared, differences
from .dynamic import resolve_references
from .handlers import HANDLERS
from .handlers.base import Api, gone
from .property_values import masked
from .state import CloudFormationState, StackIdentity
from .template import parse_template, validation_error

drifts_ns = Namespace("cloudformation", "drifts")  # + the stack's id: each resource's last check
detections_ns = Namespace("cloudformation", "drift-detections")
DRIFTED = frozenset({"MODIFIED", "DELETED"})
SECURE = "{{resolve:ssm-secure:"  # a secret the template only names: never read back into a drift record


def _secure(value) -> bool:
    return SECURE in json.dumps(value)


class DriftOps(CloudFormationState):
    def _checked(self, ctx: RequestContext, stack: Stack, doc: StackResource) -> StackResourceDrift:
        """Check one resource now, and keep the result on it."""
        where = StackIdentity(ctx, stack)
        drift: StackResourceDrift = {"StackId": stack["StackId"], "LogicalResourceId": doc["LogicalResourceId"],
                                     "ResourceType": doc["ResourceType"], "StackResourceDriftStatus": "NOT_CHECKED",
                                     "Timestamp": self.clock.time()}
        if doc.get("PhysicalResourceId"):
            drift["PhysicalResourceId"] = doc["PhysicalResourceId"]
        handler = HANDLERS.get(doc["ResourceType"])
        if handler is not None and doc.get("PhysicalResourceId"):
            self._compare(where, stack, doc, drift)
        doc["DriftInformation"] = {"StackResourceDriftStatus": drift["StackResourceDriftStatus"],
                                   "LastCheckTimestamp": drift["Timestamp"]}
        self.save_resource(where, doc)
        STACK_RESOURCE_DRIFT.put(self.store, drifts_ns(ctx.account_id, ctx.region, stack["StackId"]),
                                 doc["LogicalResourceId"], drift)
        return drift

    def _compare(self, where: StackIdentity, stack: Stack, doc: StackResource, drift: StackResourceDrift) -> None:
        call = self.caller(where)
        properties = {k: v for k, v in doc.get("Properties", {}).items() if not _secure(v)}
        properties = resolve_references(properties, call)
        api = Api(call, where.account, where.region, where.stack_name, doc["LogicalResourceId"])
        try:
            actual = HANDLERS[doc["ResourceType"]].read(api, doc["PhysicalResourceId"], properties)
        except ServiceError as error:
            if gone(error):
                drift["StackResourceDriftStatus"] = "DELETED"
                drift["ExpectedProperties"] = json.dumps(self._masked(stack, properties))
            return
        if actual is None:
            return
        expected, live = compared(doc["ResourceType"], properties, actual)
        expected, live = self._masked(stack, expected), self._masked(stack, live)
        found = differences(expected, live)
        drift.update({"ExpectedProperties": json.dumps(expected), "ActualProperties": json.dumps(live),
                      "PropertyDifferences": found, "StackResourceDriftStatus": "MODIFIED" if found else "IN_SYNC"})

    @staticmethod
    def _masked(stack: Stack, value: dict) -> dict:
        declared = parameters.declared(parse_template(stack["TemplateBody"]))
        return masked(value, parameters.secret_values(declared, stack.get("ParameterValues", {})))

    def detect_stack_drift(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        if stack["StackStatus"].endswith("_IN_PROGRESS"):
            raise validation_error(f"Stack:{stack['StackId']} is in {stack['StackStatus']} state and drift "
                                   "detection cannot be performed.")
        resources = self.resources(ctx.account_id, ctx.region, stack["StackId"])
        wanted = params.get("LogicalResourceIds") or list(resources)
        unknown = [n for n in wanted if n not in resources]
        if unknown:
            raise validation_error(f"Resource {unknown[0]} does not exist for stack {stack['StackName']}")
        drifts = [self._checked(ctx, stack, resources[n]) for n in wanted]
        drifted = sum(d["StackResourceDriftStatus"] in DRIFTED for d in drifts)
        detection: DriftDetection = {"StackId": stack["StackId"], "StackDriftDetectionId": str(uuid.uuid4()),
                                     "DetectionStatus": "DETECTION_COMPLETE", "Timestamp": self.clock.time(),
                                     "StackDriftStatus": "DRIFTED" if drifted else "IN_SYNC",
                                     "DriftedStackResourceCount": drifted}
        DRIFT_DETECTION.put(self.store, detections_ns(ctx.account_id, ctx.region),
                            detection["StackDriftDetectionId"], detection)
        stack["DriftInformation"] = {"StackDriftStatus": detection["StackDriftStatus"],
                                     "LastCheckTimestamp": detection["Timestamp"]}
        self.save_stack(ctx.account_id, ctx.region, stack)
        return {"StackDriftDetectionId": detection["StackDriftDetectionId"]}

    def describe_stack_drift_detection_status(self, ctx: RequestContext, params: dict) -> dict:
        detection = DRIFT_DETECTION.get(self.store, detections_ns(ctx.account_id, ctx.region),
                                        params["StackDriftDetectionId"])
        if detection is None:
            raise validation_error(f"Drift detection with id {params['StackDriftDetectionId']} does not exist")
        out: dict = {k: v for k, v in detection.items() if k != "SchemaVersion"}
        out["Timestamp"] = timestamp(detection["Timestamp"])
        return out

    def detect_stack_resource_drift(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        doc = self.resources(ctx.account_id, ctx.region, stack["StackId"]).get(params["LogicalResourceId"])
        if doc is None:
            raise validation_error(f"Resource {params['LogicalResourceId']} does not exist for stack "
                                   f"{stack['StackName']}")
        return {"StackResourceDrift": _described(self._checked(ctx, stack, doc))}

    def describe_stack_resource_drifts(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        wanted = set(params.get("StackResourceDriftStatusFilters") or [])
        drifts = [d for _, d in STACK_RESOURCE_DRIFT.scan(self.store, drifts_ns(ctx.account_id, ctx.region,
                                                                                stack["StackId"]))]
        return {"StackResourceDrifts": [_described(d) for d in drifts
                                        if not wanted or d["StackResourceDriftStatus"] in wanted]}


def _described(drift: StackResourceDrift) -> dict:
    out: dict = {k: v for k, v in drift.items() if k != "SchemaVersion"}
    out["Timestamp"] = timestamp(drift["Timestamp"])
    return out
