"""Clients in the China and GovCloud regions get their partition's ARNs from IAM and STS."""
from __future__ import annotations

import json

import pytest

from tests.support import unique


@pytest.mark.parametrize("region, partition", [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"),
                                               ("eu-west-1", "aws")])
def test_iam_and_sts_arns_are_the_callers_partitions(aws, client, account, region, partition):
    iam, sts = aws("iam", region=region), aws("sts", region=region)
    assert sts.get_caller_identity()["Arn"] == f"arn:{partition}:iam::{account}:root"
    user = iam.create_user(UserName=unique("u"))["User"]
    assert user["Arn"].startswith(f"arn:{partition}:iam::{account}:user/")
    policy = iam.create_policy(PolicyName=unique("p"), PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                               "Resource": f"arn:{partition}:s3:::b/*"}]}))["Policy"]
    assert policy["Arn"].startswith(f"arn:{partition}:iam::{account}:policy/")
    profile = iam.create_instance_profile(InstanceProfileName=unique("ip"))["InstanceProfile"]
    assert profile["Arn"].startswith(f"arn:{partition}:iam::{account}:instance-profile/")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName=unique("r"), AssumeRolePolicyDocument=trust)["Role"]
    assert role["Arn"].startswith(f"arn:{partition}:iam::{account}:role/")
    assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ci")["AssumedRoleUser"]
    assert assumed["Arn"] == f"arn:{partition}:sts::{account}:assumed-role/{role['RoleName']}/ci"
    key = iam.create_access_key(UserName=user["UserName"])["AccessKey"]
    as_user = client("sts", region=region, key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert as_user.get_caller_identity()["Arn"] == user["Arn"]
