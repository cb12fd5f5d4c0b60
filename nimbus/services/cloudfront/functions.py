"""CloudFront Functions: CreateFunction, DescribeFunction, GetFunction, UpdateFunction, PublishFunction,
DeleteFunction, ListFunctions and TestFunction. A function has a DEVELOPMENT stage (what is updated and
tested) and, once published, a LIVE one (what behaviours' ``FunctionAssociations`` run at the edge)."""
from __future__ import annotations

import json

from nimbus.core.context import RequestContext
from nimbus.core.paging import page_after
from nimbus.protocol.errors import ServiceError
from nimbus.store.base import Store

from .common import GLOBAL, check_if_match, functions_ns, invalid_argument, new_etag
from .configs import behaviours
from .documents import FUNCTION, CloudFrontFunction, FunctionStage
from .functions_runtime import MAX_CODE_BYTES, InvalidFunctionCode
from .key_value_stores import check_store_associations, store_by_arn, store_items
from .state import CloudFrontState

MAX_FUNCTIONS = 100  # AWS's default quota per account
VIEWER_EVENTS = ("viewer-request", "viewer-response")


def no_such_function() -> ServiceError:
    return ServiceError("NoSuchFunctionExists", "The function does not exist.", status=404)


def find_function(store: Store, account: str, name: str) -> CloudFrontFunction | None:
    return FUNCTION.get(store, functions_ns(account, GLOBAL), name)


def associations(behaviour: dict) -> dict[str, str]:
    """Event type -> function ARN of a behaviour's CloudFront Functions."""
    listed = (behaviour.get("FunctionAssociations") or {}).get("Items", [])
    return {a["EventType"]: a["FunctionARN"] for a in listed}


def function_name(arn: str) -> str:
    return arn.rpartition(":function/")[2]


def check_function_associations(store: Store, account: str, config: dict) -> None:
    """Each associated function is one of the account's, published, on a viewer event."""
    for behaviour in behaviours(config):
        for event, arn in associations(behaviour).items():
            found = find_function(store, account, function_name(arn))
            if event not in VIEWER_EVENTS or found is None or found["FunctionARN"] != arn or "Live" not in found:
                raise ServiceError("InvalidFunctionAssociation", "The function association is invalid.", status=400)


