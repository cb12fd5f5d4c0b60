"""CloudWatch metric alarms as AWS Config records them (``AWS::CloudWatch::Alarm``): DescribeAlarms' alarm in
camelCase, with its tags; the SNS topics among its actions are related resources."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.core.times import epoch
from nimbus.services.config.described import Described, every_page, relationship, supports, tag_map
from nimbus.services.config.types_regional import camel

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

ALARM = "AWS::CloudWatch::Alarm"
_TIMES = ("AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp", "StateTransitionedTimestamp")


def describe_alarm(reader: Reader, arn: str) -> Described | None:
    name = arn.split(":alarm:", 1)[-1]
    alarms = reader.call("cloudwatch", "DescribeAlarms", {"AlarmNames": [name]}).get("MetricAlarms", [])
    if not alarms:
        return None
    alarm = dict(alarms[0])
    for key in _TIMES:
        if key in alarm:
            alarm[key] = epoch(alarm[key])
    tags = tag_map(reader.call("cloudwatch", "ListTagsForResource", {"ResourceARN": arn}).get("Tags", []))
    topics = {a for key in ("AlarmActions", "OKActions", "InsufficientDataActions") for a in alarm.get(key) or []
              if a.startswith("arn:aws:sns:")}
    related = [relationship("AWS::SNS::Topic", topic.rsplit(":", 1)[-1], "Is associated with ", topic)
               for topic in sorted(topics)]
    return Described(resource_id=name, name=name, arn=arn, configuration=camel(alarm), tags=tags,
                     relationships=related)


def discover_alarms(reader: Reader) -> list[str]:
    return [a["AlarmArn"] for a in every_page(reader, "cloudwatch", "DescribeAlarms", "MetricAlarms")]


supports(ALARM, describe_alarm, discover_alarms)
