"""Plain helpers every test module may use (fixtures live in conftest.py): unique names, a boto3 call's
error, the virtual clock, servers of a test's own, and what several services' tests share."""
from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from operator import itemgetter
from pathlib import Path

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from nimbus.config import Config
from nimbus.core.documents import VERSION_FIELD
from nimbus.core.secrets import root_key
from nimbus.server import ServerThread
from nimbus.store import open_store

AWS_CLI = Path(sys.executable).with_name("aws")
ACCOUNT = "000000000000"  # the account of the default test/test credentials


def unique(prefix: str) -> str:
    """A resource name no other test uses: they all share one server."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def account_key() -> str:
    """A fresh 12-digit access key id: nimbus treats it as its own account, so tests never see each
    other's resources or history."""
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


class AwsError(tuple):
    """How a boto3 call failed: equal to ``(code, HTTP status)``; ``message`` is AWS's wording."""

    code = property(itemgetter(0))
    status = property(itemgetter(1))

    def __new__(cls, code: str, status: int, message: str):
        error = super().__new__(cls, (code, status))
        error.message = message
        return error

    @property
    def worded(self) -> tuple[str, str]:
        """``(code, message)``, for tests that pin AWS's exact wording."""
        return self.code, self.message


def error_of(call, *args, **kwargs) -> AwsError:
    """The error a boto3 call fails with (the test fails if it succeeds or fails otherwise)."""
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    response = raised.value.response
    return AwsError(response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"],
                    response["Error"].get("Message", ""))


# parse_request's catch-all words every unexpected exception so (and chains it as the cause); the
# errors parsers mean to raise are never chained.
CATCH_ALL_MESSAGE = "The request could not be parsed ("


def assert_not_catch_all(error: Exception) -> None:
    """Fail if a ServiceError is a parser bug that the catch-all turned into an AWS-shaped error."""
    assert error.__cause__ is None, f"a parser bug behind {error!r}: {error.__cause__!r}"
    assert CATCH_ALL_MESSAGE not in str(getattr(error, "message", error)), error


# --- servers and clients --------------------------------------------------------------------------

def start_server(tmp_path: Path, **settings) -> ServerThread:
    """A server of a test's own (``with start_server(...) as own:``), for settings the shared one lacks."""
    config = Config(port=0, data_dir=str(tmp_path / "data"), **settings)
    return ServerThread(config)


def make_client(endpoint: str, service: str, region: str = "us-east-1", key: str = "test",
                secret: str = "test", token: str | None = None, **config):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=BotoConfig(retries={"max_attempts": 1}, **config),
    )


def root_client(running: ServerThread, service: str, **kwargs):
    """A client of a server of the test's own as its default account's root, with the key nimbus generated
    (what ``nimbus credentials`` prints): under --strict-auth the well-known test/test is refused."""
    key, secret = root_key(running.config.data_dir)
    return make_client(running.endpoint, service, key=key, secret=secret, **kwargs)


def send_signed(endpoint: str, service: str, body: bytes | str, headers: dict, key="test", secret="test",
                region="us-east-1", method="POST", path="/") -> requests.Response:
    """Send a SigV4-signed request of exactly these bytes, for bodies no SDK would send."""
    request = AWSRequest(method=method, url=endpoint + path, data=body, headers=headers)
    SigV4Auth(Credentials(key, secret), service, region).add_auth(request)
    prepared = request.prepare()
    return requests.request(method, prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=10)


