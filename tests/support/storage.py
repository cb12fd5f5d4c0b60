"""S3 and CloudTrail: buckets, objects, trail buckets, delivered log files and one call to every service."""
from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth

from tests.support.basics import AWS_CLI, error_of, on_loopback, signed, unique

# --- S3 -------------------------------------------------------------------------------------------

def new_bucket(s3, prefix: str = "bucket") -> str:
    name = unique(prefix)
    s3.create_bucket(Bucket=name)
    return name


def objects(s3, bucket_name: str, prefix: str = "") -> dict[str, bytes]:
    """Every object under ``prefix``: key → body."""
    listed = s3.list_objects_v2(Bucket=bucket_name, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket_name, Key=o["Key"])["Body"].read() for o in listed}


def open_to_anyone(s3, bucket: str, actions=("s3:GetObject",), resource: str = "/*") -> None:
    """Lift the bucket's default Block Public Access and let anyone (anonymous callers too) do ``actions``."""
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": list(actions),
        "Resource": f"arn:aws:s3:::{bucket}{resource}"}]}))


# --- CloudTrail -----------------------------------------------------------------------------------

# What differs from answer to answer of the same read.
_PER_CALL = {"date", "x-amz-request-id", "x-amz-id-2"}


def s3_request_bytes(endpoint: str, path: str, method: str = "GET", body: bytes = b"", asgi: bool = False,
                     sign: bool = True, **headers: str) -> bytes:
    """A request for ``path`` signed for S3 (anonymous without ``sign``), as bytes to send by hand; ``asgi``: its
    body chunked (an empty one too), which only the ASGI path reads (a bodyless read may be answered straight from
    the connection: gateway/direct_answers.py)."""
    if sign:
        _, headers = signed(endpoint, "s3", method=method, path=path, body=body, headers=headers, signer=S3SigV4Auth)
    lines = [f"Host: {urlsplit(endpoint).netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    if asgi:
        lines.append("Transfer-Encoding: chunked")
        body = (b"%x\r\n%b\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    elif body:
        lines.append(f"Content-Length: {len(body)}")
    return (f"{method} {path} HTTP/1.1\r\n" + "\r\n".join(lines) + "\r\n\r\n").encode() + body


# Reads of a small object S3 answers on the event loop (gateway/direct_answers.py), by name, and their status.
LOOP_READS = {"whole": 200, "range": 206, "not-modified": 304, "precondition-failed": 412, "missing": 404,
              "overridden": 200, "head": 200, "head-missing": 404}


def loop_read(read: str, bucket: str, key: str, etag: str) -> tuple[str, str, dict[str, str]]:
    """The path, method and headers of the read ``read`` (one of ``LOOP_READS``) of ``key``, whose ETag is ``etag``."""
    path, headers = f"/{bucket}/{key}", {}
    if read == "range":
        headers = {"Range": "bytes=10-99"}
    elif read == "not-modified":
        headers = {"If-None-Match": etag}
    elif read == "precondition-failed":
        headers = {"If-Match": '"0123"'}
    elif read in ("missing", "head-missing"):
        path = f"/{bucket}/no-such-key"
    elif read == "overridden":
        path += "?response-content-type=application%2Fjson&response-cache-control=no-cache"
    return path, "HEAD" if read.startswith("head") else "GET", headers


def steady_answer(answer: tuple) -> tuple:
    """A raw answer (``read_answers``) with what differs from call to call masked: dates and request ids."""
    status, headers, body = answer
    body = re.sub(rb"<(RequestId|HostId)>[^<]*<", rb"<\1>-<", body)
    return status, [(name, "<varies>" if name in _PER_CALL else value) for name, value in headers], body


def bucket_policy(bucket: str, account: str, prefix: str = "") -> str:
    """The bucket policy AWS documents for a trail's bucket."""
    objects_arn = f"arn:aws:s3:::{bucket}/{prefix + '/' if prefix else ''}AWSLogs/{account}/*"
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": objects_arn,
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
    ]})


def trail_bucket(s3, account: str, prefix: str = "") -> str:
    """A bucket whose policy lets CloudTrail write."""
    name = new_bucket(s3, "ct-logs")
    s3.put_bucket_policy(Bucket=name, Policy=bucket_policy(name, account, prefix))
    return name


def _keys(s3, bucket: str, prefix: str = "") -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return keys


def log_files(s3, bucket: str, prefix: str = "") -> list[str]:
    return [k for k in _keys(s3, bucket, prefix) if "/CloudTrail/" in k]


def digested_log_files(s3, bucket: str) -> set[str]:
    """The log files the bucket's digest files list: what validate-logs checks. A file delivered after the last
    digest (a background tick while a slow test runs) waits for the next one."""
    listed: set[str] = set()
    for key in [k for k in _keys(s3, bucket) if "/CloudTrail-Digest/" in k]:
        digest = json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
        listed.update(entry["s3Object"] for entry in digest["logFiles"])
    return listed


