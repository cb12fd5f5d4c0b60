"""SNS SMS: E.164 publishing (recorded), SMS message attributes, account SMS attributes, the sandbox with
its one-time passwords, opt-outs (a STOP reply through the inspection endpoint), origination numbers,
SMS subscriptions, and the AWS/SNS metrics publishing emits."""
from __future__ import annotations

import time

import pytest
import requests

from nimbus.core.metrics import METRIC
from tests.support import aws_cli, error_of, recorded, unique


@pytest.fixture(scope="module")
def sns(aws):
    return aws("sns")


def _admin(endpoint, path, **body):
    return requests.post(f"{endpoint}/_nimbus/sns/sms/{path}", json=body, timeout=10)


def _number() -> str:
    return "+1555" + str(time.monotonic_ns())[-7:]


def test_publish_to_phone_numbers_validates_e164_and_records_texts(sns, endpoint, account):
    error = error_of(sns.publish, PhoneNumber="NAA+15551234567", Message="hi")
    assert error == ("InvalidParameter", 400)
    assert error.message == "Invalid parameter: PhoneNumber Reason: NAA+15551234567 is not valid to publish to"
    assert error_of(sns.publish, PhoneNumber="+1 555 123", Message="hi") == ("InvalidParameter", 400)
    assert error_of(sns.publish, PhoneNumber="+15551234567", TopicArn="arn:aws:sns:us-east-1:1:t", Message="x") == \
        ("InvalidParameter", 400)
    number = _number()
    sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional", "DefaultSenderID": "Nimbus"})
    sns.publish(PhoneNumber=number, Message="your code is 1234")
    sns.publish(PhoneNumber=number, Message="sale!", MessageAttributes={
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Promotional"},
        "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "Shop1"},
        "AWS.SNS.SMS.MaxPrice": {"DataType": "Number", "StringValue": "0.50"}})
    first, second = recorded(endpoint, number, count=2, account=account)
    assert (first["Body"], first["SMSType"], first["SenderID"]) == ("your code is 1234", "Transactional", "Nimbus")
    assert (second["SMSType"], second["SenderID"], second["MaxPrice"]) == ("Promotional", "Shop1", "0.50")
    for name, value in (("SMSType", "Urgent"), ("SenderID", "has space"), ("MaxPrice", "-1")):
        assert error_of(sns.publish, PhoneNumber=number, Message="x", MessageAttributes={
            f"AWS.SNS.SMS.{name}": {"DataType": "String", "StringValue": value}}) == ("InvalidParameter", 400)

    # A topic's sms subscription gets the text too.
    topic = sns.create_topic(Name=unique("texts"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=number)
    sns.publish(TopicArn=topic, Message="from the topic")
    assert recorded(endpoint, number, count=3, account=account)[-1]["Body"] == "from the topic"


def test_sms_attributes(sns, endpoint):
    sns.set_sms_attributes(attributes={"MonthlySpendLimit": "5", "DeliveryStatusSuccessSamplingRate": "10"})
    got = sns.get_sms_attributes()["attributes"]
    assert got["MonthlySpendLimit"] == "5" and got["DeliveryStatusSuccessSamplingRate"] == "10"
    assert sns.get_sms_attributes(attributes=["MonthlySpendLimit"])["attributes"] == {"MonthlySpendLimit": "5"}
    for bad in ({"Colour": "x"}, {"DefaultSMSType": "Loud"}, {"MonthlySpendLimit": "lots"},
                {"DeliveryStatusSuccessSamplingRate": "101"}, {"DefaultSenderID": "TwelveChars1"}):
        assert error_of(sns.set_sms_attributes, attributes=bad) == ("InvalidParameter", 400)


def test_opt_out_by_stop_reply_and_opt_in(sns, endpoint, account):
    number = _number()
    assert sns.check_if_phone_number_is_opted_out(phoneNumber=number)["isOptedOut"] is False
    assert error_of(sns.check_if_phone_number_is_opted_out, phoneNumber="12345") == ("InvalidParameter", 400)
    assert _admin(endpoint, "opt-out", phoneNumber=number, account=account).status_code == 200
    assert _admin(endpoint, "opt-out", phoneNumber="not a number", account=account).status_code == 400
    assert sns.check_if_phone_number_is_opted_out(phoneNumber=number)["isOptedOut"] is True
    assert number in sns.list_phone_numbers_opted_out()["phoneNumbers"]
    sns.publish(PhoneNumber=number, Message="after STOP")  # accepted, as AWS accepts it, and not delivered
    [text] = recorded(endpoint, number, account=account)
    assert text["Status"] == "OPTED_OUT"
    sns.opt_in_phone_number(phoneNumber=number)
    assert sns.check_if_phone_number_is_opted_out(phoneNumber=number)["isOptedOut"] is False
    _admin(endpoint, "opt-out", phoneNumber=number, account=account)
    assert error_of(sns.opt_in_phone_number, phoneNumber=number) == ("Throttled", 429)  # once every 30 days


def test_sandbox_verification_codes(sns, endpoint, account):
    assert sns.get_sms_sandbox_account_status()["IsInSandbox"] is False
    assert _admin(endpoint, "sandbox", inSandbox=True, account=account).json() == {"inSandbox": True}
    assert sns.get_sms_sandbox_account_status()["IsInSandbox"] is True
    number = _number()
    assert error_of(sns.publish, PhoneNumber=number, Message="x") == ("InvalidParameter", 400)
    sns.create_sms_sandbox_phone_number(PhoneNumber=number, LanguageCode="en-GB")
    assert {"PhoneNumber": number, "Status": "Pending"} in sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
    codes = requests.get(f"{endpoint}/_nimbus/sns/sms/sandbox", params={"account": account}, timeout=10).json()
    [entry] = [e for e in codes["phoneNumbers"] if e["phoneNumber"] == number]
    wrong = "000000" if entry["oneTimePassword"] != "000000" else "111111"
    error = error_of(sns.verify_sms_sandbox_phone_number, PhoneNumber=number, OneTimePassword=wrong)
    assert error.code == "VerificationException"
    sns.verify_sms_sandbox_phone_number(PhoneNumber=number, OneTimePassword=entry["oneTimePassword"])
    assert {"PhoneNumber": number, "Status": "Verified"} in sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
    sns.publish(PhoneNumber=number, Message="verified now")
    assert recorded(endpoint, number, account=account)[0]["Body"] == "verified now"
    sns.delete_sms_sandbox_phone_number(PhoneNumber=number)
    assert error_of(sns.delete_sms_sandbox_phone_number, PhoneNumber=number) == ("ResourceNotFound", 404)
    assert error_of(sns.verify_sms_sandbox_phone_number, PhoneNumber=number, OneTimePassword="123456") == \
        ("ResourceNotFound", 404)
    _admin(endpoint, "sandbox", inSandbox=False, account=account)
    assert sns.list_origination_numbers()["PhoneNumbers"] == []


def test_cli_reads_sms_state(endpoint):
    # The default account, as the CLI's test/test credentials are.
    number = _number()
    aws_cli(endpoint, "sns", "create-sms-sandbox-phone-number", "--phone-number", number)
    listed = aws_cli(endpoint, "sns", "list-sms-sandbox-phone-numbers")["PhoneNumbers"]
    assert {"PhoneNumber": number, "Status": "Pending"} in listed
    assert aws_cli(endpoint, "sns", "check-if-phone-number-is-opted-out", "--phone-number", number) == \
        {"isOptedOut": False}
    aws_cli(endpoint, "sns", "delete-sms-sandbox-phone-number", "--phone-number", number)


def test_metrics_on_the_event_bus(sns, server, account):
    seen: list = []
    server.runtime.events.subscribe(METRIC, seen.append)
    try:
        topic = sns.create_topic(Name=unique("metered"))["TopicArn"]
        name = topic.rsplit(":", 1)[1]
        sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=_number())
        sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=_number(),
                      Attributes={"FilterPolicy": '{"kind": ["wanted"]}'})
        sns.publish(TopicArn=topic, Message="12345")
        deadline = time.monotonic() + 10

        def names():
            server.runtime.events.flush()
            return {d.name: d for d in seen if ("TopicName", name) in d.dimensions}
        while time.monotonic() < deadline and "NumberOfNotificationsFilteredOut-MessageAttributes" not in names():
            time.sleep(0.05)
        got = names()
    finally:
        server.runtime.events.unsubscribe(METRIC, seen.append)
    assert got["NumberOfMessagesPublished"].value == 1 and got["NumberOfMessagesPublished"].namespace == "AWS/SNS"
    assert got["PublishSize"].value == 5 and got["PublishSize"].unit == "Bytes"
    assert got["NumberOfNotificationsDelivered"].account_id == account
    assert "NumberOfNotificationsFilteredOut" in got
