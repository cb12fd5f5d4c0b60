"""A browser on this machine: DNS rebinding (Host), cross-origin form posts (Origin), and proxy headers
nimbus must not believe unless told to."""
from __future__ import annotations

import json

import pytest
import requests

from tests.support import error_of, make_client, start_server, unique

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def create_user_by_form(endpoint: str, name: str, **headers) -> requests.Response:
    """What an HTML form on any web page can POST: unsigned, so the default account's root in default mode."""
    return requests.post(f"{endpoint}/", data=f"Action=CreateUser&Version=2010-05-08&UserName={name}",
                         headers={**FORM, **headers}, timeout=10)


def user_exists(client, name: str) -> bool:
    return any(u["UserName"] == name for u in client("iam").list_users()["Users"])


def test_a_cross_origin_form_post_is_not_executed(endpoint, client):
    name = unique("form")
    refused = create_user_by_form(endpoint, name, Origin="http://evil.example")
    assert refused.status_code == 403 and b"<Code>AccessDenied</Code>" in refused.content
    assert not user_exists(client, name)
    assert create_user_by_form(endpoint, name, Origin=endpoint).status_code == 200
    assert user_exists(client, name)


def test_a_cross_origin_json_call_is_refused_in_the_service_s_words(endpoint):
    reply = requests.post(f"{endpoint}/", data="{}", timeout=10, headers={
        "Origin": "https://evil.example", "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "Kinesis_20131202.ListStreams"})
    assert reply.status_code == 403 and reply.json()["__type"].endswith("AccessDeniedException")


def test_s3_answers_browsers_as_bucket_cors_says(endpoint, s3):
    bucket = unique("cors")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET"]}]})
    # Default mode: an unsigned read is the anonymous principal; bucket policy and CORS decide, as in AWS.
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    reply = requests.get(f"{endpoint}/{bucket}/k", headers={"Origin": "https://app.example"}, timeout=10)
    assert reply.status_code == 200 and reply.headers["Access-Control-Allow-Origin"] == "https://app.example"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:4566", "127.0.0.1.evil.example", "localhost.evil"])
def test_a_request_for_a_foreign_host_is_refused(endpoint, client, host):
    name = unique("rebind")
    refused = create_user_by_form(endpoint, name, Host=host)
    assert refused.status_code == 403 and b"HostNotAllowed" in refused.content and b"--hostname" in refused.content
    assert not user_exists(client, name)
    admin = requests.get(f"{endpoint}/_nimbus/clock", headers={"Host": host}, timeout=10)
    assert admin.status_code == 403


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.2", "[::1]", "sts.localhost", "LOCALHOST."])
def test_loopback_and_localhost_names_are_answered(endpoint, host):
    reply = requests.post(f"{endpoint}/", data="Action=GetCallerIdentity&Version=2011-06-15", timeout=10,
                          headers={**FORM, "Host": f"{host}:4566"})
    assert reply.status_code == 200, reply.content


def test_hostname_names_more_hosts(tmp_path):
    with start_server(tmp_path, hostname=["nimbus.test"]) as running:
        for host, status in (("nimbus.test", 200), ("bucket.nimbus.test", 200), ("other.test", 403)):
            reply = requests.get(f"{running.endpoint}/_nimbus/health", headers={"Host": host}, timeout=10)
            assert reply.status_code == status, host
        origin = f"http://nimbus.test:{running.config.port}"
        reply = requests.post(f"{running.endpoint}/_nimbus/clock", json={"advance_seconds": 1}, timeout=10,
                              headers={"Host": "nimbus.test", "Origin": origin})
        assert reply.status_code == 200


def source_of_last_call(client, account: str, event: str) -> dict:
    found = client("cloudtrail", key=account).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event}])["Events"]
    return json.loads(found[0]["CloudTrailEvent"])


def spoofing(client, key: str, service: str, endpoint: str | None = None):
    """A client that claims another source address and https through proxy headers."""
    made = client(service, key=key) if endpoint is None else make_client(endpoint, service, key=key)
    made.meta.events.register("before-send", lambda request, **_: request.headers.update(
        {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}))
    return made


def test_proxy_headers_are_not_believed_by_default(client, account):
    spoofing(client, account, "sns").create_topic(Name=unique("spoof"))
    record = source_of_last_call(client, account, "CreateTopic")
    assert record["sourceIPAddress"] == "127.0.0.1"


def test_proxy_headers_cannot_claim_secure_transport(client, s3):
    bucket = unique("tls")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    assert error_of(spoofing(client, "test", "s3").get_object, Bucket=bucket, Key="k").code == "AccessDenied"


def test_trust_proxy_believes_them(tmp_path):
    with start_server(tmp_path, trust_proxy=True) as running:
        spoofing(None, "test", "sns", running.endpoint).create_topic(Name="behind-proxy")
        found = make_client(running.endpoint, "cloudtrail").lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateTopic"}])["Events"]
        assert json.loads(found[0]["CloudTrailEvent"])["sourceIPAddress"] == "203.0.113.7"
