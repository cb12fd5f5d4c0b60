"""Trails: create, update, describe, delete, logging on/off, tags and event selectors."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.resource_change import Change
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail import checks, selectors
from nimbus.services.cloudtrail.documents import TRAIL, Trail
from nimbus.services.cloudtrail.engine import engine_for, trails_ns
from nimbus.services.cloudtrail.state import CloudTrailState

TRAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{1,126}[A-Za-z0-9]$")
MAX_TRAILS_PER_REGION = 5
PUBLIC_FIELDS = ("Name", "S3BucketName", "S3KeyPrefix", "SnsTopicName", "SnsTopicARN",
                 "IncludeGlobalServiceEvents", "IsMultiRegionTrail", "HomeRegion", "TrailARN",
                 "LogFileValidationEnabled", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn", "KmsKeyId",
                 "HasCustomEventSelectors", "HasInsightSelectors", "IsOrganizationTrail")
OUTPUT_FIELDS = ("Name", "S3BucketName", "S3KeyPrefix", "SnsTopicName", "SnsTopicARN",
                 "IncludeGlobalServiceEvents", "IsMultiRegionTrail", "TrailARN", "LogFileValidationEnabled",
                 "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn", "KmsKeyId", "IsOrganizationTrail")


def not_found(name: str, account: str, region: str) -> ServiceError:
    return ServiceError("TrailNotFoundException", f"Unknown trail: {name} for the user: {account}", status=400)


def check_name(name: str) -> None:
    if not TRAIL_NAME.match(name) or re.search(r"[._\-]{2}", name) or \
            re.match(r"^\d{1,3}(\.\d{1,3}){3}$", name):
        raise ServiceError("InvalidTrailNameException",
                           "Trail name must starts with a letter or number, end with a letter or number, be "
                           "between 3 and 128 characters, have no adjacent periods, underscores or dashes, "
                           "and not be formatted as an IP address.", status=400)


class TrailOps(CloudTrailState):
    # -- lookups -------------------------------------------------------------------------------------

    def _all_trails(self, account: str) -> list[Trail]:
        found: list[Trail] = []
        for ns in self.store.namespaces(("cloudtrail", account)):
            if len(ns) == 4 and ns[3] == "trails":
                found.extend(doc for _, doc in TRAIL.scan(self.store, ns))
        return found

    def _trail(self, ctx: RequestContext, name: str, shadows: bool = True) -> Trail:
        """A trail by name or ARN; multi-region trails are visible (read-only) from every region."""
        if name.startswith("arn:"):
            parts = name.split(":")
            if len(parts) < 6 or not parts[5].startswith("trail/"):
                raise ServiceError("InvalidTrailNameException", f"Invalid trail ARN: {name}", status=400)
            account, region, short = parts[4], parts[3], parts[5][len("trail/"):]
            doc = TRAIL.get(self.store, trails_ns(account, region), short)
            if doc is None or (region != ctx.region and not (shadows and doc["IsMultiRegionTrail"])):
                raise not_found(name, ctx.account_id, ctx.region)
            return doc
        check_name(name) if len(name) >= 3 else None
        doc = TRAIL.get(self.store, trails_ns(ctx.account_id, ctx.region), name)
        if doc is None and shadows:
            doc = next((t for t in self._all_trails(ctx.account_id)
                        if t["Name"] == name and t["IsMultiRegionTrail"]), None)
        if doc is None:
            raise not_found(name, ctx.account_id, ctx.region)
        return doc

    def _home_trail(self, ctx: RequestContext, name: str) -> Trail:
        doc = self._trail(ctx, name)
        if doc["HomeRegion"] != ctx.region:
            raise ServiceError("InvalidHomeRegionException",
                               f"This operation must be called from the trail's home region {doc['HomeRegion']}.",
                               status=400)
        return doc

    def _save(self, ctx: RequestContext, doc: Trail, change: Change = "updated") -> None:
        TRAIL.put(self.store, trails_ns(ctx.account_id, doc["HomeRegion"]), doc["Name"], doc)
        engine_for(ctx.runtime).trails_changed()
        name = doc["Name"]
        ctx.emit_resource_change("AWS::CloudTrail::Trail", doc["TrailARN"], change, lambda: {"Name": name})

    @staticmethod
    def _output(doc: Mapping[str, Any], fields: tuple[str, ...] = OUTPUT_FIELDS) -> dict:
        return {k: doc[k] for k in fields if doc.get(k) is not None}

    # -- destinations ------------------------------------------------------------------------------------

    def _apply_destinations(self, ctx: RequestContext, doc: Trail, params: dict) -> None:
        arn = doc["TrailARN"]
        if "S3BucketName" in params:  # a trail always has a bucket: an empty name is checked, and is none
            doc["S3BucketName"] = params["S3BucketName"]
        for field in ("S3KeyPrefix", "IncludeGlobalServiceEvents", "IsMultiRegionTrail",
                      "IsOrganizationTrail", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn"):
            if field in params:
                doc[field] = params[field] if params[field] != "" else None
        if "EnableLogFileValidation" in params:
            doc["LogFileValidationEnabled"] = params["EnableLogFileValidation"]
        prefix = doc.get("S3KeyPrefix")
        if prefix and len(prefix) > 200:
            raise ServiceError("InvalidS3PrefixException", "S3 key prefix must be at most 200 characters.",
                               status=400)
        if not doc["IncludeGlobalServiceEvents"] and doc["IsMultiRegionTrail"]:
            raise ServiceError("InvalidParameterCombinationException",
                               "Multi-Region trail must include global service events.", status=400)
        if "S3BucketName" in params or "S3KeyPrefix" in params:
            checks.check_bucket(ctx, doc["S3BucketName"], prefix, arn)
        if "SnsTopicName" in params:
            if params["SnsTopicName"]:
                doc["SnsTopicARN"] = checks.resolve_topic(ctx, params["SnsTopicName"], arn)
                doc["SnsTopicName"] = doc["SnsTopicARN"]
            else:
                doc["SnsTopicARN"] = doc["SnsTopicName"] = None
        if "KmsKeyId" in params:
            doc["KmsKeyId"] = checks.resolve_key(ctx, params["KmsKeyId"], arn) if params["KmsKeyId"] else None
        if "CloudWatchLogsLogGroupArn" in params or "CloudWatchLogsRoleArn" in params:
            checks.check_log_group(ctx, doc.get("CloudWatchLogsLogGroupArn"), doc.get("CloudWatchLogsRoleArn"), arn)

    # -- operations ----------------------------------------------------------------------------------

    def create_trail(self, ctx: RequestContext, params: dict) -> dict:
        name = params["Name"]
        check_name(name)
        ns = trails_ns(ctx.account_id, ctx.region)
        if TRAIL.get(self.store, ns, name) is not None or any(
                t["Name"] == name and t["IsMultiRegionTrail"] for t in self._all_trails(ctx.account_id)):
            raise ServiceError("TrailAlreadyExistsException", f"Trail {name} already exists for customer: "
                               f"{ctx.account_id}", status=400)
        if len(self.store.scan(ns)) >= MAX_TRAILS_PER_REGION:
            raise ServiceError("MaximumNumberOfTrailsExceededException",
                               f"User: {ctx.account_id} already has {MAX_TRAILS_PER_REGION} trails in "
                               f"{ctx.region}.", status=400)
        doc: Trail = {
            "Name": name, "HomeRegion": ctx.region, "TrailARN": ctx.arn(f"trail/{name}"),
            "S3BucketName": params["S3BucketName"], "IncludeGlobalServiceEvents": True, "IsMultiRegionTrail": False,
            "LogFileValidationEnabled": False, "HasCustomEventSelectors": False, "HasInsightSelectors": False,
            "IsOrganizationTrail": False, "IsLogging": False,
            "Tags": {t["Key"]: t.get("Value", "") for t in params.get("TagsList") or []}}
        self._apply_destinations(ctx, doc, params)
        self._save(ctx, doc, "created")
        return self._output(doc)

    def update_trail(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._home_trail(ctx, params["Name"])
        was_validating = doc["LogFileValidationEnabled"]
        self._apply_destinations(ctx, doc, params)
        self._save(ctx, doc)
        if doc["LogFileValidationEnabled"] != was_validating:
            engine_for(ctx.runtime).validation_changed(ctx.account_id, doc)
        return self._output(doc)

    def delete_trail(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._home_trail(ctx, params["Name"])
        self.store.delete(trails_ns(ctx.account_id, doc["HomeRegion"]), doc["Name"])
        engine_for(ctx.runtime).trail_deleted(ctx.account_id, doc)
        ctx.emit_resource_change("AWS::CloudTrail::Trail", doc["TrailARN"], "deleted")
        return {}

    def get_trail(self, ctx: RequestContext, params: dict) -> dict:
        return {"Trail": self._output(self._trail(ctx, params["Name"]), PUBLIC_FIELDS)}

    def describe_trails(self, ctx: RequestContext, params: dict) -> dict:
        shadows = params.get("includeShadowTrails", True)
        wanted = params.get("trailNameList")
        if wanted:
            found = []
            for name in wanted:
                try:
                    found.append(self._trail(ctx, name, shadows))
                except ServiceError as error:
                    if error.code != "TrailNotFoundException":
                        raise
        else:
            found = [t for t in self._all_trails(ctx.account_id)
                     if t["HomeRegion"] == ctx.region or (shadows and t["IsMultiRegionTrail"])]
        return {"trailList": [self._output(t, PUBLIC_FIELDS) for t in found]}

    def list_trails(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("NextToken"):
            raise ServiceError("InvalidTokenException", "Invalid NextToken.", status=400)
        found = [t for t in self._all_trails(ctx.account_id)
                 if t["HomeRegion"] == ctx.region or t["IsMultiRegionTrail"]]
        return {"Trails": [{"TrailARN": t["TrailARN"], "Name": t["Name"], "HomeRegion": t["HomeRegion"]}
                           for t in found]}

    def start_logging(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._home_trail(ctx, params["Name"])
        if not doc["IsLogging"]:
            doc["IsLogging"] = True
            self._save(ctx, doc)
            engine_for(ctx.runtime).logging_started(ctx.account_id, doc)
        return {}

    def stop_logging(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._home_trail(ctx, params["Name"])
        if doc["IsLogging"]:
            doc["IsLogging"] = False
            self._save(ctx, doc)
            engine_for(ctx.runtime).logging_stopped(ctx.account_id, doc)
        return {}

    def get_trail_status(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._trail(ctx, params["Name"])
        return engine_for(ctx.runtime).status(ctx.account_id, doc)

    # -- selectors -------------------------------------------------------------------------------------

    def put_event_selectors(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._home_trail(ctx, params["TrailName"])
        basic, advanced = params.get("EventSelectors"), params.get("AdvancedEventSelectors")
        if basic is not None and advanced is not None:
            raise ServiceError("InvalidParameterCombinationException",
                               "You cannot specify both EventSelectors and AdvancedEventSelectors.", status=400)
        doc.pop("EventSelectors", None)
        doc.pop("AdvancedEventSelectors", None)
        if basic is not None:
            doc["EventSelectors"] = selectors.validate_basic(basic)
        elif advanced is not None:
            doc["AdvancedEventSelectors"] = selectors.validate_advanced(advanced)
        else:
            raise selectors.invalid("You must specify EventSelectors or AdvancedEventSelectors.")
        doc["HasCustomEventSelectors"] = True
        self._save(ctx, doc)
        return self._output(doc, ("TrailARN", "EventSelectors", "AdvancedEventSelectors"))

    def get_event_selectors(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._trail(ctx, params["TrailName"])
        if doc.get("AdvancedEventSelectors"):
            return self._output(doc, ("TrailARN", "AdvancedEventSelectors"))
        return {"TrailARN": doc["TrailARN"], "EventSelectors": doc.get("EventSelectors") or selectors.DEFAULT}

    # -- tags --------------------------------------------------------------------------------------------

    def add_tags(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._trail(ctx, params["ResourceId"])
        tags = {**doc.get("Tags", {}), **{t["Key"]: t.get("Value", "") for t in params.get("TagsList") or []}}
        if len(tags) > MAX_TAGS:
            raise ServiceError("TagsLimitExceededException", f"A trail can have at most {MAX_TAGS} tags.", status=400)
        doc["Tags"] = tags
        self._save(ctx, doc)
        return {}

    def remove_tags(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._trail(ctx, params["ResourceId"])
        for tag in params.get("TagsList") or []:
            doc.get("Tags", {}).pop(tag["Key"], None)
        self._save(ctx, doc)
        return {}

    def list_tags(self, ctx: RequestContext, params: dict) -> dict:
        out = []
        for arn in params["ResourceIdList"]:
            doc = self._trail(ctx, arn)
            out.append({"ResourceId": doc["TrailARN"],
                        "TagsList": [{"Key": k, "Value": v} for k, v in doc.get("Tags", {}).items()]})
        return {"ResourceTagList": out}
