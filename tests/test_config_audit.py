"""The notes' "audit" use: a rule turns NON_COMPLIANT, then COMPLIANT after the fix, each change of
compliance announced to the delivery channel's topic and received by an HTTP subscriber."""
from __future__ import annotations

import json
import time

import requests

from tests.support import body, start_recording, unique


def _compliance_messages(receiver, resource_id: str, count: int) -> list[dict]:
    deadline = time.monotonic() + 10
    while True:
        found = [json.loads(body(n)["Message"]) for n in receiver.of_type("Notification")]
        found = [m for m in found if m.get("messageType") == "ComplianceChangeNotification"
                 and m["resourceId"] == resource_id]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_rule_turns_non_compliant_then_compliant_with_notifications(aws, receiver):
    sns, s3, config = aws("sns"), aws("s3"), aws("config")
    topic = sns.create_topic(Name=unique("audit"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    confirmation = body(receiver.wait_for(1, "SubscriptionConfirmation")[-1])
    assert requests.get(confirmation["SubscribeURL"], timeout=5).status_code == 200
    start_recording(aws, snsTopicARN=topic)
    rule = unique("versioning")
    config.put_config_rule(ConfigRule={"ConfigRuleName": rule, "Source": {
        "Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}})
    audited = unique("audited")
    s3.create_bucket(Bucket=audited)
    [first] = _compliance_messages(receiver, audited, 1)
    assert first["newEvaluationResult"]["complianceType"] == "NON_COMPLIANT" and first["oldEvaluationResult"] is None
    assert first["configRuleName"] == rule and first["resourceType"] == "AWS::S3::Bucket"
    s3.put_bucket_versioning(Bucket=audited, VersioningConfiguration={"Status": "Enabled"})
    [_, fixed] = _compliance_messages(receiver, audited, 2)
    assert fixed["newEvaluationResult"]["complianceType"] == "COMPLIANT"
    assert fixed["oldEvaluationResult"]["complianceType"] == "NON_COMPLIANT"
    assert fixed["newEvaluationResult"]["evaluationResultIdentifier"]["evaluationResultQualifier"] == {
        "configRuleName": rule, "resourceType": "AWS::S3::Bucket", "resourceId": audited}
    [by_resource] = config.describe_compliance_by_resource(ResourceType="AWS::S3::Bucket", ResourceId=audited)[
        "ComplianceByResources"]
    assert by_resource["Compliance"]["ComplianceType"] == "COMPLIANT"
