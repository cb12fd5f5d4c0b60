"""Managed Service for Apache Flink applications as AWS Config records them
(``AWS::KinesisAnalyticsV2::Application``): resourceId the name, the configuration DescribeApplication's
detail without what running changes (status, the snapshot of its run), with its tags; related to its service
execution role. AWS Config has no type for Kinesis Analytics v1 (SQL) applications."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.services.config.described import Described, arn_name, epoch, every_page, relationship, supports, tag_map

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

APPLICATION = "AWS::KinesisAnalyticsV2::Application"
_RUN_STATE = ("ApplicationStatus", "ApplicationVersionRolledBackFrom", "ApplicationVersionRolledBackTo",
              "ApplicationVersionCreateTimestamp", "ApplicationOperationsStatus")


def describe_application(reader: Reader, arn: str) -> Described | None:
    name = arn_name(arn)
    found = reader.optional("kinesisanalyticsv2", "DescribeApplication", {"ApplicationName": name},
                            ("ResourceNotFoundException",))
    if found is None:
        return None
    detail = {k: v for k, v in found["ApplicationDetail"].items() if k not in _RUN_STATE}
    for key in ("CreateTimestamp", "LastUpdateTimestamp"):
        if key in detail:
            detail[key] = epoch(detail[key])
    tags = tag_map(reader.call("kinesisanalyticsv2", "ListTagsForResource", {"ResourceARN": arn}).get("Tags"))
    role = detail.get("ServiceExecutionRole")
    related = [relationship("AWS::IAM::Role", role.rsplit("/", 1)[-1], "Is associated with Role")] if role else []
    return Described(resource_id=name, name=name, arn=arn, configuration=detail, tags=tags,
                     relationships=related, created=detail.get("CreateTimestamp"))


def discover_applications(reader: Reader) -> list[str]:
    return [app["ApplicationARN"] for app in
            every_page(reader, "kinesisanalyticsv2", "ListApplications", "ApplicationSummaries")]


supports(APPLICATION, describe_application, discover_applications)
