"""SNS mobile push: platform applications and endpoints, their validation, and pushes recorded as each
platform would receive them."""
from __future__ import annotations

import json

import pytest

from tests.support import aws_cli, error_of, make_client, recorded, start_server, unique

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


def test_other_accounts_cannot_reach_applications_or_endpoints(sns, client):
    app = _fcm(sns)
    target = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="private")["EndpointArn"]
    stranger = client("sns")  # the default account
    assert error_of(stranger.get_platform_application_attributes, PlatformApplicationArn=app) == \
        ("AuthorizationError", 403)
    assert error_of(stranger.publish, TargetArn=target, Message="spam") == ("AuthorizationError", 403)
    assert error_of(stranger.delete_endpoint, EndpointArn=target) == ("AuthorizationError", 403)
    assert error_of(stranger.create_platform_endpoint, PlatformApplicationArn=app, Token="t") == \
        ("AuthorizationError", 403)
    assert error_of(client("sns", region="eu-west-1", key=app.split(":")[4]).get_endpoint_attributes,
                    EndpointArn=target) == ("NotFound", 404)
    assert sns.get_endpoint_attributes(EndpointArn=target)["Attributes"]["Token"] == "private"


def test_applications_endpoints_and_sms_settings_survive_a_restart(tmp_path):
    with start_server(tmp_path) as server:
        sns = make_client(server.endpoint, "sns")
        app = _fcm(sns)
        target = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="kept", CustomUserData="u")
        sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional"})
        sns.create_sms_sandbox_phone_number(PhoneNumber="+15550002222")
    with start_server(tmp_path) as server:
        sns = make_client(server.endpoint, "sns")
        assert sns.get_endpoint_attributes(EndpointArn=target["EndpointArn"])["Attributes"] == {
            "Enabled": "true", "Token": "kept", "CustomUserData": "u"}
        again = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="kept", CustomUserData="u")
        assert again["EndpointArn"] == target["EndpointArn"]
        assert sns.get_sms_attributes()["attributes"]["DefaultSMSType"] == "Transactional"
        assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"] == [
            {"PhoneNumber": "+15550002222", "Status": "Pending"}]
        aws_cli_app = aws_cli(server.endpoint, "sns", "list-platform-applications")["PlatformApplications"]
        assert [a["PlatformApplicationArn"] for a in aws_cli_app] == [app]
