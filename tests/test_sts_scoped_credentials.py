"""STS GetScopedCredentials: a role session's own identity with fewer permissions (each scope-down policy
narrows what the session may do, scoping again narrows further) and no longer a life than the session's."""
from __future__ import annotations

import json

from tests.support import advance_clock, error_of, make_client, session_client, start_server, unique


def allow(*actions: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions),
                                                               "Resource": "*"}]})


def test_scoped_credentials_narrow_a_role_session(tmp_path):
    with start_server(tmp_path, enforce_iam=True) as running:
        endpoint = running.endpoint
        iam, sts = make_client(endpoint, "iam"), make_client(endpoint, "sts")
        account = sts.get_caller_identity()["Account"]
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}}]})
        role = unique("r")
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=allow(
            "sns:ListTopics", "logs:DescribeLogGroups", "sts:GetScopedCredentials", "kms:ListKeys"))
        session = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="scoped",
                                  DurationSeconds=3600)
        caller = session_client(endpoint, session["Credentials"], "sts")

        scoped = caller.get_scoped_credentials(Policy=allow("sns:ListTopics", "logs:DescribeLogGroups",
                                                            "sts:GetScopedCredentials", "s3:ListBuckets"),
                                               ScopedSessionDescription="reads only")
        assert scoped["SessionInfo"]["Arn"] == session["AssumedRoleUser"]["Arn"]
        assert scoped["ScopedPoliciesCount"] == 1
        assert scoped["Credentials"]["Expiration"] == session["Credentials"]["Expiration"]  # inherited
        assert session_client(endpoint, scoped["Credentials"], "sts").get_caller_identity()["Arn"] == \
            session["AssumedRoleUser"]["Arn"]  # the identity is kept
        assert "Topics" in session_client(endpoint, scoped["Credentials"], "sns").list_topics()
        # the scope-down policy cannot grant what the role does not
        assert error_of(session_client(endpoint, scoped["Credentials"], "s3").list_buckets).status == 403

        narrower = session_client(endpoint, scoped["Credentials"], "sts").get_scoped_credentials(
            Policy=allow("logs:DescribeLogGroups", "sns:ListTopics", "kms:ListKeys"), DurationSeconds=600)
        assert narrower["ScopedPoliciesCount"] == 2
        # the first scope-down policy still applies: the role and the second allow KMS, the first did not
        assert error_of(session_client(endpoint, narrower["Credentials"], "kms").list_keys).code == "AccessDeniedException"
        assert "Keys" in session_client(endpoint, session["Credentials"], "kms").list_keys()
        assert "logGroups" in session_client(endpoint, narrower["Credentials"], "logs").describe_log_groups()
        assert error_of(session_client(endpoint, narrower["Credentials"], "sts").get_scoped_credentials,
                        DurationSeconds=60).status == 403

        assert error_of(caller.get_scoped_credentials, DurationSeconds=7200) == ("InsufficientSessionLifetime", 400)
        assert error_of(caller.get_scoped_credentials) == ("ValidationError", 400)
        assert error_of(caller.get_scoped_credentials, Policy="{not json") == ("MalformedPolicyDocument", 400)
        assert error_of(sts.get_scoped_credentials, DurationSeconds=60) == ("InvalidSubjectCredentials", 400)

        short = caller.get_scoped_credentials(DurationSeconds=60)["Credentials"]
        advance_clock(endpoint, 120)
        assert error_of(session_client(endpoint, short, "sns").list_topics).status in (400, 403)
