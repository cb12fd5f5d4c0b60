"""Parameter Store's SecureString (real KMS ciphertexts), Expiration on the virtual clock, listings,
durability across a restart, and the AWS CLI."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from tests.support import advance_clock, aws_cli, error_of, make_client, start_server, unique, virtual_now


@pytest.fixture(scope="module")
def ssm(aws):
    return aws("ssm")


def test_secure_string_is_a_real_kms_ciphertext(ssm, aws):
    name = "/" + unique("secret")
    ssm.put_parameter(Name=name, Value="hunter2", Type="SecureString")
    stored = ssm.get_parameter(Name=name)["Parameter"]
    assert stored["Value"] != "hunter2"
    arn = stored["ARN"]
    opened = aws("kms").decrypt(CiphertextBlob=base64.b64decode(stored["Value"]),
                                EncryptionContext={"PARAMETER_ARN": arn})
    assert opened["Plaintext"] == b"hunter2"
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == "hunter2"
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"][0]
    assert described["KeyId"] == "alias/aws/ssm"
    managed = aws("kms").describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]
    assert managed["KeyManager"] == "AWS" and opened["KeyId"] == managed["Arn"]


def test_secure_string_with_a_customer_key_follows_the_key(ssm, aws):
    kms = aws("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    name = "/" + unique("secret")
    ssm.put_parameter(Name=name, Value="v1", Type="SecureString", KeyId=key)
    ssm.put_parameter(Name=name, Value="v2", Overwrite=True)
    history = ssm.get_parameter_history(Name=name, WithDecryption=True)["Parameters"]
    assert [(h["Value"], h["KeyId"]) for h in history] == [("v1", key), ("v2", key)]
    kms.disable_key(KeyId=key)
    assert error_of(ssm.get_parameter, Name=name, WithDecryption=True).code == "InvalidKeyId"
    assert ssm.get_parameter(Name=name)["Parameter"]["Type"] == "SecureString"  # the ciphertext needs no key
    assert error_of(ssm.put_parameter, Name="/" + unique("s"), Value="v", Type="SecureString",
                    KeyId="alias/missing").code == "InvalidKeyId"


def test_a_key_policy_that_denies_the_caller_denies_the_parameter(tmp_path):
    with start_server(tmp_path, enforce_iam=True) as own:
        check_key_policy_denial(make_client(own.endpoint, "ssm"), make_client(own.endpoint, "kms"), "000000000000")


def check_key_policy_denial(ssm, kms, account: str) -> None:
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}}]}
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    name = "/" + unique("secret")
    ssm.put_parameter(Name=name, Value="v", Type="SecureString", KeyId=key)
    assert error_of(ssm.get_parameter, Name=name, WithDecryption=True).code == "AccessDeniedException"


def test_expiration_deletes_on_the_virtual_clock(ssm, endpoint):
    name = "/" + unique("expiring")
    when = virtual_now(endpoint) + timedelta(hours=1)
    policies = json.dumps([{"Type": "Expiration", "Version": "1.0",
                            "Attributes": {"Timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.000Z")}}])
    ssm.put_parameter(Name=name, Value="v", Type="String", Tier="Advanced", Policies=policies)
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "v"
    advance_clock(endpoint, 3601)
    assert error_of(ssm.get_parameter, Name=name).code == "ParameterNotFound"
    assert ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"] == []
    ssm.put_parameter(Name=name, Value="again", Type="String")  # the name is free again, version 1
    assert ssm.get_parameter(Name=name)["Parameter"]["Version"] == 1


def test_by_path_recursion_filters_and_paging(ssm):
    root = "/" + unique("tree")
    for i in range(12):
        ssm.put_parameter(Name=f"{root}/one/p{i:02d}", Value=str(i), Type="String" if i % 2 else "SecureString")
    ssm.put_parameter(Name=f"{root}/one/deeper/q", Value="q", Type="String")
    ssm.label_parameter_version(Name=f"{root}/one/p03", Labels=["live"])
    first = ssm.get_parameters_by_path(Path=f"{root}/one")
    assert len(first["Parameters"]) == 10 and "NextToken" in first
    rest = ssm.get_parameters_by_path(Path=f"{root}/one", NextToken=first["NextToken"])
    assert [p["Name"] for p in first["Parameters"] + rest["Parameters"]] == [
        f"{root}/one/p{i:02d}" for i in range(12)]
    everything = ssm.get_paginator("get_parameters_by_path").paginate(Path=root, Recursive=True, WithDecryption=True)
    values = sorted(p["Value"] for page in everything for p in page["Parameters"])
    assert values == sorted([str(i) for i in range(12)] + ["q"])
    typed = ssm.get_parameters_by_path(Path=f"{root}/one", ParameterFilters=[
        {"Key": "Type", "Values": ["String"]}, {"Key": "Label", "Values": ["live"]}])["Parameters"]
    assert [p["Name"] for p in typed] == [f"{root}/one/p03"]
    assert error_of(ssm.get_parameters_by_path, Path=root,
                    ParameterFilters=[{"Key": "Name", "Values": ["x"]}]).code == "InvalidFilterKey"
    assert error_of(ssm.get_parameters_by_path, Path="no-slash").code == "ValidationException"


def test_describe_parameters_filters(ssm):
    root = "/" + unique("desc")
    ssm.put_parameter(Name=f"{root}/a", Value="v", Type="String", Tags=[{"Key": "team", "Value": "red"}])
    ssm.put_parameter(Name=f"{root}/b/c", Value="v", Type="StringList", Tier="Advanced")

    def names(**kwargs):
        pages = ssm.get_paginator("describe_parameters").paginate(**kwargs)
        return [p["Name"] for page in pages for p in page["Parameters"]]
    assert names(ParameterFilters=[{"Key": "Path", "Values": [root]}]) == [f"{root}/a"]
    assert names(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [root]}]) == [
        f"{root}/a", f"{root}/b/c"]
    assert names(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": [root]},
                                   {"Key": "Tier", "Values": ["Advanced"]}]) == [f"{root}/b/c"]
    assert names(ParameterFilters=[{"Key": "tag:team", "Values": ["red"]},
                                   {"Key": "Path", "Option": "Recursive", "Values": [root]}]) == [f"{root}/a"]
    assert names(Filters=[{"Key": "Name", "Values": [f"{root}/b"]}]) == [f"{root}/b/c"]
    assert error_of(ssm.describe_parameters, ParameterFilters=[{"Key": "Label", "Values": ["x"]}]).code == (
        "InvalidFilterKey")
    assert error_of(ssm.describe_parameters, ParameterFilters=[{"Key": "Type", "Option": "Contains",
                                                               "Values": ["String"]}]).code == "InvalidFilterOption"
    assert error_of(ssm.describe_parameters, Filters=[{"Key": "Name", "Values": ["x"]}],
                    ParameterFilters=[{"Key": "Name", "Values": ["x"]}]).code == "ValidationException"


def test_the_hundredth_version_limit(ssm):
    name = "/" + unique("many")
    ssm.put_parameter(Name=name, Value="0", Type="String")
    ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["first"])
    for i in range(1, 100):
        ssm.put_parameter(Name=name, Value=str(i), Overwrite=True)
    error = error_of(ssm.put_parameter, Name=name, Value="x", Overwrite=True)
    assert error.code == "ParameterMaxVersionLimitExceeded" and "Version 1, the oldest version" in error.message
    ssm.label_parameter_version(Name=name, ParameterVersion=50, Labels=["first"])
    assert ssm.put_parameter(Name=name, Value="x", Overwrite=True)["Version"] == 101
    history = ssm.get_paginator("get_parameter_history").paginate(Name=name)
    versions = [h["Version"] for page in history for h in page["Parameters"]]
    assert versions == list(range(2, 102))
    assert error_of(ssm.get_parameter, Name=f"{name}:1").code == "ParameterVersionNotFound"


def test_parameters_and_versions_survive_a_restart(tmp_path):
    name = "/" + unique("durable")
    with start_server(tmp_path) as first:
        ssm = make_client(first.endpoint, "ssm")
        ssm.put_parameter(Name=name, Value="one", Type="String")
        ssm.put_parameter(Name=name, Value="two", Type="SecureString", Overwrite=True)
        ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["old"])
    with start_server(tmp_path) as second:
        ssm = make_client(second.endpoint, "ssm")
        assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == "two"
        assert ssm.get_parameter(Name=f"{name}:old")["Parameter"]["Value"] == "one"
        assert len(ssm.get_parameter_history(Name=name)["Parameters"]) == 2




def test_the_aws_cli(endpoint):
    root = "/" + unique("cli")
    aws_cli(endpoint, "ssm", "put-parameter", "--name", f"{root}/db/host", "--value", "db.local", "--type", "String")
    aws_cli(endpoint, "ssm", "put-parameter", "--name", f"{root}/db/password", "--value", "s3cret",
        "--type", "SecureString")
    found = aws_cli(endpoint, "ssm", "get-parameters-by-path", "--path", root, "--recursive", "--with-decryption")
    assert {p["Name"]: p["Value"] for p in found["Parameters"]} == {
        f"{root}/db/host": "db.local", f"{root}/db/password": "s3cret"}
