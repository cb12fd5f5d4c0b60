"""The notes' "incident analysis" use: a change's configuration item names the CloudTrail event of the call
that made it (``relatedEvents``), so Config's history joins CloudTrail's record of who changed what, by
request and time."""
from __future__ import annotations

import json

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
