"""IAM documents stored before schema versions (version 0) are served, then rewritten versioned."""
from __future__ import annotations

import json

from nimbus.core.documents import VERSION_FIELD
from nimbus.services.iam.common import ns
from tests.support import ACCOUNT, make_client, start_server, stored, unversion

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def test_identities_stored_before_versions_keep_working(tmp_path):
    data_dir = str(tmp_path / "data")
    with start_server(tmp_path) as server:
        iam = make_client(server.endpoint, "iam")
        iam.create_user(UserName="Legacy")
        iam.create_group(GroupName="Old")
        iam.add_user_to_group(GroupName="Old", UserName="Legacy")
        iam.create_role(RoleName="Aged", AssumeRolePolicyDocument=TRUST)
        policy_arn = iam.create_policy(PolicyName="Then", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
        iam.attach_group_policy(GroupName="Old", PolicyArn=policy_arn)
        iam.create_instance_profile(InstanceProfileName="Box")
        iam.add_role_to_instance_profile(InstanceProfileName="Box", RoleName="Aged")
        key_id = iam.create_access_key(UserName="Legacy")["AccessKey"]["AccessKeyId"]
    for collection, key in (("users", "legacy"), ("groups", "old"), ("roles", "aged"), ("policies", policy_arn),
                            ("instance_profiles", "box"), ("access_keys", key_id)):
        unversion(data_dir, ns(ACCOUNT, collection), key)

    with start_server(tmp_path) as server:
        iam = make_client(server.endpoint, "iam")
        assert [u["UserName"] for u in iam.get_group(GroupName="Old")["Users"]] == ["Legacy"]
        assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="Legacy")["Groups"]] == ["Old"]
        assert [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName="Old")["AttachedPolicies"]] \
            == [policy_arn]
        assert iam.get_policy(PolicyArn=policy_arn)["Policy"]["AttachmentCount"] == 1
        [profile] = iam.list_instance_profiles_for_role(RoleName="Aged")["InstanceProfiles"]
        assert profile["InstanceProfileName"] == "Box" and profile["Roles"][0]["RoleName"] == "Aged"
        assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="Legacy")["AccessKeyMetadata"]] == [key_id]
        iam.update_access_key(UserName="Legacy", AccessKeyId=key_id, Status="Inactive")
        iam.tag_user(UserName="Legacy", Tags=[{"Key": "era", "Value": "before"}])
        iam.update_role(RoleName="Aged", MaxSessionDuration=7200)

    assert stored(data_dir, ns(ACCOUNT, "users"), "legacy")[VERSION_FIELD] == 1
    assert stored(data_dir, ns(ACCOUNT, "roles"), "aged")[VERSION_FIELD] == 1
    key = stored(data_dir, ns(ACCOUNT, "access_keys"), key_id)
    # Version 2: the record keeps no copy of the secret (the credential registry holds it, sealed).
    assert key[VERSION_FIELD] == 2 and key["Status"] == "Inactive" and "SecretAccessKey" not in key
