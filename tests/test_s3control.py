"""S3 Control's account-level Block Public Access, applied by S3 together with each bucket's own."""
from __future__ import annotations

import json

import boto3
from botocore import UNSIGNED
from botocore.config import Config as BotoConfig

from tests.support import error_of, on_loopback, unique


def _public_read(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})


def test_account_block_round_trip_and_errors(aws, account):
    control = on_loopback(aws("s3control"))
    assert error_of(control.get_public_access_block, AccountId=account) == (
        "NoSuchPublicAccessBlockConfiguration", 404)
    control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    assert control.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False}
    assert error_of(control.get_public_access_block, AccountId="111122223333") == ("AccessDenied", 403)
    control.delete_public_access_block(AccountId=account)
    assert error_of(control.get_public_access_block, AccountId=account)[0] == "NoSuchPublicAccessBlockConfiguration"


def test_s3_applies_the_account_block_with_the_buckets(aws, account, endpoint):
    s3, control = aws("s3"), on_loopback(aws("s3control"))
    name = unique("acctbpa")
    s3.create_bucket(Bucket=name)
    s3.delete_public_access_block(Bucket=name)  # the bucket's own setting no longer blocks anything
    s3.put_object(Bucket=name, Key="open.txt", Body=b"open")
    control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    assert error_of(s3.put_bucket_policy, Bucket=name, Policy=_public_read(name))[0] == "AccessDenied"
    control.put_public_access_block(AccountId=account,
                                    PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    s3.put_bucket_policy(Bucket=name, Policy=_public_read(name))
    anonymous = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                             config=BotoConfig(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    assert error_of(anonymous.get_object, Bucket=name, Key="open.txt")[0] == "AccessDenied"
    control.delete_public_access_block(AccountId=account)
    assert anonymous.get_object(Bucket=name, Key="open.txt")["Body"].read() == b"open"
