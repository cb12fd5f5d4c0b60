"""S3 access control: bucket policies, canned ACLs, Block Public Access, anonymous and cross-account callers.

Anonymous callers are plain HTTP (requests) and boto3 with UNSIGNED signatures; a 12-digit access key id
is another account.
"""
from __future__ import annotations

import json

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config as BotoConfig

from tests.support import error_of, make_client, open_to_anyone, unique

OTHER = "111122223333"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def statement(effect: str, principal, action, resource: str, **extra) -> dict:
    return {"Effect": effect, "Principal": principal, "Action": action, "Resource": resource, **extra}


@pytest.fixture(scope="module")
def anonymous(endpoint):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        config=BotoConfig(signature_version=UNSIGNED, retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def other(endpoint):
    return make_client(endpoint, "s3", key=OTHER)


@pytest.fixture()
def fresh(s3):
    name = unique("acc")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="doc.txt", Body=b"hello")
    return name


def test_new_buckets_block_public_access_and_disable_acls(s3, fresh):
    config = s3.get_public_access_block(Bucket=fresh)["PublicAccessBlockConfiguration"]
    assert config == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                      "RestrictPublicBuckets": True}
    rules = s3.get_bucket_ownership_controls(Bucket=fresh)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert error_of(s3.put_object, Bucket=fresh, Key="x", Body=b"x", ACL="public-read").code \
        == "AccessControlListNotSupported"
    assert error_of(s3.create_bucket, Bucket=unique("acc"), ACL="public-read").code \
        == "InvalidBucketAclWithObjectOwnership"
    public = {"Version": "2012-10-17", "Statement": [statement("Allow", "*", "s3:GetObject",
                                                               f"arn:aws:s3:::{fresh}/*")]}
    assert error_of(s3.put_bucket_policy, Bucket=fresh, Policy=json.dumps(public)).code == "AccessDenied"
    # The owner keeps full control through the (disabled) ACL.
    acl = s3.get_object_acl(Bucket=fresh, Key="doc.txt")
    assert acl["Grants"] == [{"Grantee": {"Type": "CanonicalUser", "ID": acl["Owner"]["ID"],
                                          "DisplayName": acl["Grants"][0]["Grantee"]["DisplayName"]},
                              "Permission": "FULL_CONTROL"}]
    assert len(acl["Owner"]["ID"]) == 64


def test_anonymous_access_follows_the_bucket_policy(s3, anonymous, endpoint, fresh):
    url = f"{endpoint}/{fresh}/doc.txt"
    assert requests.get(url, timeout=5).status_code == 403
    assert error_of(anonymous.get_object, Bucket=fresh, Key="doc.txt").code == "AccessDenied"
    assert error_of(anonymous.list_objects_v2, Bucket=fresh).code == "AccessDenied"
    assert requests.put(f"{endpoint}/{fresh}/new.txt", data=b"x", timeout=5).status_code == 403
    assert error_of(anonymous.list_buckets).code == "AccessDenied"

    open_to_anyone(s3, fresh, ("s3:GetObject",), "/doc.*")
    assert s3.get_bucket_policy_status(Bucket=fresh)["PolicyStatus"]["IsPublic"] is True
    got = requests.get(url, timeout=5)
    assert got.status_code == 200 and got.content == b"hello"
    assert anonymous.get_object(Bucket=fresh, Key="doc.txt")["Body"].read() == b"hello"
    assert anonymous.head_object(Bucket=fresh, Key="doc.txt")["ContentLength"] == 5
    # Only what the policy names: not listing, not other keys, not writes.
    s3.put_object(Bucket=fresh, Key="secret.txt", Body=b"s")
    # A missing key is only revealed to callers that may list the bucket.
    assert requests.get(f"{endpoint}/{fresh}/doc.missing", timeout=5).status_code == 403
    assert error_of(s3.get_object, Bucket=fresh, Key="doc.missing").code == "NoSuchKey"
    assert requests.get(f"{endpoint}/{fresh}/secret.txt", timeout=5).status_code == 403
    assert error_of(anonymous.list_objects_v2, Bucket=fresh).code == "AccessDenied"
    assert error_of(anonymous.put_object, Bucket=fresh, Key="doc.txt", Body=b"x").code == "AccessDenied"

    # Anonymous uploads where the policy allows them, with a condition on the prefix.
    s3.put_bucket_policy(Bucket=fresh, Policy=policy(
        statement("Allow", "*", "s3:PutObject", f"arn:aws:s3:::{fresh}/drop/*"),
        statement("Allow", "*", "s3:ListBucket", f"arn:aws:s3:::{fresh}",
                  Condition={"StringEquals": {"s3:prefix": "drop/"}})))
    assert requests.put(f"{endpoint}/{fresh}/drop/a.txt", data=b"anon", timeout=5).status_code == 200
    assert s3.get_object(Bucket=fresh, Key="drop/a.txt")["Body"].read() == b"anon"
    assert requests.put(f"{endpoint}/{fresh}/elsewhere.txt", data=b"x", timeout=5).status_code == 403
    listed = anonymous.list_objects_v2(Bucket=fresh, Prefix="drop/")
    assert [o["Key"] for o in listed["Contents"]] == ["drop/a.txt"]
    assert requests.get(f"{endpoint}/{fresh}/drop/a.txt", timeout=5).status_code == 403  # no s3:GetObject
    assert error_of(anonymous.list_objects_v2, Bucket=fresh).code == "AccessDenied"
    s3.delete_bucket_policy(Bucket=fresh)
    assert error_of(s3.get_bucket_policy, Bucket=fresh).code == "NoSuchBucketPolicy"
    assert requests.put(f"{endpoint}/{fresh}/drop/b.txt", data=b"x", timeout=5).status_code == 403


