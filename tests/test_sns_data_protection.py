"""SNS message data protection: policies validated and stored, then applied to message bodies inbound
(audit findings, masking, redaction, a denied publish) and outbound (per subscriber)."""
from __future__ import annotations

import json

import pytest
import requests

from tests.support import error_of, recorded, unique

EMAIL = "arn:aws:dataprotection::aws:data-identifier/EmailAddress"
CARD = "arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"
SECRET = "arn:aws:dataprotection::aws:data-identifier/AwsSecretKey"


def _policy(*statements, **extra) -> str:
    return json.dumps({"Name": "guard", "Version": "2021-06-01", "Statement": list(statements), **extra})


def _statement(direction, identifiers, operation, principal=("*",)) -> dict:
    return {"Sid": unique("s").replace("-", ""), "DataDirection": direction, "Principal": list(principal),
            "DataIdentifier": identifiers, "Operation": operation}


@pytest.fixture(scope="module")
def sns(aws):
    return aws("sns")


def test_policies_are_validated_and_stored(sns):
    topic = sns.create_topic(Name=unique("guarded"))["TopicArn"]
    assert "DataProtectionPolicy" not in sns.get_data_protection_policy(ResourceArn=topic)
    good = _policy(_statement("Inbound", [EMAIL], {"Audit": {"SampleRate": "99", "FindingsDestination": {}}}))
    sns.put_data_protection_policy(ResourceArn=topic, DataProtectionPolicy=good)
    assert sns.get_data_protection_policy(ResourceArn=topic)["DataProtectionPolicy"] == good
    bad_policies = [
        "{not json",
        json.dumps({"Name": "x", "Version": "2012-10-17", "Statement": []}),
        _policy(_statement("Sideways", [EMAIL], {"Deny": {}})),
        _policy(_statement("Inbound", ["arn:aws:dataprotection::aws:data-identifier/"], {"Deny": {}})),
        _policy(_statement("Inbound", [EMAIL], {"Deny": {}, "Audit": {"SampleRate": "1"}})),
        _policy(_statement("Outbound", [EMAIL], {"Audit": {"SampleRate": "1"}})),
        _policy(_statement("Inbound", [EMAIL], {"Audit": {"SampleRate": "100"}})),
        _policy(_statement("Inbound", [EMAIL], {"Deidentify": {"MaskConfig": {"MaskWithCharacter": "##"}}})),
        _policy(_statement("Inbound", ["MyIds"], {"Deny": {}})),  # a custom identifier the policy does not define
    ]
    for bad in bad_policies:
        error = error_of(sns.put_data_protection_policy, ResourceArn=topic, DataProtectionPolicy=bad)
        assert error == ("InvalidParameter", 400), bad
        assert error.message.startswith("Invalid parameter: ") and "DataProtectionPolicy" in error.message
    assert error_of(sns.create_topic, Name=unique("bad"), DataProtectionPolicy=bad_policies[2]) == \
        ("InvalidParameter", 400)
    assert error_of(sns.get_data_protection_policy, ResourceArn=topic + "-gone") == ("NotFound", 404)


def test_inbound_deny_deidentify_and_audit(sns, aws, endpoint, account):
    topic = sns.create_topic(Name=unique("inbound"))["TopicArn"]
    mailbox = f"{unique('reader')}@example.com"
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint=mailbox)
    [confirmation] = recorded(endpoint, mailbox, account=account)
    sns.confirm_subscription(TopicArn=topic, Token=json.loads(confirmation["Body"])["Token"])
    group = f"/aws/vendedlogs/{unique('findings')}"
    aws("logs").create_log_group(logGroupName=group)
    sns.put_data_protection_policy(ResourceArn=topic, DataProtectionPolicy=_policy(
        _statement("Inbound", [EMAIL], {"Audit": {
            "SampleRate": "99", "FindingsDestination": {"CloudWatchLogs": {"LogGroup": group}}}}),
        _statement("Inbound", [SECRET], {"Deny": {}}),
        _statement("Inbound", [EMAIL], {"Deidentify": {"MaskConfig": {"MaskWithCharacter": "#"}}}),
        _statement("Inbound", [CARD, "Badge"], {"Deidentify": {"RedactConfig": {}}}),
        Configuration={"CustomDataIdentifier": [{"Name": "Badge", "Regex": "BADGE-[0-9]{4}"}]}))

    error = error_of(sns.publish, TopicArn=topic, Message="key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY leaked")
    assert error == ("AuthorizationError", 403)
    sns.publish(TopicArn=topic, Message="mail ann@example.com, card 4111 1111 1111 1111, badge BADGE-1234, 1234")
    delivered = recorded(endpoint, mailbox, count=2, account=account)[-1]
    assert json.loads(delivered["Body"])["Message"] == "mail ###############, card , badge , 1234"

    findings = requests.get(f"{endpoint}/_nimbus/sns/data-protection", timeout=10,
                            params={"account": account, "topic": topic}).json()["findings"]
    emails = [i for f in findings for i in f["dataIdentifiers"] if i["name"] == "EmailAddress"]
    assert emails and emails[-1]["count"] == 1 and emails[-1]["detections"] == [{"start": 5, "end": 20}]
    # The same finding in the statement's destination log group, written by SNS itself.
    [logged] = [json.loads(e["message"]) for e in aws("logs").filter_log_events(logGroupName=group)["events"]]
    assert logged["resourceArn"] == topic and logged["dataIdentifiers"][0]["name"] == "EmailAddress"


def test_outbound_statements_act_per_subscriber(sns, endpoint, account):
    topic = sns.create_topic(Name=unique("outbound"))["TopicArn"]
    phone = "+15550001111"
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=phone)
    sns.put_data_protection_policy(ResourceArn=topic, DataProtectionPolicy=_policy(
        _statement("Outbound", [EMAIL], {"Deidentify": {"MaskConfig": {}}})))
    sns.publish(TopicArn=topic, Message="write to bob@example.org")
    assert recorded(endpoint, phone, account=account)[-1]["Body"] == "write to ***************"
    sns.put_data_protection_policy(ResourceArn=topic, DataProtectionPolicy=_policy(
        _statement("Outbound", [CARD], {"Deny": {}})))
    sns.publish(TopicArn=topic, Message="card 4111111111111111")
    sns.publish(TopicArn=topic, Message="no card here: 4111111111111112")  # fails the Luhn check
    texts = recorded(endpoint, phone, count=2, account=account)
    assert [t["Body"] for t in texts][-1] == "no card here: 4111111111111112" and len(texts) == 2
