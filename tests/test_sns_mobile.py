"""SNS mobile push: platform applications and endpoints, their validation, and pushes recorded as each
platform would receive them."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, recorded, unique

SERVICE_ACCOUNT = json.dumps({"type": "service_account", "project_id": "demo", "client_email": "a@demo.iam",
                              "private_key": "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n"})
CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"


@pytest.fixture(scope="module")
def sns(aws):
    return aws("sns")


def _fcm(sns) -> str:
    return sns.create_platform_application(Name=unique("fcm"), Platform="GCM",
                                           Attributes={"PlatformCredential": SERVICE_ACCOUNT})["PlatformApplicationArn"]


def test_platform_application_validation_per_platform(sns):
    def code(platform, attributes):
        return error_of(sns.create_platform_application, Name=unique("app"), Platform=platform, Attributes=attributes)

    assert code("GCM", {"PlatformPrincipal": "x"}).message == \
        "Invalid parameter: Attributes Reason: PlatformCredential attribute required"
    assert code("GCM", {"PlatformCredential": '{"type": "user"}'}).message == \
        "Invalid parameter: Attributes Reason: Platform credentials are invalid"
    assert code("APNS", {"PlatformPrincipal": CERT}).message == \
        "Invalid parameter: Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential"
    assert code("APNS", {"PlatformPrincipal": "not a certificate", "PlatformCredential": KEY}) == \
        ("InvalidParameter", 400)
    assert code("APNS", {"PlatformPrincipal": "KEYID", "PlatformCredential": KEY, "ApplePlatformTeamID": "T"}) == \
        ("InvalidParameter", 400)  # token authentication needs the bundle id too
    assert code("ADM", {"PlatformCredential": "secret"}).message == \
        "Invalid parameter: Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal"
    assert code("SMOKE", {"PlatformCredential": "x"}).message == "Invalid parameter: Platform Reason: SMOKE is not supported"
    assert code("GCM", {"PlatformCredential": "legacy-api-key", "Bogus": "1"}) == ("InvalidParameter", 400)

    # A legacy FCM API key, APNs with a certificate or a token, and each other platform's pair are accepted.
    for platform, attributes in [
        ("GCM", {"PlatformCredential": "AAAAlegacyServerKey"}),
        ("APNS", {"PlatformPrincipal": CERT, "PlatformCredential": KEY}),
        ("APNS_SANDBOX", {"PlatformPrincipal": "KEYID", "PlatformCredential": KEY, "ApplePlatformTeamID": "TEAM",
                          "ApplePlatformBundleID": "com.example.app"}),
        ("ADM", {"PlatformPrincipal": "client-id", "PlatformCredential": "client-secret"}),
        ("BAIDU", {"PlatformPrincipal": "api-key", "PlatformCredential": "secret-key"}),
        ("MPNS", {"PlatformPrincipal": CERT, "PlatformCredential": KEY}),
        ("WNS", {"PlatformPrincipal": "ms-app://s-1-15", "PlatformCredential": "secret"}),
    ]:
        arn = sns.create_platform_application(Name=unique("ok"), Platform=platform,
                                              Attributes=attributes)["PlatformApplicationArn"]
        assert f":app/{platform}/" in arn
        shown = sns.get_platform_application_attributes(PlatformApplicationArn=arn)["Attributes"]
        assert shown["Enabled"] == "true" and "PlatformCredential" not in shown and "PlatformPrincipal" not in shown


def test_application_attributes_listing_and_deletion(sns):
    arn = _fcm(sns)
    topic = sns.create_topic(Name=unique("events"))["TopicArn"]
    sns.set_platform_application_attributes(PlatformApplicationArn=arn, Attributes={
        "EventEndpointCreated": topic, "SuccessFeedbackSampleRate": "50"})
    attributes = sns.get_platform_application_attributes(PlatformApplicationArn=arn)["Attributes"]
    assert attributes["EventEndpointCreated"] == topic and attributes["SuccessFeedbackSampleRate"] == "50"
    assert error_of(sns.set_platform_application_attributes, PlatformApplicationArn=arn,
                    Attributes={"SuccessFeedbackSampleRate": "101"}) == ("InvalidParameter", 400)
    assert error_of(sns.set_platform_application_attributes, PlatformApplicationArn=arn,
                    Attributes={"PlatformCredential": '{"broken'}) == ("InvalidParameter", 400)
    listed = [a["PlatformApplicationArn"] for a in sns.list_platform_applications()["PlatformApplications"]]
    assert arn in listed
    endpoint = sns.create_platform_endpoint(PlatformApplicationArn=arn, Token="tok-del")["EndpointArn"]
    sns.delete_platform_application(PlatformApplicationArn=arn)
    assert error_of(sns.get_platform_application_attributes, PlatformApplicationArn=arn) == ("NotFound", 404)
    assert error_of(sns.get_endpoint_attributes, EndpointArn=endpoint) == ("NotFound", 404)
    sns.delete_platform_application(PlatformApplicationArn=arn)  # deleting again succeeds, as in AWS
    assert error_of(sns.get_platform_application_attributes, PlatformApplicationArn="nonsense") == \
        ("InvalidParameter", 400)


def test_endpoints_idempotent_on_token_and_attributes(sns):
    app = _fcm(sns)
    first = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1", CustomUserData="u1")
    again = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1", CustomUserData="u1")
    assert first["EndpointArn"] == again["EndpointArn"] and ":endpoint/GCM/" in first["EndpointArn"]
    error = error_of(sns.create_platform_endpoint, PlatformApplicationArn=app, Token="device-1", CustomUserData="u2")
    assert error == ("InvalidParameter", 400)
    assert error.message == (f"Invalid parameter: Token Reason: Endpoint {first['EndpointArn']} already exist "
                             "with the same Token, but different attributes.")
    arn = first["EndpointArn"]
    assert sns.get_endpoint_attributes(EndpointArn=arn)["Attributes"] == {
        "Enabled": "true", "Token": "device-1", "CustomUserData": "u1"}
    sns.set_endpoint_attributes(EndpointArn=arn, Attributes={"Token": "device-1b", "Enabled": "false"})
    assert sns.get_endpoint_attributes(EndpointArn=arn)["Attributes"]["Token"] == "device-1b"
    assert error_of(sns.set_endpoint_attributes, EndpointArn=arn, Attributes={"Enabled": "maybe"}) == \
        ("InvalidParameter", 400)
    assert error_of(sns.set_endpoint_attributes, EndpointArn=arn, Attributes={"Colour": "red"}) == \
        ("InvalidParameter", 400)
    second = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-2")["EndpointArn"]
    listed = sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"]
    assert {e["EndpointArn"] for e in listed} == {arn, second}
    sns.delete_endpoint(EndpointArn=second)
    sns.delete_endpoint(EndpointArn=second)
    assert error_of(sns.get_endpoint_attributes, EndpointArn=second) == ("NotFound", 404)
    assert error_of(sns.create_platform_endpoint, PlatformApplicationArn=app + "-gone", Token="t") == ("NotFound", 404)


def test_publish_to_endpoints_records_platform_payloads(sns, endpoint, account):
    fcm = sns.create_platform_endpoint(PlatformApplicationArn=_fcm(sns), Token="fcm-token")["EndpointArn"]
    apns_app = sns.create_platform_application(Name=unique("ios"), Platform="APNS", Attributes={
        "PlatformPrincipal": CERT, "PlatformCredential": KEY})["PlatformApplicationArn"]
    apns = sns.create_platform_endpoint(PlatformApplicationArn=apns_app, Token="apns-token")["EndpointArn"]

    sns.publish(TargetArn=fcm, Message="plain hello")
    [push] = recorded(endpoint, fcm, account=account)
    assert push["Platform"] == "GCM" and push["Token"] == "fcm-token"
    assert json.loads(push["Body"]) == {"data": {"default": "plain hello"}}

    fcm_v1 = json.dumps({"fcmV1Message": {"message": {"notification": {"title": "Hi", "body": "There"}}}})
    sns.publish(TargetArn=apns, MessageStructure="json", Message=json.dumps({
        "default": "fallback", "APNS": json.dumps({"aps": {"alert": "for apple", "badge": 1}}), "GCM": fcm_v1}))
    [push] = recorded(endpoint, apns, account=account)
    assert json.loads(push["Body"]) == {"aps": {"alert": "for apple", "badge": 1}}

    # A topic fans out to both, each getting its own platform's entry; a disabled endpoint is skipped.
    topic = sns.create_topic(Name=unique("push"))["TopicArn"]
    for target in (fcm, apns):
        sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=target)
    sns.set_endpoint_attributes(EndpointArn=apns, Attributes={"Enabled": "false"})
    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "d", "GCM": fcm_v1}))
    pushes = recorded(endpoint, fcm, count=2, account=account)
    assert json.loads(pushes[-1]["Body"]) == json.loads(fcm_v1) and pushes[-1]["TopicArn"] == topic
    assert error_of(sns.publish, TargetArn=apns, Message="x") == ("EndpointDisabled", 400)
    assert error_of(sns.publish, TargetArn=apns, Message="x").message == "Endpoint is disabled"
    assert len(recorded(endpoint, apns, count=2, account=account, timeout=0.5)) == 1

    sns.set_platform_application_attributes(PlatformApplicationArn=apns_app, Attributes={"Enabled": "false"})
    sns.set_endpoint_attributes(EndpointArn=apns, Attributes={"Enabled": "true"})
    assert error_of(sns.publish, TargetArn=apns, Message="x") == ("PlatformApplicationDisabled", 400)
    assert error_of(sns.publish, TargetArn=fcm[:-3] + "abc", Message="x") == ("NotFound", 404)
