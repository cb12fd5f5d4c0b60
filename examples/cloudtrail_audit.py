"""CloudTrail as the audit trail of "who did what", step by step, against a running nimbus.

From the CloudTrail notes: a trail logs every API call to an S3 bucket (SSE-encrypted by default), can
also send the events to CloudWatch Logs, and can tell an SNS topic each time a new log file lands in
S3. It covers all Regions by default, and is used to check for unauthorized access.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/cloudtrail_audit.py
"""
from __future__ import annotations

import gzip
import json
import uuid

from botocore.exceptions import ClientError
from common import Inbox, clients, wait_for


def allow_cloudtrail(action: str, resource: str, **condition) -> dict:
    statement = {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def main(endpoint: str | None = None) -> dict:
    aws = clients(endpoint)
    s3, sns, logs, iam, cloudtrail = (aws(s) for s in ("s3", "sns", "logs", "iam", "cloudtrail"))
    account = aws("sts").get_caller_identity()["Account"]
    suffix = uuid.uuid4().hex[:8]

    # Step 1: a bucket CloudTrail may write to (its policy names the CloudTrail service).
    bucket = f"audit-logs-{suffix}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        allow_cloudtrail("s3:GetBucketAcl", f"arn:aws:s3:::{bucket}"),
        allow_cloudtrail("s3:PutObject", f"arn:aws:s3:::{bucket}/AWSLogs/{account}/*",
                         StringEquals={"s3:x-amz-acl": "bucket-owner-full-control"})]}))
    print(f"1. created bucket {bucket} with a policy that lets CloudTrail write")

    # Step 2: an SNS topic told about each new log file, with an HTTP subscriber.
    inbox = Inbox()
    topic = sns.create_topic(Name=f"audit-files-{suffix}")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow_cloudtrail("SNS:Publish", topic)]}))
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=inbox.url)
    confirmation = wait_for("subscription confirmation",
                            lambda: inbox.of_type("SubscriptionConfirmation"))
    sns.confirm_subscription(TopicArn=topic, Token=confirmation[0]["Token"])
    print(f"2. topic {topic.rsplit(':', 1)[1]} has a confirmed HTTP subscriber")

    # Step 3: a CloudWatch Logs group, and a role CloudTrail assumes to write to it.
    group = f"audit-events-{suffix}"
    logs.create_log_group(logGroupName=group)
    role = iam.create_role(RoleName=f"audit-to-logs-{suffix}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "cloudtrail.amazonaws.com"}}]}))
    print(f"3. created log group {group} and role {role['Role']['RoleName']}")

    # Step 4: an all-Regions trail (the default in the console), logging from now on.
    trail = cloudtrail.create_trail(
        Name=f"audit-{suffix}", S3BucketName=bucket, SnsTopicName=topic, IsMultiRegionTrail=True,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{logs.meta.region_name}:{account}:log-group:{group}:*",
        CloudWatchLogsRoleArn=role["Role"]["Arn"])
    cloudtrail.start_logging(Name=trail["TrailARN"])
    print(f"4. trail {trail['Name']} logs all Regions: {trail['IsMultiRegionTrail']}")

    # Step 5: someone does something, and someone tries something that fails.
    iam.create_user(UserName=f"alice-{suffix}")
    denied = None
    try:
        aws("kms").describe_key(KeyId="alias/does-not-exist")
    except ClientError as error:
        denied = error.response["Error"]["Code"]
    print(f"5. created user alice-{suffix}; a KMS call failed with {denied}")

    # Step 6: who did what: the event history answers at once, before any file is delivered.
    events = cloudtrail.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "CreateUser"}])["Events"]
    mine = [e for e in events if f"alice-{suffix}" in e["CloudTrailEvent"]]
    who = json.loads(mine[0]["CloudTrailEvent"])["userIdentity"]["arn"]
    print(f"6. LookupEvents: CreateUser of alice-{suffix} was made by {who}")

    # Step 7: the log files land in S3, gzipped JSON, encrypted with SSE by default.
    def delivered_records():
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="AWSLogs/").get("Contents", [])
                if "/CloudTrail/" in o["Key"]]
        records = []
        for key in keys:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            records.extend(dict(r, _key=key) for r in json.loads(gzip.decompress(body))["Records"])
        return [r for r in records if r["eventName"] == "DescribeKey" and r.get("errorCode")]

    failed_call = wait_for("log file with the failed call", delivered_records)[0]
    encryption = s3.head_object(Bucket=bucket, Key=failed_call["_key"])["ServerSideEncryption"]
    print(f"7. log file {failed_call['_key'].rsplit('/', 1)[1]} ({encryption}) records the failed call: "
          f"{failed_call['errorCode']} from {failed_call['sourceIPAddress']}")

    # Step 8: SNS told the subscriber about the new file.
    notice = wait_for("file notification", lambda: [
        json.loads(m["Message"]) for m in inbox.of_type("Notification")
        if failed_call["_key"] in json.loads(m["Message"])["s3ObjectKey"]])[0]
    print(f"8. SNS notification names s3://{notice['s3Bucket']}/{notice['s3ObjectKey'][0]}")

    # Step 9: the same events reach CloudWatch Logs, one stream per account and Region.
    stream = f"{account}_CloudTrail_{logs.meta.region_name}"
    in_logs = wait_for("events in CloudWatch Logs", lambda: [
        json.loads(e["message"]) for e in logs.filter_log_events(
            logGroupName=group, logStreamNames=[stream], filterPattern='{ $.eventName = "CreateUser" }')["events"]])
    print(f"9. CloudWatch Logs stream {stream} holds {len(in_logs)} CreateUser event(s)")

    cloudtrail.stop_logging(Name=trail["TrailARN"])
    inbox.close()
    return {"who": who, "failed_call": failed_call["errorCode"], "encryption": encryption,
            "notified": notice["s3ObjectKey"], "logs_events": len(in_logs)}


if __name__ == "__main__":
    main()
