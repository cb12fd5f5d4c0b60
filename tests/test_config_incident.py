"""The notes' "incident analysis" use: a change's configuration item names the CloudTrail event of the call
that made it (``relatedEvents``), so Config's history joins CloudTrail's record of who changed what, by
request and time."""
from __future__ import annotations

import json

from nimbus.core.event_ids import cloudtrail_event_id
from nimbus.core.events import RESOURCE_CHANGE, ResourceChangeEvent
from nimbus.services.config.engine import engine_for
from tests.support import config_history, start_recording, unique


def test_config_history_joins_cloudtrail_events(aws):
    s3, config, cloudtrail = aws("s3"), aws("config"), aws("cloudtrail")
    start_recording(aws)
    bucket = unique("incident")
    s3.create_bucket(Bucket=bucket)
    account = aws("sts").get_caller_identity()["Account"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                                                      "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}
    answer = s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    request_id = answer["ResponseMetadata"]["RequestId"]
    changed = config_history(config, "AWS::S3::Bucket", bucket)[-1]
    assert json.loads(changed["supplementaryConfiguration"]["BucketPolicy"])["policyText"]
    related = set(changed["relatedEvents"])  # every call the item records the effect of
    events = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                         "AttributeValue": "PutBucketPolicy"}])["Events"]
    [event] = [e for e in events if e["EventId"] in related]
    record = json.loads(event["CloudTrailEvent"])
    assert record["requestID"] == request_id and record["requestParameters"]["bucketName"] == bucket
    assert event["EventTime"] <= changed["configurationItemCaptureTime"]
    assert event["Username"]  # who made the change


def test_a_change_described_before_its_event_arrives_names_the_call(server, aws):
    """Config's tick may describe a resource between a call and the call's event reaching Config (events are
    handed over just after the call): the item that shows the change then names the call when its event comes."""
    s3, config = aws("s3"), aws("config")
    start_recording(aws)
    engine = engine_for(server.runtime)
    changes: list[ResourceChangeEvent] = []
    server.runtime.events.subscribe(RESOURCE_CHANGE, changes.append)
    server.runtime.events.unsubscribe(RESOURCE_CHANGE, engine.on_change)
    try:
        bucket = unique("described-early")
        s3.create_bucket(Bucket=bucket)
        put_id = s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "a"}]})[
            "ResponseMetadata"]["RequestId"]
        server.runtime.events.flush()
        created, tagged = [e for e in changes if e.resource_arn == f"arn:aws:s3:::{bucket}"]
        engine.on_change(created)
        engine.tick()  # describes the bucket as it is now: tagged
        engine.on_change(tagged)
        engine.tick()  # nothing more to record
    finally:
        server.runtime.events.subscribe(RESOURCE_CHANGE, engine.on_change)
        server.runtime.events.unsubscribe(RESOURCE_CHANGE, changes.append)
    [item] = config_history(config, "AWS::S3::Bucket", bucket)
    assert item["tags"] == {"team": "a"}
    assert cloudtrail_event_id(put_id) in item["relatedEvents"]
    assert len(item["relatedEvents"]) == 2  # the creation's too
