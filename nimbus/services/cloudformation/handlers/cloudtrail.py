"""AWS::CloudTrail::Trail, through CloudTrail's own API: the trail, its event selectors, tags, and
``IsLogging``, which starts and stops logging. CloudTrail checks the bucket's policy (the template writes
it, as an AWS::S3::BucketPolicy the trail depends on) when the trail is made or its bucket changes."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

from .base import Api, Created, Handler, boolean, required, tag_list
from .shapes import conform

# Template properties and the CreateTrail/UpdateTrail members they are; an empty string removes one.
_MEMBERS = {"S3BucketName": "S3BucketName", "S3KeyPrefix": "S3KeyPrefix", "SnsTopicName": "SnsTopicName",
            "IncludeGlobalServiceEvents": "IncludeGlobalServiceEvents", "IsMultiRegionTrail": "IsMultiRegionTrail",
            "EnableLogFileValidation": "EnableLogFileValidation", "KMSKeyId": "KmsKeyId",
            "CloudWatchLogsLogGroupArn": "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn": "CloudWatchLogsRoleArn",
            "IsOrganizationTrail": "IsOrganizationTrail"}
_REMOVABLE = ("S3KeyPrefix", "SnsTopicName", "KMSKeyId", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn")
_SELECTORS = ("EventSelectors", "AdvancedEventSelectors")
_UNSERVED = ("AggregationConfigurations",)


def _members(properties: dict, old: dict | None = None) -> dict:
    members = {api: properties[cfn] for cfn, api in _MEMBERS.items() if cfn in properties}
    for cfn in _REMOVABLE:
        if old and cfn in old and cfn not in properties:
            members[_MEMBERS[cfn]] = ""
    return members


class Trail(Handler):
    type_name = "AWS::CloudTrail::Trail"

    def create(self, api: Api, properties: dict) -> Created:
        required(properties, "S3BucketName", "IsLogging")
        unserved = [p for p in _UNSERVED if properties.get(p)]
        if unserved:
            raise ServiceError("NotSupported", f"nimbus does not serve CloudTrail {unserved[0]}", status=400)
        name = properties.get("TrailName") or api.physical_name(128)
        params = {"Name": name, **_members(properties)}
        if properties.get("Tags"):
            params["TagsList"] = tag_list(properties["Tags"])
        trail = api.call("cloudtrail", "CreateTrail", conform("cloudtrail", "CreateTrail", params))
        self.update(api, name, {"IsLogging": False, **{k: v for k, v in properties.items() if k in _MEMBERS or k == "Tags"}},
                    properties)
        return Created(name, {"Arn": trail["TrailARN"], "SnsTopicArn": trail.get("SnsTopicARN", "")})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        trail = {"Name": physical_id}
        if _members(old) != _members(new):
            api.call("cloudtrail", "UpdateTrail", conform("cloudtrail", "UpdateTrail", {**trail, **_members(new, old)}))
        if any(old.get(s) != new.get(s) for s in _SELECTORS):
            given = {s: new[s] for s in _SELECTORS if new.get(s)} or {"EventSelectors": [
                {"ReadWriteType": "All", "IncludeManagementEvents": True}]}  # CloudTrail's default selector
            api.call("cloudtrail", "PutEventSelectors", conform("cloudtrail", "PutEventSelectors",
                                                                {"TrailName": physical_id, **given}))
        if old.get("InsightSelectors") != new.get("InsightSelectors"):  # none given turns Insights off
            api.call("cloudtrail", "PutInsightSelectors", {"TrailName": physical_id,
                                                           "InsightSelectors": new.get("InsightSelectors") or []})
        if boolean(old.get("IsLogging", False)) != boolean(new["IsLogging"]):
            api.call("cloudtrail", "StartLogging" if boolean(new["IsLogging"]) else "StopLogging", trail)
        if old.get("Tags") != new.get("Tags"):
            arn = api.arn("cloudtrail", f"trail/{physical_id}")
            if old.get("Tags"):
                api.call("cloudtrail", "RemoveTags", {"ResourceId": arn, "TagsList": tag_list(old["Tags"])})
            if new.get("Tags"):
                api.call("cloudtrail", "AddTags", {"ResourceId": arn, "TagsList": tag_list(new["Tags"])})
        described = api.call("cloudtrail", "GetTrail", trail)["Trail"]
        return {"Arn": described["TrailARN"], "SnsTopicArn": described.get("SnsTopicARN", "")}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        api.call("cloudtrail", "DeleteTrail", {"Name": physical_id})

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        trail = api.call("cloudtrail", "GetTrail", {"Name": physical_id})["Trail"]
        live = {cfn: trail[api_name] for cfn, api_name in _MEMBERS.items()
                if api_name in trail and api_name != "EnableLogFileValidation"}
        live["EnableLogFileValidation"] = trail.get("LogFileValidationEnabled", False)
        if "SnsTopicName" in live:  # CloudTrail answers the topic's ARN where the template may name it
            live["SnsTopicName"] = properties.get("SnsTopicName", live["SnsTopicName"])
        live["IsLogging"] = api.call("cloudtrail", "GetTrailStatus", {"Name": physical_id})["IsLogging"]
        selectors = api.call("cloudtrail", "GetEventSelectors", {"TrailName": physical_id})
        for key in _SELECTORS:
            if selectors.get(key) and (key in properties or trail.get("HasCustomEventSelectors")):
                live[key] = selectors[key]
        if trail.get("HasInsightSelectors"):
            live["InsightSelectors"] = api.call("cloudtrail", "GetInsightSelectors",
                                                {"TrailName": physical_id})["InsightSelectors"]
        tags = api.call("cloudtrail", "ListTags", {"ResourceIdList": [trail["TrailARN"]]})["ResourceTagList"]
        if tags and tags[0].get("TagsList"):
            live["Tags"] = tags[0]["TagsList"]
        return live