def read_records(s3, bucket: str, key: str) -> list[dict]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(gzip.decompress(body))["Records"]


def all_records(s3, bucket: str) -> list[dict]:
    return [r for key in log_files(s3, bucket) for r in read_records(s3, bucket, key)]


def validate_logs(endpoint: str, trail_arn: str, start: datetime, end: datetime,
                  region: str = "us-east-1", key: str = "test") -> subprocess.CompletedProcess:
    """``aws cloudtrail validate-logs`` over [start, end] (widened by five minutes each way)."""
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": key,
           "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": region}
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return subprocess.run(
        [str(AWS_CLI), "cloudtrail", "validate-logs", "--trail-arn", trail_arn,
         "--start-time", (start - timedelta(minutes=5)).strftime(fmt),
         "--end-time", (end + timedelta(minutes=5)).strftime(fmt), "--verbose"],
        env=env, capture_output=True, text=True, timeout=120)


# One harmless call per nimbus service, so tests can check that every service's calls are on record.
ONE_CALL_PER_SERVICE = {
    "cloudcontrol": lambda aws: aws("cloudcontrol").list_resource_requests(),
    "cloudformation": lambda aws: aws("cloudformation").list_stacks(),
    "cloudfront": lambda aws: aws("cloudfront").list_distributions(),
    "cloudfront-keyvaluestore": lambda aws: on_loopback(aws("cloudfront-keyvaluestore")).describe_key_value_store(
        KvsARN=aws("cloudfront").create_key_value_store(Name=unique("kvs"))["KeyValueStore"]["ARN"]),
    "cloudtrail": lambda aws: aws("cloudtrail").list_trails(),
    "cloudwatch": lambda aws: aws("cloudwatch").list_metrics(),
    "cloudtrail-data": lambda aws: error_of(aws("cloudtrail-data").put_audit_events,
                                            channelArn="arn:aws:cloudtrail:us-east-1:000000000000:channel/none",
                                            auditEvents=[{"id": "1", "eventData": "{}"}]),
    "config": lambda aws: aws("config").describe_configuration_recorders(),
    "datapipeline": lambda aws: aws("datapipeline").list_pipelines(),
    "ecr": lambda aws: aws("ecr").describe_repositories(),
    "emr": lambda aws: aws("emr").list_clusters(),
    "firehose": lambda aws: aws("firehose").list_delivery_streams(),
    "iam": lambda aws: aws("iam").list_users(),
    "kinesis": lambda aws: aws("kinesis").list_streams(),
    "kinesisanalytics": lambda aws: aws("kinesisanalytics").list_applications(),
    "kinesisanalyticsv2": lambda aws: aws("kinesisanalyticsv2").list_applications(),
    "kms": lambda aws: aws("kms").list_keys(),
    "logs": lambda aws: aws("logs").describe_log_groups(),
    "s3": lambda aws: aws("s3").list_buckets(),
    "s3control": lambda aws: error_of(on_loopback(aws("s3control")).get_public_access_block,
                                      AccountId=aws("sts").get_caller_identity()["Account"]),
    "sns": lambda aws: aws("sns").list_topics(),
    "sqs": lambda aws: aws("sqs").list_queues(),
    "ssm": lambda aws: aws("ssm").describe_parameters(),
    "sts": lambda aws: aws("sts").get_caller_identity(),
    "support": lambda aws: aws("support").describe_trusted_advisor_checks(language="en"),
    "trustedadvisor": lambda aws: aws("trustedadvisor").list_checks(),
}


# Services whose records name them otherwise: their signing name (s3control's calls are S3's, as in AWS).
EVENT_SOURCES = {"cloudcontrol": "cloudcontrolapi", "cloudwatch": "monitoring", "emr": "elasticmapreduce",
                 "kinesisanalyticsv2": "kinesisanalytics", "s3control": "s3"}

# Services whose every call is a data event: a trail logs them only when its selectors name them.
DATA_EVENTS_ONLY = {"cloudtrail-data"}


def call_every_service(aws) -> set[str]:
    """Make one call to each service nimbus serves; the event sources their records must carry."""
    from nimbus.core.registry import implemented_service_names
    served = set(implemented_service_names())
    assert served <= set(ONE_CALL_PER_SERVICE), f"add a call for {served - set(ONE_CALL_PER_SERVICE)}"
    for service in sorted(served):
        ONE_CALL_PER_SERVICE[service](aws)
    return {f"{EVENT_SOURCES.get(service, service)}.amazonaws.com" for service in served - DATA_EVENTS_ONLY}


def new_event_data_store(ct, category: str = "Management") -> str:
    """A CloudTrail Lake event data store of ``category`` events (ActivityAuditLog: what channels bring),
    without termination protection: its ARN."""
    selectors = [{"Name": category, "FieldSelectors": [{"Field": "eventCategory", "Equals": [category]}]}]
    return ct.create_event_data_store(Name=unique("eds"), TerminationProtectionEnabled=False,
                                      AdvancedEventSelectors=selectors)["EventDataStoreArn"]