class FunctionOps(CloudFrontState):
    def create_function(self, ctx: RequestContext, params: dict) -> dict:
        name = params["Name"]
        stage = self._function_stage(ctx, params["FunctionConfig"], params["FunctionCode"])
        with self.store.transaction():
            if find_function(self.store, ctx.account_id, name) is not None:
                raise ServiceError("FunctionAlreadyExists", "A function with the same name already exists in this "
                                   "Amazon Web Services account.", status=409)
            if len(list(FUNCTION.scan(self.store, functions_ns(ctx.account_id, GLOBAL)))) >= MAX_FUNCTIONS:
                raise ServiceError("TooManyFunctions", "You have reached the maximum number of CloudFront "
                                   "functions for this Amazon Web Services account.", status=400)
            tags = {t["Key"]: t.get("Value", "") for t in (params.get("Tags") or {}).get("Items", [])}
            function: CloudFrontFunction = {
                "Name": name, "FunctionARN": f"arn:aws:cloudfront::{ctx.account_id}:function/{name}",
                "CreatedTime": stage["LastModifiedTime"], "Development": stage, "Tags": tags}
            self._save_function(ctx, function)
        return {"FunctionSummary": self._function_summary(ctx, function, "DEVELOPMENT"), "ETag": stage["ETag"],
                "Location": f"https://cloudfront.amazonaws.com/2020-05-31/function/{function['FunctionARN']}"}

    def describe_function(self, ctx: RequestContext, params: dict) -> dict:
        function, stage = self._function_at_stage(ctx, params["Name"], params.get("Stage"))
        return {"FunctionSummary": self._function_summary(ctx, function, params.get("Stage") or "DEVELOPMENT"),
                "ETag": stage["ETag"]}

    def get_function(self, ctx: RequestContext, params: dict) -> dict:
        _, stage = self._function_at_stage(ctx, params["Name"], params.get("Stage"))
        return {"FunctionCode": stage["FunctionCode"].encode(), "ETag": stage["ETag"],
                "ContentType": "application/octet-stream"}

    def update_function(self, ctx: RequestContext, params: dict) -> dict:
        stage = self._function_stage(ctx, params["FunctionConfig"], params["FunctionCode"])
        with self.store.transaction():
            function = self._function(ctx, params["Name"])
            check_if_match(params.get("IfMatch"), function["Development"]["ETag"])
            function["Development"] = stage
            self._save_function(ctx, function)
        return {"FunctionSummary": self._function_summary(ctx, function, "DEVELOPMENT"), "ETag": stage["ETag"]}

    def publish_function(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            function = self._function(ctx, params["Name"])
            check_if_match(params.get("IfMatch"), function["Development"]["ETag"])
            function["Live"] = {**function["Development"], "ETag": new_etag(), "LastModifiedTime": ctx.clock.time()}
            self._save_function(ctx, function)
        return {"FunctionSummary": self._function_summary(ctx, function, "LIVE")}

    def delete_function(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            function = self._function(ctx, params["Name"])
            check_if_match(params.get("IfMatch"), function["Development"]["ETag"])
            if self._function_in_use(ctx, function):
                raise ServiceError("FunctionInUse", "Cannot delete the function because it's attached to one or "
                                   "more cache behaviors.", status=409)
            self.store.delete(functions_ns(ctx.account_id, GLOBAL), function["Name"])
        return {}

    def list_functions(self, ctx: RequestContext, params: dict) -> dict:
        stages = [params["Stage"]] if params.get("Stage") else ["DEVELOPMENT", "LIVE"]
        listed = [(f, s) for _, f in FUNCTION.scan(self.store, functions_ns(ctx.account_id, GLOBAL))
                  for s in stages if s == "DEVELOPMENT" or "Live" in f]
        limit = int(params.get("MaxItems") or 100)
        chunk, more = page_after(listed, lambda fs: f"{fs[0]['Name']}/{fs[1]}", params.get("Marker"), limit)
        out: dict = {"MaxItems": limit, "Quantity": len(chunk), "Items": [self._function_summary(ctx, f, s) for f, s in chunk]}
        if more:
            out["NextMarker"] = f"{chunk[-1][0]['Name']}/{chunk[-1][1]}"
        return {"FunctionList": out}

    def test_function(self, ctx: RequestContext, params: dict) -> dict:
        function, stage = self._function_at_stage(ctx, params["Name"], params.get("Stage"))
        check_if_match(params.get("IfMatch"), stage["ETag"])
        try:
            event = json.loads(params["EventObject"])
            event_type = event.get("context", {}).get("eventType", "viewer-request")
        except (ValueError, AttributeError) as error:
            raise invalid_argument("The event object is not valid JSON.") from error
        outcome = self.functions.run(stage["FunctionCode"], event, self.function_kvs(stage))
        result = {"FunctionSummary": self._function_summary(ctx, function, params.get("Stage") or "DEVELOPMENT"),
                  "ComputeUtilization": str(outcome.utilization), "FunctionExecutionLogs": outcome.logs}
        if outcome.error is not None:
            result["FunctionErrorMessage"] = outcome.error
        else:
            answered = isinstance(outcome.value, dict) and "statusCode" in outcome.value
            part = "response" if event_type == "viewer-response" or answered else "request"
            result["FunctionOutput"] = json.dumps({part: outcome.value})
        return {"TestResult": result}

    # -- helpers -----------------------------------------------------------------------------

    def _function_stage(self, ctx: RequestContext, config: dict, code: bytes) -> FunctionStage:
        if len(code) > MAX_CODE_BYTES:
            raise ServiceError("FunctionSizeLimitExceeded", "The function is too large. For more information, "
                               "see Quotas (formerly known as limits) in the Amazon CloudFront Developer Guide.",
                               status=413)
        check_store_associations(self.store, ctx.account_id, config)
        try:
            source = code.decode()
            self.functions.check(source)
        except (UnicodeDecodeError, InvalidFunctionCode) as error:
            raise invalid_argument(f"The function code is not valid: {error}") from error
        return {"FunctionConfig": {"Comment": "", **config}, "FunctionCode": source, "ETag": new_etag(),
                "LastModifiedTime": ctx.clock.time()}

    def function_kvs(self, stage: FunctionStage) -> dict[str, str]:
        """The keys of the store the stage is associated with, as ``cf.kvs()`` reads them."""
        for association in (stage["FunctionConfig"].get("KeyValueStoreAssociations") or {}).get("Items", []):
            kvs = store_by_arn(self.store, association["KeyValueStoreARN"])
            if kvs is not None:
                return store_items(self.store, kvs)
        return {}

    def _function(self, ctx: RequestContext, name: str) -> CloudFrontFunction:
        found = find_function(self.store, ctx.account_id, name)
        if found is None:
            raise no_such_function()
        return found

    def _function_at_stage(self, ctx: RequestContext, name: str, stage: str | None) -> tuple[CloudFrontFunction, FunctionStage]:
        function = self._function(ctx, name)
        if stage == "LIVE":
            if "Live" not in function:
                raise no_such_function()
            return function, function["Live"]
        return function, function["Development"]

    def _save_function(self, ctx: RequestContext, function: CloudFrontFunction) -> None:
        FUNCTION.put(self.store, functions_ns(ctx.account_id, GLOBAL), function["Name"], function)

    def _function_in_use(self, ctx: RequestContext, function: CloudFrontFunction) -> bool:
        return any(function["FunctionARN"] in associations(b).values()
                   for d in self.all_distributions(ctx) for b in behaviours(d["DistributionConfig"]))

    def _function_summary(self, ctx: RequestContext, function: CloudFrontFunction, stage: str) -> dict:
        held = function["Live"] if stage == "LIVE" else function["Development"]
        published = "Live" in function and function["Live"]["FunctionCode"] == held["FunctionCode"] \
            and function["Live"]["FunctionConfig"] == held["FunctionConfig"]
        status = ("DEPLOYED" if self._function_in_use(ctx, function) else "UNASSOCIATED") if published else "UNPUBLISHED"
        return {"Name": function["Name"], "Status": status, "FunctionConfig": held["FunctionConfig"],
                "FunctionMetadata": {"FunctionARN": function["FunctionARN"], "Stage": stage,
                                     "CreatedTime": function["CreatedTime"],
                                     "LastModifiedTime": held["LastModifiedTime"]}}
