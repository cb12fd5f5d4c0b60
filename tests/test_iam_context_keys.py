"""IAM's smaller operations: policies' context keys, STS token preferences, service-specific credentials."""
from __future__ import annotations

import json

from tests.support import error_of, unique

CONDITIONED = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a", "s3:prefix": "x"},
                  "Bool": {"aws:SecureTransport": "true"}}}]})


def test_context_keys_for_policies(aws):
    iam = aws("iam")
    assert iam.get_context_keys_for_custom_policy(PolicyInputList=[CONDITIONED])["ContextKeyNames"] == \
        ["aws:PrincipalTag/team", "aws:SecureTransport", "s3:prefix"]
    name = unique("u")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=CONDITIONED)
    arn = iam.get_user(UserName=name)["User"]["Arn"]
    extra = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "1.2.3.4"}}}]})
    assert iam.get_context_keys_for_principal_policy(PolicySourceArn=arn, PolicyInputList=[extra])[
        "ContextKeyNames"] == ["aws:PrincipalTag/team", "aws:SecureTransport", "aws:SourceIp", "s3:prefix"]
    assert error_of(iam.get_context_keys_for_custom_policy, PolicyInputList=["{bad"])[0] == "MalformedPolicyDocument"


def test_sts_preferences_show_in_the_account_summary(aws):
    iam = aws("iam")
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 2


def test_service_specific_credentials(aws, account):
    iam = aws("iam")
    name = unique("u")
    iam.create_user(UserName=name)
    created = iam.create_service_specific_credential(UserName=name, ServiceName="codecommit.amazonaws.com")[
        "ServiceSpecificCredential"]
    assert created["ServiceUserName"] == f"{name}-at-{account}" and len(created["ServicePassword"]) >= 32
    credential_id = created["ServiceSpecificCredentialId"]
    reset = iam.reset_service_specific_credential(UserName=name, ServiceSpecificCredentialId=credential_id)
    assert reset["ServiceSpecificCredential"]["ServicePassword"] != created["ServicePassword"]
    iam.create_service_specific_credential(UserName=name, ServiceName="codecommit.amazonaws.com")
    assert error_of(iam.create_service_specific_credential, UserName=name,
                    ServiceName="codecommit.amazonaws.com") == ("LimitExceeded", 409)
    assert error_of(iam.create_service_specific_credential, UserName=name, ServiceName="s3.amazonaws.com") == \
        ("NotSupportedService", 404)
    iam.update_service_specific_credential(UserName=name, ServiceSpecificCredentialId=credential_id, Status="Inactive")
    listed = iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
    assert {c["ServiceSpecificCredentialId"]: c["Status"] for c in listed}[credential_id] == "Inactive"
    assert all("ServicePassword" not in c for c in listed)
    iam.delete_service_specific_credential(UserName=name, ServiceSpecificCredentialId=credential_id)
    assert len(iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]) == 1
    assert error_of(iam.delete_service_specific_credential, UserName=name,
                    ServiceSpecificCredentialId=credential_id) == ("NoSuchEntity", 404)
