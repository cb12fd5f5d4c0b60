"""The templated record (record_template.py) is byte for byte the record ``build_record`` makes, encoded as event
history and log files encode it, for the calls a real server records and for values the wire seldom carries; log
files spliced from the texts are the files ``json`` wrote; delivery's per-pair filter answers as the filter; records
held in memory from StartLogging on serve its first delivery."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from nimbus.core.events import API_CALL, ApiCallEvent
from nimbus.services.cloudtrail.delivery import _wanted, _wanted_by
from nimbus.services.cloudtrail.history import MANAGEMENT, HistoryWriter, history_ns, time_key
from nimbus.services.cloudtrail.lazy_record import LazyRecord, compact_text
from nimbus.services.cloudtrail.record_template import templated_record
from nimbus.services.cloudtrail.records import build_record
from nimbus.store.sqlite import SqliteStore
from tests.support import make_client, session_client, unique

ACCOUNT = "123456789012"
USER = {"type": "IAMUser", "account_id": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/bob",
        "principal_id": "AIDAEXAMPLE", "user_name": "bob", "access_key_id": "AKIAEXAMPLE"}


def _old_text(event: ApiCallEvent, signing_name: str) -> str:
    return json.dumps(build_record(event, signing_name), separators=(",", ":"))


def _assert_same(event: ApiCallEvent, signing_name: str) -> None:
    old = _old_text(event, signing_name)
    new = templated_record(event, signing_name)
    assert new.text == old, (event.service, event.operation)
    # What delivery and selectors read without parsing is what the record holds.
    parsed = json.loads(old)
    for name in ("eventVersion", "eventTime", "eventSource", "eventName", "awsRegion", "requestID", "eventID",
                 "readOnly", "eventType", "managementEvent", "recipientAccountId", "eventCategory", "errorCode",
                 "resources", "userIdentity", "requestParameters", "tlsDetails", "sharedEventID"):
        assert new.get(name) == parsed.get(name), name
    assert dict(new) == parsed or "NaN" in old


def test_every_recorded_call_of_a_real_server_templates_as_build_record_writes_it(server, endpoint, aws, account):
    seen: list[ApiCallEvent] = []
    lock = threading.Lock()

    def on_call(event: ApiCallEvent) -> None:
        if event.account_id == account:
            with lock:
                seen.append(event)

    server.runtime.events.subscribe(API_CALL, on_call)
    try:
        kms, iam, s3 = aws("kms"), aws("iam"), aws("s3")
        key = kms.create_key(Description="é ✓ \u2028", Tags=[{"TagKey": "k", "TagValue": "v"}])["KeyMetadata"]
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")  # readOnly, its blob redacted
        with pytest.raises(ClientError):
            kms.describe_key(KeyId="alias/does-not-exist")  # an error
        user = unique("u")
        iam.create_user(UserName=user)
        iam.create_access_key(UserName=user)  # a secret in the response
        role = unique("r")
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}))
        credentials = aws("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}",
                                             RoleSessionName="templated")["Credentials"]
        session_client(endpoint, credentials, "kms").list_aliases()  # an assumed role
        bucket = unique("bkt")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="dir/é.txt", Body=b"data")  # data events
        s3.get_object(Bucket=bucket, Key="dir/é.txt")["Body"].read()
        with pytest.raises(ClientError):
            s3.get_object(Bucket=unique("missing"), Key="k")
        topic = aws("sns").create_topic(Name=unique("t"))["TopicArn"]
        aws("sns").publish(TopicArn=topic, Message="hello ✓")
        queue = aws("sqs").create_queue(QueueName=unique("q"))["QueueUrl"]
        aws("sqs").send_message(QueueUrl=queue, MessageBody="ünïcode", DelaySeconds=0)
        with pytest.raises(ClientError):  # CloudTrail calls S3 as itself: an AWSService identity
            aws("cloudtrail").create_trail(Name=unique("trail"), S3BucketName=unique("missing"))
        make_client(endpoint, "sts", key=account).get_caller_identity()
        server.runtime.events.flush()
    finally:
        server.runtime.events.unsubscribe(API_CALL, on_call)
    services = server.runtime.services
    assert {e.principal.get("type") for e in seen} >= {"Root", "AssumedRole", "AWSService"}
    assert any(e.error_code for e in seen) and any(e.read_only for e in seen)
    for event in seen:
        _assert_same(event, services.get(event.service).info.signing_name)


def _event(**changes) -> ApiCallEvent:
    fields = dict(time=datetime(2026, 12, 6, 23, 1, 2, 345000, tzinfo=UTC), request_id=str(uuid.uuid4()),
                  account_id=ACCOUNT, region="eu-west-1", principal=USER, access_key_id="AKIAEXAMPLE",
                  source_ip="10.0.0.1", user_agent="Boto3/1.0 é", service="kms", operation="CreateKey",
                  request_parameters={"Description": "d"}, response={"KeyMetadata": {"KeyId": "k"}},
                  error_code=None, error_message=None, read_only=False, internal=False, host="localhost:4566")
    return ApiCallEvent(**{**fields, **changes})


@pytest.mark.parametrize("changes", [
    {"request_parameters": {"Description": "\u2028 \x7f \x00 é ✓ \ud800", "Tags": [{"TagKey": "a"}]}},
    {"response": {"KeyMetadata": {"Arn": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/x", "Created": datetime.now(UTC),
                                  "Tiny": 1.5e-7, "Fifth": 1e-05, "NaN": float("nan"), "Big": 2 ** 70,
                                  "Blob": b"\x00\x01", "Nothing": None}}},
    {"request_parameters": {"Odd": object(), 3: "int key", "Set": frozenset()}},
    {"request_parameters": {"Big": "x" * 60_000}},  # near the 100 KB bound in json's default spelling
    {"request_parameters": {"Big": ["a"] * 22_000}},  # past it only in the default spelling (88 KB compact)
    {"request_parameters": {"Big": "é" * 20_000}},  # past it once escaped
    {"request_parameters": None, "response": None, "source_ip": None, "user_agent": None, "host": None},
    {"error_code": "NotFoundException", "error_message": None},
    {"operation": "Encrypt", "read_only": False},  # readOnly by CloudTrail's own list
    {"principal": {"type": "AWSService", "invoked_by": "cloudtrail.amazonaws.com", "account_id": ACCOUNT},
     "internal": True, "service": "s3", "operation": "HeadBucket", "request_parameters": {"Bucket": "b"}},
    {"principal": {"type": "Anonymous"}, "service": "s3", "operation": "GetObject",
     "request_parameters": {"Bucket": "b", "Key": "k"}, "read_only": True},
    {"service": "iam", "operation": "CreateUser", "request_parameters": {"UserName": "x"}},
    {"time": datetime(2026, 12, 6, 23, 1, 3, tzinfo=UTC)},  # the next second (times are written once a second)
])
def test_values_the_wire_seldom_carries_template_as_build_record_writes_them(changes):
    signing = {"s3": "s3", "iam": "iam"}.get(changes.get("service", "kms"), "kms")
    _assert_same(_event(**changes), signing)
    _assert_same(_event(**changes), signing)  # again, from the caches


def test_a_spliced_log_file_is_the_file_json_writes():
    built = [templated_record(_event(operation=name), "kms") for name in ("CreateKey", "Encrypt", "TagResource")]
    stored = [json.loads(record.text) for record in built]  # what a delivery reading the store gets
    mixed = [built[0], stored[1], built[2]]
    spliced = f'{{"Records":[{",".join(compact_text(r) for r in mixed)}]}}'
    assert spliced == json.dumps({"Records": stored}, separators=(",", ":"))


@pytest.mark.parametrize("trail", [
    {"HomeRegion": "eu-west-1", "S3BucketName": "b"},
    {"HomeRegion": "eu-west-1", "S3BucketName": "b", "EventSelectors": [
        {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True, "DataResources": [],
         "ExcludeManagementEventSources": ["kms.amazonaws.com"]}]},
    {"HomeRegion": "us-east-1", "S3BucketName": "b", "IncludeGlobalServiceEvents": False, "EventSelectors": [
        {"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True,
         "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::b/"]}],
         "ExcludeManagementEventSources": []}]},
    {"HomeRegion": "eu-west-1", "S3BucketName": "b", "AdvancedEventSelectors": [{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}, {"Field": "errorCode", "Equals": ["Denied"]}]}]},
])
def test_delivery_filter_answers_per_record_as_the_filter_does(trail):
    records: list[LazyRecord] = []
    for region in ("eu-west-1", "us-east-1"):
        for service, operation, read_only in (("kms", "Encrypt", True), ("kms", "CreateKey", False),
                                              ("iam", "CreateUser", False), ("iam", "GetUser", True),
                                              ("s3", "GetObject", True), ("s3", "PutObject", False)):
            for error in (None, "Denied"):
                records.append(templated_record(_event(
                    region=region, service=service, operation=operation, read_only=read_only, error_code=error,
                    request_parameters={"Bucket": "b", "Key": "k"} if service == "s3" else {"UserName": "u"}),
                    service))
    for region in ("eu-west-1", "us-east-1"):
        wanted = _wanted_by(trail, region)  # type: ignore[arg-type]
        answers = [wanted(record) for record in records + records]  # the second round from its memory
        assert answers == [_wanted(trail, region, record) for record in records + records]  # type: ignore[arg-type]
        assert any(answers) or "IncludeGlobalServiceEvents" in trail


def test_records_held_from_start_logging_on_answer_the_first_delivery_as_the_store(tmp_path):
    store = SqliteStore(str(tmp_path / "held.sqlite3"))
    writer = HistoryWriter(store)
    start_ms = 1_800_000_000_000

    def write(names: list[str], ms: int) -> None:
        for offset, name in enumerate(names):
            writer.add(ACCOUNT, "eu-west-1", MANAGEMENT, {"eventName": name}, ms + offset)
        writer.flush()

    write(["Before"] * 5, start_ms)
    writer.hold_recent(keep_ms=60_000)  # what StartLogging does before taking its time
    since = time_key(start_ms + 10, 0) + "~"  # StartLogging's cursor, after the records before it
    write([f"Call{n}" for n in range(20)], start_ms + 50)  # the first call after it comes later
    ns = history_ns(ACCOUNT, "eu-west-1", MANAGEMENT)
    assert writer.recent is not None
    held = writer.recent.since(ns, since)
    newer = [(key, record) for key, record in store.scan(ns) if key < since][::-1]
    assert held == (newer, newer[-1][0]) and len(newer) == 20
    assert writer.recent.since(ns, time_key(start_ms, 0) + "~") is None  # records before holding began
    store.close()
