"""CloudWatch Logs data protection (masking on read unless unmasked), resource and account policies."""
from __future__ import annotations

import json

from tests.support import error_of, group_with_stream, virtual_now_ms

IDENTIFIERS = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress",
               "arn:aws:dataprotection::aws:data-identifier/AwsSecretKey"]
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def policy(identifiers=IDENTIFIERS) -> str:
    return json.dumps({"Name": "protect", "Version": "2021-06-01", "Statement": [
        {"Sid": "audit", "DataIdentifier": identifiers, "Operation": {"Audit": {"FindingsDestination": {}}}},
        {"Sid": "redact", "DataIdentifier": identifiers, "Operation": {"Deidentify": {"MaskConfig": {}}}}]})


def test_data_protection_masks_reads_unless_unmasked(aws, endpoint):
    logs = aws("logs")
    group = group_with_stream(logs)
    message = f"user bob@example.com logged in with {SECRET} from 10.0.0.1"
    logs.put_log_events(logGroupName=group, logStreamName="app",
                        logEvents=[{"timestamp": virtual_now_ms(endpoint), "message": message}])
    answer = logs.put_data_protection_policy(logGroupIdentifier=group, policyDocument=policy())
    assert answer["policyDocument"] == policy() and answer["lastUpdatedTime"] > 0
    masked = f"user {'*' * 15} logged in with {'*' * 40} from 10.0.0.1"
    read = logs.get_log_events(logGroupName=group, logStreamName="app", startFromHead=True)["events"]
    assert [e["message"] for e in read] == [masked]
    assert [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]] == [masked]
    unmasked = logs.get_log_events(logGroupName=group, logStreamName="app", startFromHead=True, unmask=True)["events"]
    assert [e["message"] for e in unmasked] == [message]
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["dataProtectionStatus"] == "ACTIVATED"
    assert logs.get_data_protection_policy(logGroupIdentifier=group)["policyDocument"] == policy()
    logs.delete_data_protection_policy(logGroupIdentifier=group)
    assert [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]] == [message]
    assert error_of(logs.delete_data_protection_policy, logGroupIdentifier=group) == \
        ("InvalidParameterException", 400)


def test_bad_data_protection_policies_are_refused(aws):
    logs = aws("logs")
    group = group_with_stream(logs)
    one_statement = json.dumps({"Version": "2021-06-01", "Statement": [json.loads(policy())["Statement"][0]]})
    for document in ("{", one_statement, policy(["arn:aws:dataprotection::aws:data-identifier/Nope"])):
        assert error_of(logs.put_data_protection_policy, logGroupIdentifier=group, policyDocument=document) == \
            ("InvalidParameterException", 400)


def test_account_data_protection_policy_masks_every_group(aws, endpoint):
    logs = aws("logs")
    group = group_with_stream(logs)
    logs.put_log_events(logGroupName=group, logStreamName="app",
                        logEvents=[{"timestamp": virtual_now_ms(endpoint), "message": "mail amy@example.org"}])
    made = logs.put_account_policy(policyName="everywhere", policyType="DATA_PROTECTION_POLICY",
                                   policyDocument=policy())["accountPolicy"]
    try:
        assert made["policyType"] == "DATA_PROTECTION_POLICY" and made["scope"] == "ALL"
        assert logs.filter_log_events(logGroupName=group)["events"][0]["message"] == "mail " + "*" * 15
        assert error_of(logs.put_account_policy, policyName="second", policyType="DATA_PROTECTION_POLICY",
                        policyDocument=policy()) == ("LimitExceededException", 400)
        listed = logs.describe_account_policies(policyType="DATA_PROTECTION_POLICY")["accountPolicies"]
        assert [p["policyName"] for p in listed] == ["everywhere"]
    finally:
        logs.delete_account_policy(policyName="everywhere", policyType="DATA_PROTECTION_POLICY")
    assert error_of(logs.delete_account_policy, policyName="everywhere", policyType="DATA_PROTECTION_POLICY") == \
        ("ResourceNotFoundException", 400)


def test_resource_policies_with_revisions_and_limit(aws):
    logs = aws("logs")
    document = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "route53.amazonaws.com"}, "Action": "logs:PutLogEvents", "Resource": "*"}]})
    made = logs.put_resource_policy(policyName="route53", policyDocument=document)
    assert made["resourcePolicy"]["policyScope"] == "ACCOUNT"
    assert error_of(logs.put_resource_policy, policyName="route53", policyDocument=document,
                    expectedRevisionId="stale") == ("OperationAbortedException", 400)
    logs.put_resource_policy(policyName="route53", policyDocument=document, expectedRevisionId=made["revisionId"])
    for i in range(9):
        logs.put_resource_policy(policyName=f"p{i}", policyDocument=document)
    assert error_of(logs.put_resource_policy, policyName="eleventh", policyDocument=document) == \
        ("LimitExceededException", 400)
    assert len(logs.describe_resource_policies()["resourcePolicies"]) == 10
    assert error_of(logs.put_resource_policy, policyName="bad", policyDocument="{") == \
        ("InvalidParameterException", 400)
    logs.delete_resource_policy(policyName="route53")
    assert error_of(logs.delete_resource_policy, policyName="route53") == ("ResourceNotFoundException", 400)
