"""SNS delivery status logging: HTTP deliveries' outcomes written to CloudWatch Logs as the topic's feedback
roles, in AWS's record format; roles checked when set."""
from __future__ import annotations

import json
import time

import requests

from tests.support import body, error_of, unique

TRUST_SNS = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _events(logs, group: str, count: int) -> list[dict]:
    deadline = time.monotonic() + 15
    while True:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if len(events) >= count or time.monotonic() > deadline:
            return [json.loads(e["message"]) for e in events]
        time.sleep(0.05)


def test_http_delivery_status_logged_as_the_feedback_role(aws, account, receiver):
    sns, logs = aws("sns"), aws("logs")
    role = aws("iam").create_role(RoleName=unique("sns-feedback"), AssumeRolePolicyDocument=TRUST_SNS)["Role"]["Arn"]
    untrusting = aws("iam").create_role(RoleName=unique("other"), AssumeRolePolicyDocument=TRUST_SNS.replace(
        "sns.amazonaws.com", "ec2.amazonaws.com"))["Role"]["Arn"]
    name = unique("logged")
    topic = sns.create_topic(Name=name, Attributes={"HTTPSuccessFeedbackRoleArn": role,
                                                    "HTTPSuccessFeedbackSampleRate": "100"})["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="HTTPFailureFeedbackRoleArn", AttributeValue=role)
    for bad in ("not-a-role", untrusting, role.replace(account, "123456789012")):
        assert error_of(sns.set_topic_attributes, TopicArn=topic, AttributeName="HTTPFailureFeedbackRoleArn",
                        AttributeValue=bad) == ("InvalidParameter", 400)

    sub = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url, ReturnSubscriptionArn=True)
    token = body(receiver.wait_for(1, "SubscriptionConfirmation")[0])["Token"]
    sns.confirm_subscription(TopicArn=topic, Token=token)
    message_id = sns.publish(TopicArn=topic, Message="logged delivery")["MessageId"]
    receiver.wait_for(1, "Notification")

    [success] = _events(logs, f"sns/us-east-1/{account}/{name}", 1)
    assert success["status"] == "SUCCESS"
    assert success["notification"]["messageId"] == message_id and success["notification"]["topicArn"] == topic
    delivery = success["delivery"]
    assert delivery["statusCode"] == 200 and delivery["destination"] == receiver.url and delivery["attempts"] == 1
    assert delivery["dwellTimeMs"] >= 0 and "providerResponse" in delivery

    # A final 4xx is given up at once: a failure record in the /Failure group.
    receiver.statuses = [403]
    failed_id = sns.publish(TopicArn=topic, Message="refused")["MessageId"]
    [failure] = _events(logs, f"sns/us-east-1/{account}/{name}/Failure", 1)
    assert failure["status"] == "FAILURE" and failure["notification"]["messageId"] == failed_id
    assert failure["delivery"]["statusCode"] == 403
    assert sub["SubscriptionArn"].startswith(topic)


def test_sms_delivery_status_logged_with_the_account_role(aws, account, endpoint):
    sns, logs = aws("sns"), aws("logs")
    role = aws("iam").create_role(RoleName=unique("sms-status"), AssumeRolePolicyDocument=TRUST_SNS)["Role"]["Arn"]
    assert error_of(sns.set_sms_attributes, attributes={"DeliveryStatusIAMRole": role.replace("role/", "role/gone-")}) \
        == ("InvalidParameter", 400)
    sns.set_sms_attributes(attributes={"DeliveryStatusIAMRole": role, "DeliveryStatusSuccessSamplingRate": "100",
                                       "DefaultSMSType": "Transactional"})
    message_id = sns.publish(PhoneNumber="+15550003333", Message="logged text")["MessageId"]
    [success] = _events(logs, f"sns/us-east-1/{account}/DirectPublishToPhoneNumber", 1)
    assert success["status"] == "SUCCESS" and success["notification"]["messageId"] == message_id
    assert success["delivery"]["destination"] == "+15550003333" and success["delivery"]["smsType"] == "Transactional"

    requests.post(f"{endpoint}/_nimbus/sns/sms/opt-out", json={"phoneNumber": "+15550004444", "account": account},
                  timeout=10)
    sns.publish(PhoneNumber="+15550004444", Message="to a STOPped number")
    [failure] = _events(logs, f"sns/us-east-1/{account}/DirectPublishToPhoneNumber/Failure", 1)
    assert failure["status"] == "FAILURE" and failure["delivery"]["providerResponse"] == "Phone is currently opted out"