def serve_subprocess(data_dir: str, port: int, **popen) -> subprocess.Popen:
    """``nimbus serve`` as its own process, for tests that kill -9 it; returns once it answers.
    ``popen`` goes to subprocess.Popen (``env``, ``preexec_fn``)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nimbus.cli", "serve", "--port", str(port), "--data-dir", data_dir],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **popen,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/_nimbus/health", timeout=1)
            return process
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(process.stderr.read().decode())


def signed(endpoint: str, service: str, method: str = "POST", path: str = "/", body: bytes = b"",
           headers: dict | None = None, key: str = "test", secret: str = "test",
           signer=SigV4Auth) -> tuple[str, dict[str, str]]:
    """``(url, headers)`` of a request signed by botocore's own signer, for tests that send it by hand (and
    then change or add to what was signed)."""
    request = AWSRequest(method=method, url=endpoint + path, data=body, headers=headers or {})
    signer(Credentials(key, secret), service, "us-east-1").add_auth(request)
    return request.url, dict(request.headers.items())


# --- the virtual clock ----------------------------------------------------------------------------

def advance_clock(endpoint: str, seconds: float) -> datetime:
    """Move the server's virtual clock; returns its new time. Services deliver what fell due
    (CloudTrail files, Firehose buffers) before the call returns, which on a loaded machine can take a
    while: hence the long timeout."""
    reply = requests.post(f"{endpoint}/_nimbus/clock", json={"advance_seconds": seconds}, timeout=120)
    reply.raise_for_status()
    return datetime.fromtimestamp(reply.json()["epoch"], tz=UTC)


def virtual_now(endpoint: str) -> datetime:
    """The server's virtual time (other tests move it forward by hours)."""
    epoch = requests.get(f"{endpoint}/_nimbus/clock", timeout=10).json()["epoch"]
    return datetime.fromtimestamp(epoch, tz=UTC)


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


def log_files(s3, bucket: str, prefix: str = "") -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return [k for k in keys if "/CloudTrail/" in k]


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
    "cloudformation": lambda aws: aws("cloudformation").list_stacks(),
    "cloudfront": lambda aws: aws("cloudfront").list_distributions(),
    "cloudtrail": lambda aws: aws("cloudtrail").list_trails(),
    "firehose": lambda aws: aws("firehose").list_delivery_streams(),
    "iam": lambda aws: aws("iam").list_users(),
    "kinesis": lambda aws: aws("kinesis").list_streams(),
    "kms": lambda aws: aws("kms").list_keys(),
    "logs": lambda aws: aws("logs").describe_log_groups(),
    "s3": lambda aws: aws("s3").list_buckets(),
    "sns": lambda aws: aws("sns").list_topics(),
    "ssm": lambda aws: aws("ssm").describe_parameters(),
    "sts": lambda aws: aws("sts").get_caller_identity(),
}


def call_every_service(aws) -> set[str]:
    """Make one call to each service nimbus serves; the event sources their records must carry."""
    from nimbus.core.registry import implemented_service_names
    served = set(implemented_service_names())
    assert served <= set(ONE_CALL_PER_SERVICE), f"add a call for {served - set(ONE_CALL_PER_SERVICE)}"
    for service in sorted(served):
        ONE_CALL_PER_SERVICE[service](aws)
    return {f"{service}.amazonaws.com" for service in served}


# --- Kinesis --------------------------------------------------------------------------------------

MAX_HASH_KEY = 2 ** 128 - 1


def wait_active(kinesis, endpoint: str, name: str) -> None:
    """Move the virtual clock past CREATING/UPDATING."""
    advance_clock(endpoint, 1)
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"


def active_stream(kinesis, endpoint: str, prefix: str = "stream", **create) -> str:
    """A new ACTIVE stream (one shard unless ``create`` says otherwise)."""
    name = unique(prefix)
    kinesis.create_stream(StreamName=name, **({"ShardCount": 1} | create))
    wait_active(kinesis, endpoint, name)
    return name


def read_shard(kinesis, name: str, shard_id: str, limit: int = 10000) -> list[dict]:
    """Every record of a shard from TRIM_HORIZON to its end (closed) or its current tip (open)."""
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while iterator:
        page = kinesis.get_records(ShardIterator=iterator, Limit=limit)
        records += page["Records"]
        iterator = page.get("NextShardIterator")
        if not page["Records"] and page["MillisBehindLatest"] == 0:
            break
    return records


CHANNEL_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "kinesis.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def on_demand_stream(aws, endpoint: str) -> tuple[str, str]:
    """(name, ARN) of a new ACTIVE on-demand stream."""
    kinesis = aws("kinesis")
    name = unique("chs")
    kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    wait_active(kinesis, endpoint, name)
    return name, kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def channel_role(aws) -> str:
    """A role the Kinesis service may assume."""
    return aws("iam").create_role(RoleName=unique("channel-role"),
                                  AssumeRolePolicyDocument=CHANNEL_TRUST)["Role"]["Arn"]