def test_policy_round_trip_and_status(s3, fresh):
    text = policy(statement("Allow", {"AWS": f"arn:aws:iam::{OTHER}:root"}, ["s3:GetObject", "s3:List*"],
                            [f"arn:aws:s3:::{fresh}", f"arn:aws:s3:::{fresh}/*"]))
    s3.put_bucket_policy(Bucket=fresh, Policy=text)
    assert json.loads(s3.get_bucket_policy(Bucket=fresh)["Policy"]) == json.loads(text)
    assert s3.get_bucket_policy_status(Bucket=fresh)["PolicyStatus"]["IsPublic"] is False


@pytest.mark.parametrize("document, message", [
    ("not json", "Policies must be valid JSON"),
    ('{"Statement": [', "Policies must be valid JSON"),
    (policy(statement("Allow", "*", "s3:GetObjekt", "arn:aws:s3:::{b}/*")), "Policy has invalid action"),
    (policy(statement("Allow", "*", "s3:GetObject", "arn:aws:s3:::someone-else/*")), "Policy has invalid resource"),
    (policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::{b}/*"}),
     "Missing required field Principal"),
    (policy(statement("Allow", {"AWS": "not-a-principal"}, "s3:GetObject", "arn:aws:s3:::{b}/*")),
     "Invalid principal in policy"),
    (policy(statement("Maybe", "*", "s3:GetObject", "arn:aws:s3:::{b}/*")), "Invalid effect"),
    (policy(statement("Allow", "*", "s3:GetObject", "arn:aws:s3:::{b}")),
     "Action does not apply to any resource(s) in statement"),
    (policy(statement("Allow", "*", "s3:ListBucket", "arn:aws:s3:::{b}/*")),
     "Action does not apply to any resource(s) in statement"),
])
def test_malformed_policies(s3, fresh, document, message):
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as error:
        s3.put_bucket_policy(Bucket=fresh, Policy=document.replace("{b}", fresh))
    assert error.value.response["Error"]["Code"] == "MalformedPolicy"
    assert message in error.value.response["Error"]["Message"]
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_explicit_deny_binds_the_owner_too(s3, fresh):
    s3.put_bucket_policy(Bucket=fresh, Policy=policy(
        statement("Deny", "*", ["s3:GetObject", "s3:DeleteObject"], f"arn:aws:s3:::{fresh}/doc.txt"),
        statement("Deny", "*", "s3:PutObject", f"arn:aws:s3:::{fresh}/*",
                  Condition={"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}})))
    assert error_of(s3.get_object, Bucket=fresh, Key="doc.txt").code == "AccessDenied"
    assert error_of(s3.delete_object, Bucket=fresh, Key="doc.txt").code == "AccessDenied"
    assert error_of(s3.put_object, Bucket=fresh, Key="plain", Body=b"x").code == "AccessDenied"
    s3.put_object(Bucket=fresh, Key="encrypted", Body=b"x", ServerSideEncryption="AES256")
    assert s3.head_object(Bucket=fresh, Key="encrypted")["ContentLength"] == 1
    # The bucket owner's root can always manage the policy itself.
    assert "Deny" in s3.get_bucket_policy(Bucket=fresh)["Policy"]
    s3.delete_bucket_policy(Bucket=fresh)
    assert s3.get_object(Bucket=fresh, Key="doc.txt")["Body"].read() == b"hello"


def test_cross_account_access_needs_the_bucket_policy(s3, other, fresh):
    assert error_of(other.get_object, Bucket=fresh, Key="doc.txt").code == "AccessDenied"
    assert error_of(other.list_objects_v2, Bucket=fresh).code == "AccessDenied"
    assert error_of(other.put_object, Bucket=fresh, Key="theirs", Body=b"x").code == "AccessDenied"
    s3.put_bucket_policy(Bucket=fresh, Policy=policy(
        statement("Allow", {"AWS": OTHER}, ["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{fresh}/*"),
        statement("Allow", {"AWS": f"arn:aws:iam::{OTHER}:root"}, "s3:ListBucket", f"arn:aws:s3:::{fresh}")))
    assert other.get_object(Bucket=fresh, Key="doc.txt")["Body"].read() == b"hello"
    assert [o["Key"] for o in other.list_objects_v2(Bucket=fresh)["Contents"]] == ["doc.txt"]
    other.put_object(Bucket=fresh, Key="theirs", Body=b"from afar")
    assert s3.get_object(Bucket=fresh, Key="theirs")["Body"].read() == b"from afar"
    # Not granted: deleting, reading the policy, other accounts.
    assert error_of(other.delete_object, Bucket=fresh, Key="doc.txt").code == "AccessDenied"
    assert error_of(other.get_bucket_policy, Bucket=fresh).code == "AccessDenied"
    third = make_client(other.meta.endpoint_url, "s3", key="444455556666")
    assert error_of(third.get_object, Bucket=fresh, Key="doc.txt").code == "AccessDenied"
    # An account named by its canonical user id (as CloudFront origin access identities are).
    third_id = third.list_buckets()["Owner"]["ID"]
    s3.put_bucket_policy(Bucket=fresh, Policy=policy(
        statement("Allow", {"CanonicalUser": third_id}, "s3:GetObject", f"arn:aws:s3:::{fresh}/*")))
    assert third.get_object(Bucket=fresh, Key="doc.txt")["Body"].read() == b"hello"
    assert error_of(other.get_object, Bucket=fresh, Key="doc.txt").code == "AccessDenied"


def test_expected_bucket_owner(s3, fresh):
    assert s3.head_object(Bucket=fresh, Key="doc.txt", ExpectedBucketOwner="000000000000")["ContentLength"] == 5
    assert error_of(s3.head_object, Bucket=fresh, Key="doc.txt", ExpectedBucketOwner=OTHER).code == "403"


def test_canned_acls_with_acls_enabled(s3, anonymous, other, endpoint):
    name = unique("acl")
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    # Block Public Access still rejects public ACLs until it is lifted.
    assert error_of(s3.put_object, Bucket=name, Key="p", Body=b"x", ACL="public-read").code == "AccessDenied"
    assert error_of(s3.put_bucket_acl, Bucket=name, ACL="public-read").code == "AccessDenied"
    s3.delete_public_access_block(Bucket=name)
    assert error_of(s3.get_public_access_block, Bucket=name).code == "NoSuchPublicAccessBlockConfiguration"

    s3.put_object(Bucket=name, Key="public.txt", Body=b"for everyone", ACL="public-read")
    s3.put_object(Bucket=name, Key="private.txt", Body=b"mine")
    s3.put_object(Bucket=name, Key="members.txt", Body=b"signed in", ACL="authenticated-read")
    got = requests.get(f"{endpoint}/{name}/public.txt", timeout=5)
    assert got.status_code == 200 and got.content == b"for everyone"
    assert requests.get(f"{endpoint}/{name}/private.txt", timeout=5).status_code == 403
    assert error_of(anonymous.get_object, Bucket=name, Key="members.txt").code == "AccessDenied"
    assert other.get_object(Bucket=name, Key="members.txt")["Body"].read() == b"signed in"
    assert error_of(other.get_object, Bucket=name, Key="private.txt").code == "AccessDenied"

    grants = s3.get_object_acl(Bucket=name, Key="public.txt")["Grants"]
    assert {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
            "Permission": "READ"} in grants
    # Changing an object's ACL, and a bucket ACL that lets anyone list and write.
    s3.put_object_acl(Bucket=name, Key="public.txt", ACL="private")
    assert requests.get(f"{endpoint}/{name}/public.txt", timeout=5).status_code == 403
    assert error_of(anonymous.list_objects_v2, Bucket=name).code == "AccessDenied"
    s3.put_bucket_acl(Bucket=name, ACL="public-read-write")
    assert {o["Key"] for o in anonymous.list_objects_v2(Bucket=name)["Contents"]} >= {"public.txt", "private.txt"}
    assert requests.put(f"{endpoint}/{name}/dropped", data=b"anon", timeout=5).status_code == 200
    bucket_grants = s3.get_bucket_acl(Bucket=name)["Grants"]
    assert sorted(g["Permission"] for g in bucket_grants) == ["FULL_CONTROL", "READ", "WRITE"]

    # IgnorePublicAcls makes existing public grants inert; BlockPublicAcls refuses new ones.
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    assert error_of(anonymous.list_objects_v2, Bucket=name).code == "AccessDenied"
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    assert anonymous.list_objects_v2(Bucket=name)["KeyCount"] >= 2
    assert error_of(s3.put_object_acl, Bucket=name, Key="private.txt", ACL="public-read").code == "AccessDenied"
    # Enforcing bucket ownership is refused while the bucket ACL grants others.
    assert error_of(s3.put_bucket_ownership_controls, Bucket=name, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}).code == "InvalidBucketAclWithObjectOwnership"


def test_grant_headers_and_access_control_policy(s3, other):
    name = unique("acl")
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerPreferred")
    owner_id = s3.get_bucket_acl(Bucket=name)["Owner"]["ID"]
    other_id = other.list_buckets()["Owner"]["ID"]
    assert other_id != owner_id
    s3.put_object(Bucket=name, Key="shared", Body=b"to them", GrantRead=f'id="{other_id}"',
                  GrantFullControl=f'id="{owner_id}"')
    assert other.get_object(Bucket=name, Key="shared")["Body"].read() == b"to them"
    assert error_of(other.get_object_acl, Bucket=name, Key="shared").code == "AccessDenied"
    owner = {"ID": owner_id}
    s3.put_bucket_acl(Bucket=name, AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner_id}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "CanonicalUser", "ID": other_id}, "Permission": "READ"}]})
    assert [o["Key"] for o in other.list_objects_v2(Bucket=name)["Contents"]] == ["shared"]
    assert error_of(s3.put_bucket_acl, Bucket=name, GrantRead='uri="http://example.com/group"').code \
        == "InvalidArgument"
    assert error_of(s3.put_bucket_acl, Bucket=name, ACL="private", GrantRead=f'id="{other_id}"').code \
        == "InvalidRequest"


def test_restrict_public_buckets_and_policy_status(s3, anonymous, endpoint, fresh):
    open_to_anyone(s3, fresh)
    assert requests.get(f"{endpoint}/{fresh}/doc.txt", timeout=5).status_code == 200
    s3.put_public_access_block(Bucket=fresh, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    assert requests.get(f"{endpoint}/{fresh}/doc.txt", timeout=5).status_code == 403
    assert s3.get_object(Bucket=fresh, Key="doc.txt")["Body"].read() == b"hello"
    s3.put_public_access_block(Bucket=fresh, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    assert error_of(s3.put_bucket_policy, Bucket=fresh, Policy=policy(
        statement("Allow", "*", "s3:GetObject", f"arn:aws:s3:::{fresh}/*"))).code == "AccessDenied"
    # A principal-"*" grant pinned to a source IP range is not public.
    pinned = policy(statement("Allow", "*", "s3:GetObject", f"arn:aws:s3:::{fresh}/*",
                              Condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}))
    s3.put_bucket_policy(Bucket=fresh, Policy=pinned)
    assert s3.get_bucket_policy_status(Bucket=fresh)["PolicyStatus"]["IsPublic"] is False
    assert requests.get(f"{endpoint}/{fresh}/doc.txt", timeout=5).status_code == 200


def test_access_decisions_survive_restart(tmp_path):
    from tests.support import start_server
    with start_server(tmp_path) as first:
        s3 = make_client(first.endpoint, "s3")
        name = unique("acc")
        s3.create_bucket(Bucket=name)
        s3.put_object(Bucket=name, Key="k", Body=b"v")
        open_to_anyone(s3, name)
    with start_server(tmp_path) as second:
        assert requests.get(f"{second.endpoint}/{name}/k", timeout=5).content == b"v"
        s3 = make_client(second.endpoint, "s3")
        assert error_of(s3.get_public_access_block, Bucket=name).code == "NoSuchPublicAccessBlockConfiguration"
        assert json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"][0]["Principal"] == "*"


def test_delete_objects_reports_denied_keys(s3, other, fresh):
    s3.put_object(Bucket=fresh, Key="tmp/a", Body=b"a")
    s3.put_bucket_policy(Bucket=fresh, Policy=policy(
        statement("Allow", {"AWS": OTHER}, "s3:DeleteObject", f"arn:aws:s3:::{fresh}/tmp/*")))
    result = other.delete_objects(Bucket=fresh, Delete={"Objects": [{"Key": "tmp/a"}, {"Key": "doc.txt"}]})
    assert [d["Key"] for d in result["Deleted"]] == ["tmp/a"]
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [("doc.txt", "AccessDenied")]
    assert s3.get_object(Bucket=fresh, Key="doc.txt")["Body"].read() == b"hello"


def test_aws_cli_policies_and_acls(s3, endpoint, tmp_path):
    from tests.test_s3_clients import _aws
    name = unique("cli")
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerPreferred")
    s3.delete_public_access_block(Bucket=name)
    bad = tmp_path / "bad.json"
    bad.write_text(policy(statement("Allow", "*", "s3:Frobnicate", f"arn:aws:s3:::{name}/*")))
    done = _aws(endpoint, "s3api", "put-bucket-policy", "--bucket", name, "--policy", f"file://{bad}")
    assert done.returncode != 0 and "MalformedPolicy" in done.stderr
    local = tmp_path / "page.html"
    local.write_bytes(b"<p>public</p>")
    done = _aws(endpoint, "s3", "cp", str(local), f"s3://{name}/page.html", "--acl", "public-read")
    assert done.returncode == 0, done.stderr
    assert requests.get(f"{endpoint}/{name}/page.html", timeout=5).content == b"<p>public</p>"
    done = _aws(endpoint, "s3api", "get-object-acl", "--bucket", name, "--key", "page.html")
    assert done.returncode == 0 and "AllUsers" in done.stdout, done.stderr


def test_cross_account_uploads_must_hand_over_ownership(s3, other, fresh):
    s3.put_bucket_policy(Bucket=fresh, Policy=policy(statement(
        "Allow", {"AWS": OTHER}, "s3:PutObject", f"arn:aws:s3:::{fresh}/*",
        Condition={"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}})))
    assert error_of(other.put_object, Bucket=fresh, Key="in", Body=b"x").code == "AccessDenied"
    other.put_object(Bucket=fresh, Key="in", Body=b"x", ACL="bucket-owner-full-control")
    acl = s3.get_object_acl(Bucket=fresh, Key="in")  # BucketOwnerEnforced: the bucket owner owns it
    bucket_owner = s3.get_bucket_acl(Bucket=fresh)["Owner"]["ID"]
    assert acl["Owner"]["ID"] == bucket_owner
    listed = s3.list_objects_v2(Bucket=fresh, Prefix="in", FetchOwner=True)["Contents"]
    assert listed[0]["Owner"]["ID"] == bucket_owner
