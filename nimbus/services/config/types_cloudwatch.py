"""CloudWatch metric alarms as AWS Config records them (``AWS::CloudWatch::Alarm``): DescribeAlarms' alarm in
camelCase, with its tags; the SNS topics among its actions are related resources. Metric streams
(``AWS::CloudWatch::MetricStream``): GetMetricStream's answer with ``Tags`` (the resource's CloudFormation
properties), related to its Firehose delivery stream and role."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.core.times import epoch
from nimbus.services.config.described import Described, arn_name, every_page, relationship, supports, tag_map
from nimbus.services.config.types_regional import camel

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

ALARM = "AWS::CloudWatch::Alarm"
METRIC_STREAM = "AWS::CloudWatch::MetricStream"
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


def describe_metric_stream(reader: Reader, arn: str) -> Described | None:
    name = arn.split(":metric-stream/", 1)[-1]
    found = reader.optional("cloudwatch", "GetMetricStream", {"Name": name}, ("ResourceNotFoundException",))
    if found is None:
        return None
    stream = {k: v for k, v in found.items() if k != "ResponseMetadata"}
    for key in ("CreationDate", "LastUpdateDate"):
        stream[key] = epoch(stream[key])
    tags = tag_map(reader.call("cloudwatch", "ListTagsForResource", {"ResourceARN": arn}).get("Tags", []))
    firehose = stream["FirehoseArn"]
    related = [relationship("AWS::KinesisFirehose::DeliveryStream", arn_name(firehose), "Is associated with ",
                            arn_name(firehose)),
               relationship("AWS::IAM::Role", arn_name(stream["RoleArn"]), "Is associated with Role")]
    configuration = {**stream, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    return Described(resource_id=name, name=name, arn=arn, configuration=configuration, tags=tags,
                     relationships=related, created=stream["CreationDate"])


def discover_metric_streams(reader: Reader) -> list[str]:
    return [s["Arn"] for s in every_page(reader, "cloudwatch", "ListMetricStreams", "Entries")]


supports(METRIC_STREAM, describe_metric_stream, discover_metric_streams)
