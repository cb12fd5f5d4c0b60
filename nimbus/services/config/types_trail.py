"""AWS::CloudTrail::Trail as AWS Config records it: the trail's CloudFormation properties, whether it logs,
and its relationships to the bucket it writes to and the KMS key and topic it uses."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.services.config.described import Described, relationship, supports, tag_map

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

TRAIL = "AWS::CloudTrail::Trail"


def describe_trail(reader: Reader, arn: str) -> Described | None:
    found = reader.optional("cloudtrail", "GetTrail", {"Name": arn}, ("TrailNotFoundException",))
    if found is None:
        return None
    trail = found["Trail"]
    logging = reader.call("cloudtrail", "GetTrailStatus", {"Name": arn}).get("IsLogging", False)
    tagged = reader.call("cloudtrail", "ListTags", {"ResourceIdList": [arn]}).get("ResourceTagList", [])
    tags = tag_map(tagged[0].get("TagsList") if tagged else [])
    configuration = {
        "TrailName": trail["Name"], "Arn": arn, "S3BucketName": trail.get("S3BucketName"),
        "S3KeyPrefix": trail.get("S3KeyPrefix"), "SnsTopicArn": trail.get("SnsTopicARN"),
        "IncludeGlobalServiceEvents": trail.get("IncludeGlobalServiceEvents"),
        "IsMultiRegionTrail": trail.get("IsMultiRegionTrail"),
        "EnableLogFileValidation": trail.get("LogFileValidationEnabled"), "KMSKeyId": trail.get("KmsKeyId"),
        "CloudWatchLogsLogGroupArn": trail.get("CloudWatchLogsLogGroupArn"),
        "CloudWatchLogsRoleArn": trail.get("CloudWatchLogsRoleArn"), "IsLogging": logging,
        "IsOrganizationTrail": trail.get("IsOrganizationTrail", False),
    }
    related = []
    if trail.get("S3BucketName"):
        related.append(relationship("AWS::S3::Bucket", trail["S3BucketName"], "Is associated with Bucket",
                                    trail["S3BucketName"]))
    if trail.get("KmsKeyId"):
        key_id = trail["KmsKeyId"].rsplit("/", 1)[-1]
        related.append(relationship("AWS::KMS::Key", key_id, "Is associated with KMSKey", key_id))
    if trail.get("SnsTopicARN"):
        related.append(relationship("AWS::SNS::Topic", trail["SnsTopicARN"].rsplit(":", 1)[-1],
                                    "Is associated with Topic", trail["SnsTopicARN"]))
    return Described(resource_id=trail["Name"], name=trail["Name"], arn=arn, configuration=configuration, tags=tags,
                     relationships=related)


def discover_trails(reader: Reader) -> list[str]:
    trails = reader.call("cloudtrail", "DescribeTrails", {"includeShadowTrails": False}).get("trailList", [])
    return [trail["TrailARN"] for trail in trails]


supports(TRAIL, describe_trail, discover_trails)
