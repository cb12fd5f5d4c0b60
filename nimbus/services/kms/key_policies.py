"""The key policies AWS writes itself: a customer managed key's default policy, and the policy of
an AWS managed key (``alias/aws/<service>``), which lets the account's principals use the key only
through that service.
"""
from __future__ import annotations

import functools
import json

from nimbus.services.kms.documents import Key

# AWS serializes the default policy with Jackson's pretty printer: " : " separators and "[ {".
DEFAULT_POLICY = """{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::%s:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}"""


ROOT_SID = "Enable IAM User Permissions"


@functools.lru_cache(maxsize=1024)
def default_policy(account: str) -> str:
    return DEFAULT_POLICY % account


def aws_managed_policy(account: str, region: str, service: str) -> str:
    statements = [{
        "Sid": f"Allow access through {service.upper()} for all principals in the account that are authorized "
               f"to use {service.upper()}",
        "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant",
                   "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:CallerAccount": account,
                                       "kms:ViaService": f"{service}.{region}.amazonaws.com"}},
    }, {
        "Sid": "Allow direct access to key metadata to the account",
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
        "Resource": "*",
    }]
    return json.dumps({"Version": "2012-10-17", "Id": f"auto-{service}-2", "Statement": statements}, indent=2)


def key_policy(key: Key) -> str:
    """The key's policy document (keys written before nimbus stored AWS managed keys' policies get
    the default one)."""
    return key["Policies"].get("default") or default_policy(key["AWSAccountId"])
