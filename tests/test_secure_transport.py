"""nimbus serving HTTPS (--tls-cert/--tls-key): requests over it are aws:SecureTransport, so a policy that
denies insecure transport lets them in and refuses plain HTTP; calls one service makes to another (the
internal client) travel as AWS's do, over TLS."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3

from tests.support import error_of, self_signed, start_server, unique


def deny_insecure(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "AllowSSLRequestsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def test_https_requests_are_secure_transport(tmp_path):
    cert, key = self_signed(tmp_path)
    with start_server(tmp_path, tls_cert_file=cert, tls_key_file=key) as running:
        assert running.endpoint.startswith("https://")

        def client(service: str):
            return boto3.client(service, endpoint_url=running.endpoint, region_name="us-east-1", verify=cert,
                                aws_access_key_id="test", aws_secret_access_key="test")
        s3, bucket = client("s3"), unique("tls")
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(Bucket=bucket, Policy=deny_insecure(bucket))
        s3.put_object(Bucket=bucket, Key="template.json", Body=json.dumps(
            {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}).encode())
        assert s3.get_object(Bucket=bucket, Key="template.json")["Body"].read()
        # CloudFormation reads the TemplateURL through the internal client, as the caller: over TLS.
        summary = client("cloudformation").get_template_summary(
            TemplateURL=f"https://{bucket}.s3.amazonaws.com/template.json")
        assert summary["ResourceTypes"] == ["AWS::SNS::Topic"]


def test_plain_http_is_refused_by_a_policy_denying_insecure_transport(s3):
    bucket = unique("plain")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=deny_insecure(bucket))
    assert error_of(s3.put_object, Bucket=bucket, Key="k", Body=b"x").code == "AccessDenied"


def test_the_cli_wants_the_certificate_and_its_key_together(tmp_path):
    nimbus = Path(sys.executable).with_name("nimbus")
    done = subprocess.run([str(nimbus), "serve", "--data-dir", str(tmp_path), "--tls-cert", "cert.pem"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--tls-cert and --tls-key go together" in done.stderr
