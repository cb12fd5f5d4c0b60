"""S3 under ``--enforce-iam``: identity policies and bucket policies together, as AWS evaluates them.

Without enforcement the same decision is computed and recorded on the API-call event.
"""
from __future__ import annotations

import json

import pytest
import requests

from nimbus.core.events import API_CALL
from tests.support import error_of, make_client, open_to_anyone, start_server, unique


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def user(endpoint: str, inline: str | None = None, managed: tuple[str, ...] = ()):
    """An IAM user of the default account: (its ARN, an S3 client signed with its key)."""
    iam = make_client(endpoint, "iam")
    name = unique("user")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if inline:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=inline)
    for policy_arn in managed:
        iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, make_client(endpoint, "s3", key=key["AccessKeyId"], secret=key["SecretAccessKey"])


@pytest.fixture(scope="module")
def enforcing(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("s3-enforce"), enforce_iam=True) as running:
        yield running


@pytest.fixture(scope="module")
def root(enforcing):
    return make_client(enforcing.endpoint, "s3")


@pytest.fixture()
def bucket(root):
    name = unique("enf")
    root.create_bucket(Bucket=name)
    root.put_object(Bucket=name, Key="reports/q1.csv", Body=b"q1")
    root.put_object(Bucket=name, Key="private/x", Body=b"x")
    return name


def test_a_user_without_s3_permissions_is_denied(enforcing, bucket):
    _, s3 = user(enforcing.endpoint)
    assert error_of(s3.get_object, Bucket=bucket, Key="reports/q1.csv").code == "AccessDenied"
    assert error_of(s3.put_object, Bucket=bucket, Key="new", Body=b"x").code == "AccessDenied"
    assert error_of(s3.list_objects_v2, Bucket=bucket).code == "AccessDenied"
    assert error_of(s3.list_buckets).code == "AccessDenied"
    assert error_of(s3.create_bucket, Bucket=unique("enf")).code == "AccessDenied"


def test_identity_policies_grant_exactly_what_they_say(enforcing, bucket):
    _, s3 = user(enforcing.endpoint, document(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/reports/*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
         "Condition": {"StringLike": {"s3:prefix": "reports/*"}}}))
    assert s3.get_object(Bucket=bucket, Key="reports/q1.csv")["Body"].read() == b"q1"
    assert s3.head_object(Bucket=bucket, Key="reports/q1.csv")["ContentLength"] == 2
    assert error_of(s3.get_object, Bucket=bucket, Key="private/x").code == "AccessDenied"
    assert error_of(s3.get_object, Bucket=bucket, Key="reports/none").code == "AccessDenied"  # may not list
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="reports/")["Contents"]] \
        == ["reports/q1.csv"]
    assert error_of(s3.list_objects_v2, Bucket=bucket).code == "AccessDenied"
    assert error_of(s3.put_object, Bucket=bucket, Key="reports/q2.csv", Body=b"x").code == "AccessDenied"


def test_managed_read_only_policy(enforcing, bucket):
    _, s3 = user(enforcing.endpoint, managed=("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",))
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.get_object(Bucket=bucket, Key="private/x")["Body"].read() == b"x"
    assert error_of(s3.get_object, Bucket=bucket, Key="private/none").code == "NoSuchKey"
    assert error_of(s3.delete_object, Bucket=bucket, Key="private/x").code == "AccessDenied"


def test_bucket_policy_grants_and_denies_alongside_identity_policies(enforcing, root, bucket):
    arn, s3 = user(enforcing.endpoint)
    writer_arn, writer = user(enforcing.endpoint, document(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    root.put_bucket_policy(Bucket=bucket, Policy=document(
        {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/reports/*"},
        {"Effect": "Deny", "Principal": {"AWS": writer_arn}, "Action": "s3:DeleteObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}))
    # Named by the bucket policy in its own account: no identity policy needed.
    assert s3.get_object(Bucket=bucket, Key="reports/q1.csv")["Body"].read() == b"q1"
    assert error_of(s3.get_object, Bucket=bucket, Key="private/x").code == "AccessDenied"
    # Allowed everything by IAM, but the bucket policy's explicit deny wins.
    writer.put_object(Bucket=bucket, Key="w", Body=b"w")
    assert error_of(writer.delete_object, Bucket=bucket, Key="w").code == "AccessDenied"


def test_anonymous_callers_under_enforcement(enforcing, root, bucket):
    url = f"{enforcing.endpoint}/{bucket}/reports/q1.csv"
    assert requests.get(url, timeout=5).status_code == 403
    open_to_anyone(root, bucket)
    assert requests.get(url, timeout=5).content == b"q1"


def test_without_enforcement_the_decision_is_recorded(server, endpoint):
    root = make_client(endpoint, "s3")
    name = unique("rec")
    root.create_bucket(Bucket=name)
    _, s3 = user(endpoint)
    seen = []
    events = server.runtime.events
    listener = lambda event: seen.append(event) if event.service == "s3" else None  # noqa: E731
    events.subscribe(API_CALL, listener)
    try:
        s3.put_object(Bucket=name, Key="k", Body=b"allowed today")
        events.flush()
    finally:
        events.unsubscribe(API_CALL, listener)
    record = next(e for e in seen if e.operation == "PutObject" and e.request_parameters.get("Bucket") == name)
    assert record.error_code is None
    decision = record.authorization
    assert decision["allowed"] is False and decision["enforced"] is False
    assert decision["action"] == "s3:PutObject" and decision["resource"] == f"arn:aws:s3:::{name}/k"
