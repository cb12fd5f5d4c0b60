"""IAM users and access keys: created keys really sign requests as the user."""
from __future__ import annotations

from tests.support import error_of, unique


def test_create_get_and_duplicate_user(client):
    iam = client("iam")
    name = unique("alice")
    user = iam.create_user(UserName=name, Path="/team/", Tags=[{"Key": "k", "Value": "v"}])["User"]
    assert user["Arn"] == f"arn:aws:iam::000000000000:user/team/{name}"
    assert user["UserId"].startswith("AIDA")
    fetched = iam.get_user(UserName=name)["User"]
    assert fetched["UserId"] == user["UserId"]
    assert fetched["Tags"] == [{"Key": "k", "Value": "v"}]
    # Names are unique regardless of case, as in AWS.
    assert error_of(iam.create_user, UserName=name.upper()) == ("EntityAlreadyExists", 409)
    assert error_of(iam.get_user, UserName=unique("nobody")) == ("NoSuchEntity", 404)


def test_access_key_signs_as_the_user(client):
    iam = client("iam")
    name = unique("bob")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and key["Status"] == "Active"

    as_user = client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    identity = as_user.get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::000000000000:user/{name}"
    # With no UserName, IAM acts on the calling user.
    as_user_iam = client("iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert as_user_iam.get_user()["User"]["UserName"] == name
    listed = as_user_iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]

    assert error_of(client("sts", key=key["AccessKeyId"], secret="wrong").get_caller_identity) == \
        ("SignatureDoesNotMatch", 403)


def test_access_key_quota_and_deletion(client):
    iam = client("iam")
    name = unique("carol")
    iam.create_user(UserName=name)
    first = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    iam.create_access_key(UserName=name)
    assert error_of(iam.create_access_key, UserName=name) == ("LimitExceeded", 409)
    assert error_of(iam.delete_user, UserName=name) == ("DeleteConflict", 409)
    iam.delete_access_key(UserName=name, AccessKeyId=first)
    assert len(iam.list_access_keys(UserName=name)["AccessKeyMetadata"]) == 1
    assert error_of(iam.delete_access_key, UserName=name, AccessKeyId=first) == ("NoSuchEntity", 404)


def test_inactive_key_stops_signing(client):
    iam = client("iam")
    name = unique("dave")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    sts = client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert error_of(sts.get_caller_identity) == ("InvalidClientTokenId", 403)


def test_users_are_kept_per_account(client):
    name = unique("erin")
    client("iam", key="111111111111", secret="x").create_user(UserName=name)
    assert error_of(client("iam").get_user, UserName=name) == ("NoSuchEntity", 404)
    other = client("iam", key="111111111111", secret="x").get_user(UserName=name)["User"]
    assert other["Arn"] == f"arn:aws:iam::111111111111:user/{name}"


def test_list_users_pages(client):
    iam = client("iam", key="222222222222", secret="x")
    names = sorted(unique("pager") for _ in range(5))
    for name in names:
        iam.create_user(UserName=name)
    first = iam.list_users(MaxItems=2)
    assert first["IsTruncated"] and len(first["Users"]) == 2
    seen = [u["UserName"] for u in first["Users"]]
    marker = first["Marker"]
    while marker:
        page = iam.list_users(MaxItems=2, Marker=marker)
        seen += [u["UserName"] for u in page["Users"]]
        marker = page.get("Marker")
    assert seen == names