def s3_destination(bucket_name: str, **storage) -> dict:
    return {"StorageConfiguration": {"BucketARN": f"arn:aws:s3:::{bucket_name}", "ExpectedBucketOwner": ACCOUNT,
                                     "CompressionType": "NONE", **storage}}


def create_channel(aws, stream_arn: str, role_arn: str, destination: dict, fmt: str = "BYTE_ARRAY",
                   **extra) -> dict:
    return aws("kinesis").create_channel(
        ChannelName=extra.pop("ChannelName", unique("channel")), ServiceExecutionRoleARN=role_arn,
        StreamConfigurationList=[{"StreamARN": stream_arn, "RecordConfiguration": {"RecordFormatType": fmt}}],
        S3DestinationConfiguration=destination, **extra)["ChannelDescription"]


# --- Firehose -------------------------------------------------------------------------------------

FIREHOSE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose"
FIREHOSE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def firehose_role(iam, name: str = "firehose", policy: dict | None = None) -> str:
    """A role Firehose may assume (``FIREHOSE_ROLE`` for the default account), with ``policy`` inline
    (default: S3 and Kinesis, as a delivery role needs); made once, so servers and modules share it."""
    try:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=FIREHOSE_TRUST)["Role"]["Arn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    policy = policy or {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "kinesis:*", "kms:*"], "Resource": "*"}]}
    iam.put_role_policy(RoleName=name, PolicyName="delivery", PolicyDocument=json.dumps(policy))
    return arn


def s3_config(bucket_name: str, **extra) -> dict:
    return {"RoleARN": FIREHOSE_ROLE, "BucketARN": f"arn:aws:s3:::{bucket_name}", **extra}


def active_delivery_stream(firehose, endpoint: str, **create) -> str:
    """Create a delivery stream and move the virtual clock past CREATING."""
    name = create.pop("DeliveryStreamName", None) or unique("stream")
    firehose.create_delivery_stream(DeliveryStreamName=name, **create)
    advance_clock(endpoint, 1)
    status = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert status["DeliveryStreamStatus"] == "ACTIVE"
    return name


def flush(endpoint: str, seconds: float = 901) -> None:
    """Jump past any buffering interval: the scheduler delivers before the clock call returns."""
    advance_clock(endpoint, seconds)


# --- SNS ------------------------------------------------------------------------------------------

class Endpoint:
    """A real HTTP endpoint on 127.0.0.1: records every POST, answers with the queued statuses (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with outer._lock:
                    outer.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                           "body": body.decode()})
                    status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, message_type: str | None = None, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of_type(message_type)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} {message_type or ''} deliveries, got {self.of_type(message_type)}")

    def of_type(self, message_type: str | None) -> list[dict]:
        with self._lock:
            return [r for r in self.requests
                    if message_type is None or r["headers"].get("x-amz-sns-message-type") == message_type]

    def close(self):
        self.server.shutdown()


# The verification AWS documents, written independently of nimbus's signer.
_SNS_SIGNED = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
    "UnsubscribeConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
}


def verify_sns_signature(message: dict) -> bool:
    cert_pem = requests.get(message["SigningCertURL"], timeout=5)
    assert cert_pem.status_code == 200, cert_pem.text
    certificate = x509.load_pem_x509_certificate(cert_pem.content)
    canonical = "".join(f"{key}\n{message[key]}\n" for key in _SNS_SIGNED[message["Type"]] if key in message)
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[message["SignatureVersion"]]
    try:
        certificate.public_key().verify(base64.b64decode(message["Signature"]), canonical.encode(),
                                        padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        return False
    return True


def recorded(endpoint_url: str, endpoint: str, count: int = 1, account: str = ACCOUNT,
             region: str = "us-east-1", timeout: float = 10.0) -> list[dict]:
    """What nimbus recorded for a non-HTTP endpoint (email, sqs...), waiting for ``count`` of them."""
    deadline = time.monotonic() + timeout
    while True:
        found = requests.get(f"{endpoint_url}/_nimbus/sns/recorded", timeout=10,
                             params={"endpoint": endpoint, "account": account, "region": region}).json()["messages"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def body(entry: dict) -> dict:
    """The JSON body of a delivery an Endpoint received or nimbus recorded."""
    return json.loads(entry["body"] if "body" in entry else entry["Body"])


# --- stored documents -----------------------------------------------------------------------------

def unversion(data_dir: str, namespace: tuple[str, ...], key: str | None = None,
              renames: dict[str, str] | None = None, shape=None) -> dict[str, dict]:
    """Turn documents a server wrote (one, or the whole namespace without ``key``) back into the
    version-0 shape nimbus stored before schema versions: ``renames`` maps today's field names to the
    old ones, ``shape(doc)`` undoes nested changes. Returns the old documents by key."""
    store = open_store(data_dir)
    old_docs = {}
    try:
        docs = [(key, store.get(namespace, key))] if key is not None else store.scan(namespace)
        assert docs, (namespace, key)
        for name, doc in docs:
            assert doc is not None and doc.pop(VERSION_FIELD) >= 1, (namespace, name, doc)
            old = {(renames or {}).get(field, field): value for field, value in doc.items()}
            old_docs[name] = shape(old) if shape else old
            store.put(namespace, name, old_docs[name])
    finally:
        store.close()
    return old_docs


def stored(data_dir: str, namespace: tuple[str, ...], key: str) -> dict | None:
    """A document as the store holds it (the server that wrote it stopped)."""
    store = open_store(data_dir)
    try:
        return store.get(namespace, key)
    finally:
        store.close()


# --- CloudFormation ------------------------------------------------------------------------------

def settled_stack(cf, name: str, timeout: float = 60.0) -> dict:
    """The stack once its operation has ended (whatever the outcome), as DescribeStacks shows it."""
    deadline = time.monotonic() + timeout
    while True:
        stack = cf.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        assert time.monotonic() < deadline, f"{name} still {stack['StackStatus']}"
        time.sleep(0.1)


def stack_events(cf, name: str) -> list[tuple[str, str, str]]:
    """(logical id, status, reason) of every event, oldest first."""
    events = cf.describe_stack_events(StackName=name)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", "")) for e in reversed(events)]


def stack_resources(cf, name: str) -> dict[str, str]:
    """Logical id -> physical id of the stack's resources."""
    summaries = cf.list_stack_resources(StackName=name)["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in summaries}


# --- CloudFront -----------------------------------------------------------------------------------

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def s3_origin(origin_id: str, bucket_name: str, path: str = "") -> dict:
    return {"Id": origin_id, "DomainName": f"{bucket_name}.s3.amazonaws.com", "OriginPath": path,
            "S3OriginConfig": {"OriginAccessIdentity": ""}}


def legacy_behaviour(origin_id: str, min_ttl: int = 0, default_ttl: int = 86400, max_ttl: int = 31536000,
                     query_string: bool = False, **extra) -> dict:
    """A cache behaviour with legacy cache settings (ForwardedValues and TTLs), no cache policy."""
    return {"TargetOriginId": origin_id, "ViewerProtocolPolicy": "allow-all", "MinTTL": min_ttl,
            "DefaultTTL": default_ttl, "MaxTTL": max_ttl,
            "ForwardedValues": {"QueryString": query_string, "Cookies": {"Forward": "none"}}, **extra}


def distribution_config(origins: list[dict], default: dict, behaviours: list[dict] = (), **extra) -> dict:
    """A DistributionConfig: the origins, the default behaviour and path behaviours in order."""
    config = {"CallerReference": unique("ref"), "Comment": "", "Enabled": True,
              "Origins": {"Quantity": len(origins), "Items": origins}, "DefaultCacheBehavior": default,
              **extra}
    if behaviours:
        config["CacheBehaviors"] = {"Quantity": len(behaviours), "Items": list(behaviours)}
    return config
