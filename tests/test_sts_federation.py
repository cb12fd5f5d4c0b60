"""STS: GetFederationToken (the intersection of the user's and the session's policies), GetAccessKeyInfo,
DecodeAuthorizationMessage, RoleSessionName rules, transitive session tags and source identity."""
from __future__ import annotations

import json

from nimbus.core.authorization_message import encode
from nimbus.core.policy.evaluate import Decision
from tests.support import error_of, make_client, session_client, start_server, unique


def allow(*actions: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions),
                                                               "Resource": "*"}]})


def test_federation_tokens_get_the_intersection_of_policies(tmp_path):
    with start_server(tmp_path, enforce_iam=True) as running:
        check_federation(running.endpoint)


def check_federation(endpoint: str) -> None:
    iam = make_client(endpoint, "iam")
    name = unique("u")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=allow("sns:ListTopics", "sqs:ListQueues",
                                                                              "sts:GetFederationToken"))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    sts = make_client(endpoint, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    token = sts.get_federation_token(Name="bob", Policy=allow("sns:ListTopics", "logs:DescribeLogGroups"))
    assert token["FederatedUser"]["Arn"].endswith(":federated-user/bob")
    federated = token["Credentials"]
    assert session_client(endpoint, federated, "sts").get_caller_identity()["Arn"] == token["FederatedUser"]["Arn"]
    assert "Topics" in session_client(endpoint, federated, "sns").list_topics()  # in both
    assert error_of(session_client(endpoint, federated, "logs").describe_log_groups).status == 403  # session only
    # Without a session policy the federated user may do nothing at all.
    bare = sts.get_federation_token(Name="none")["Credentials"]
    assert error_of(session_client(endpoint, bare, "sns").list_topics).status == 403
    assert error_of(session_client(endpoint, federated, "sts").get_federation_token, Name="again").status == 403


def test_access_key_info_and_authorization_messages(server, client, endpoint):
    iam = client("iam")
    name = unique("u")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    sts = client("sts")
    assert sts.get_access_key_info(AccessKeyId=key)["Account"] == "000000000000"
    decision = Decision(False, "s3:GetObject", "arn:aws:s3:::b/k", "arn:aws:iam::000000000000:user/x",
                        "explicit_deny", statements=["DenyAll"])
    encoded = encode(server.runtime.vault, decision, {"aws:SourceIp": "10.0.0.1"})
    decoded = json.loads(sts.decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])
    assert decoded["explicitDeny"] is True and decoded["context"]["action"] == "s3:GetObject"
    assert decoded["matchedStatements"]["items"] == [{"statementId": "DenyAll"}]
    assert error_of(sts.decode_authorization_message, EncodedMessage=encoded[:-8] + "AAAAAAAA") == \
        ("InvalidAuthorizationMessageException", 400)


def test_role_sessions_carry_transitive_tags_and_source_identity(client, endpoint):
    iam, sts = client("iam"), client("sts")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
        "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}]})
    first, second = (iam.create_role(RoleName=unique("r"), AssumeRolePolicyDocument=trust)["Role"]["Arn"]
                     for _ in range(2))
    assert error_of(sts.assume_role, RoleArn=first, RoleSessionName="has space").code == "ValidationError"
    assert error_of(sts.assume_role, RoleArn=first, RoleSessionName="ok", Tags=[{"Key": "a", "Value": "1"}],
                    TransitiveTagKeys=["b"]).code == "ValidationError"
    session = sts.assume_role(RoleArn=first, RoleSessionName="first", SourceIdentity="alice",
                              Tags=[{"Key": "team", "Value": "blue"}, {"Key": "temp", "Value": "x"}],
                              TransitiveTagKeys=["team"])
    assert session["SourceIdentity"] == "alice"
    chained_sts = session_client(endpoint, session["Credentials"], "sts")
    assert error_of(chained_sts.assume_role, RoleArn=second, RoleSessionName="second",
                    Tags=[{"Key": "team", "Value": "red"}]).code == "ValidationError"
    assert error_of(chained_sts.assume_role, RoleArn=second, RoleSessionName="second",
                    SourceIdentity="mallory").status == 403
    chained = chained_sts.assume_role(RoleArn=second, RoleSessionName="second")
    assert chained["SourceIdentity"] == "alice"

