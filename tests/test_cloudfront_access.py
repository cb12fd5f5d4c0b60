"""Origin access: the notes' scenario. A private bucket whose policy grants only an origin access identity
(by its ARN or canonical user id) or an origin access control (the CloudFront service principal for one
distribution's ARN) is served through the edge while direct S3 reads are denied; a distribution without
that access gets S3's 403 through the edge, and one with none reads only public objects."""
from __future__ import annotations

import json

import pytest
import requests

from tests.support import (
    distribution_config,
    error_of,
    legacy_behaviour,
    new_bucket,
    public_origin_bucket,
    retire,
    s3_origin,
    unique,
)


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront")


@pytest.fixture(scope="module")
def owner_s3(aws):
    return aws("s3")


def edge(endpoint: str, distribution: dict, path: str) -> requests.Response:
    return requests.get(f"{endpoint}/_cloudfront/{distribution['Id']}{path}", timeout=30)


def private_bucket(s3, statement: dict | None = None) -> str:
    name = new_bucket(s3, "private")
    s3.put_object(Bucket=name, Key="secret.txt", Body=b"for viewers of the CDN only")
    if statement is not None:
        grant(s3, name, statement)
    return name


def grant(s3, bucket: str, statement: dict) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*", **statement}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))


def distribution(cloudfront, bucket: str, **origin) -> dict:
    config = distribution_config([{**s3_origin("s3", bucket), **origin}], legacy_behaviour("s3"))
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


def new_identity(cloudfront) -> dict:
    return cloudfront.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig={
        "CallerReference": unique("oai"), "Comment": "the CDN"})["CloudFrontOriginAccessIdentity"]


def with_identity(identity: dict) -> dict:
    return {"S3OriginConfig": {"OriginAccessIdentity": f"origin-access-identity/cloudfront/{identity['Id']}"}}


def test_bucket_readable_only_through_the_identity(cloudfront, owner_s3, endpoint):
    identity = new_identity(cloudfront)
    arn = f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {identity['Id']}"
    bucket = private_bucket(owner_s3, {"Principal": {"AWS": arn}})
    through = distribution(cloudfront, bucket, **with_identity(identity))
    served = edge(endpoint, through, "/secret.txt")
    assert (served.status_code, served.text) == (200, "for viewers of the CDN only")
    # Directly, anonymously: S3 refuses.
    direct = requests.get(f"{endpoint}/{bucket}/secret.txt", timeout=30)
    assert direct.status_code == 403 and "<Code>AccessDenied</Code>" in direct.text
    # A distribution without the identity reads as an anonymous viewer: S3's 403 through the edge.
    without = edge(endpoint, distribution(cloudfront, bucket), "/secret.txt")
    assert without.status_code == 403 and "AccessDenied" in without.text
    assert without.headers["X-Cache"] == "Error from cloudfront"
    # Another identity is not the one the policy names.
    other = edge(endpoint, distribution(cloudfront, bucket, **with_identity(new_identity(cloudfront))), "/secret.txt")
    assert other.status_code == 403


def test_identity_named_by_its_canonical_user_id(cloudfront, owner_s3, endpoint):
    identity = new_identity(cloudfront)
    assert len(identity["S3CanonicalUserId"]) == 64
    bucket = private_bucket(owner_s3, {"Principal": {"CanonicalUser": identity["S3CanonicalUserId"]}})
    assert edge(endpoint, distribution(cloudfront, bucket, **with_identity(identity)), "/secret.txt").status_code == 200
    other = distribution(cloudfront, bucket, **with_identity(new_identity(cloudfront)))
    assert edge(endpoint, other, "/secret.txt").status_code == 403


def test_origin_access_control_signs_for_its_distribution(cloudfront, owner_s3, endpoint):
    control = cloudfront.create_origin_access_control(OriginAccessControlConfig={
        "Name": unique("oac"), "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]
    bucket = private_bucket(owner_s3)
    mine = distribution(cloudfront, bucket, OriginAccessControlId=control["Id"])
    other = distribution(cloudfront, bucket, OriginAccessControlId=control["Id"])
    grant(owner_s3, bucket, {"Principal": {"Service": "cloudfront.amazonaws.com"},
                             "Condition": {"StringEquals": {"AWS:SourceArn": mine["ARN"]}}})
    assert edge(endpoint, mine, "/secret.txt").text == "for viewers of the CDN only"
    assert edge(endpoint, other, "/secret.txt").status_code == 403  # another distribution's ARN
    assert requests.get(f"{endpoint}/{bucket}/secret.txt", timeout=30).status_code == 403
    # A control that never signs reads as an anonymous viewer.
    etag = cloudfront.get_origin_access_control(Id=control["Id"])["ETag"]
    config = {**cloudfront.get_origin_access_control_config(Id=control["Id"])["OriginAccessControlConfig"],
              "SigningBehavior": "never"}
    cloudfront.update_origin_access_control(Id=control["Id"], IfMatch=etag, OriginAccessControlConfig=config)
    assert edge(endpoint, mine, "/secret.txt").headers["X-Cache"] == "Hit from cloudfront"
    cloudfront.create_invalidation(DistributionId=mine["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": unique("inv")})
    assert edge(endpoint, mine, "/secret.txt").status_code == 403


def test_without_origin_access_only_public_objects(cloudfront, owner_s3, endpoint):
    private = private_bucket(owner_s3)
    assert edge(endpoint, distribution(cloudfront, private), "/secret.txt").status_code == 403
    public = public_origin_bucket(owner_s3)
    owner_s3.put_object(Bucket=public, Key="open.txt", Body=b"anyone")
    assert edge(endpoint, distribution(cloudfront, public), "/open.txt").text == "anyone"


def test_identity_lifecycle(cloudfront, owner_s3):
    identity = new_identity(cloudfront)
    got = cloudfront.get_cloud_front_origin_access_identity(Id=identity["Id"])
    assert got["CloudFrontOriginAccessIdentity"] == identity
    config = cloudfront.get_cloud_front_origin_access_identity_config(Id=identity["Id"])
    assert config["CloudFrontOriginAccessIdentityConfig"]["Comment"] == "the CDN" and config["ETag"] == got["ETag"]
    changed = {**config["CloudFrontOriginAccessIdentityConfig"], "Comment": "renamed"}
    assert error_of(cloudfront.update_cloud_front_origin_access_identity, Id=identity["Id"],
                    CloudFrontOriginAccessIdentityConfig=changed, IfMatch="") == ("InvalidIfMatchVersion", 400)
    assert error_of(cloudfront.update_cloud_front_origin_access_identity, Id=identity["Id"],
                    CloudFrontOriginAccessIdentityConfig=changed, IfMatch="E0STALE") == ("PreconditionFailed", 412)
    updated = cloudfront.update_cloud_front_origin_access_identity(
        Id=identity["Id"], CloudFrontOriginAccessIdentityConfig=changed, IfMatch=got["ETag"])
    assert updated["ETag"] != got["ETag"]
    listed = cloudfront.list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]
    assert {"Id": identity["Id"], "S3CanonicalUserId": identity["S3CanonicalUserId"], "Comment": "renamed"} \
        in listed["Items"]
    used = distribution(cloudfront, private_bucket(owner_s3), **with_identity(identity))
    assert error_of(cloudfront.delete_cloud_front_origin_access_identity, Id=identity["Id"],
                    IfMatch=updated["ETag"]) == ("CloudFrontOriginAccessIdentityInUse", 409)
    retire(cloudfront, used["Id"])
    cloudfront.delete_cloud_front_origin_access_identity(Id=identity["Id"], IfMatch=updated["ETag"])
    assert error_of(cloudfront.get_cloud_front_origin_access_identity,
                    Id=identity["Id"]) == ("NoSuchCloudFrontOriginAccessIdentity", 404)
    unknown = {"S3OriginConfig": {"OriginAccessIdentity": "origin-access-identity/cloudfront/E0NOSUCHIDENTI"}}
    config = distribution_config([{**s3_origin("s3", "b"), **unknown}], legacy_behaviour("s3"))
    assert error_of(cloudfront.create_distribution, DistributionConfig=config) == ("InvalidOriginAccessIdentity", 400)


def test_control_lifecycle(cloudfront, owner_s3):
    name = unique("oac")
    config = {"Name": name, "SigningProtocol": "sigv4", "SigningBehavior": "no-override",
              "OriginAccessControlOriginType": "s3"}
    created = cloudfront.create_origin_access_control(OriginAccessControlConfig=config)
    control = created["OriginAccessControl"]
    assert control["OriginAccessControlConfig"] == {**config, "Description": ""}
    assert error_of(cloudfront.create_origin_access_control,
                    OriginAccessControlConfig=config) == ("OriginAccessControlAlreadyExists", 409)
    listed = cloudfront.list_origin_access_controls()["OriginAccessControlList"]["Items"]
    assert any(item["Id"] == control["Id"] and item["Name"] == name for item in listed)
    used = distribution(cloudfront, private_bucket(owner_s3), OriginAccessControlId=control["Id"])
    assert error_of(cloudfront.delete_origin_access_control, Id=control["Id"],
                    IfMatch=created["ETag"]) == ("OriginAccessControlInUse", 409)
    retire(cloudfront, used["Id"])
    assert error_of(cloudfront.delete_origin_access_control, Id=control["Id"]) == ("InvalidIfMatchVersion", 400)
    cloudfront.delete_origin_access_control(Id=control["Id"], IfMatch=created["ETag"])
    assert error_of(cloudfront.get_origin_access_control, Id=control["Id"]) == ("NoSuchOriginAccessControl", 404)
    bad = distribution_config([{**s3_origin("s3", "b"), "OriginAccessControlId": control["Id"]}],
                              legacy_behaviour("s3"))
    assert error_of(cloudfront.create_distribution, DistributionConfig=bad) == ("NoSuchOriginAccessControl", 404)


def test_no_override_signs_unless_the_viewer_authorizes(cloudfront, owner_s3, endpoint):
    control = cloudfront.create_origin_access_control(OriginAccessControlConfig={
        "Name": unique("oac"), "SigningProtocol": "sigv4", "SigningBehavior": "no-override",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]
    bucket = private_bucket(owner_s3)
    owner_s3.put_object(Bucket=bucket, Key="other.txt", Body=b"also private")
    dist = distribution(cloudfront, bucket, OriginAccessControlId=control["Id"])
    grant(owner_s3, bucket, {"Principal": {"Service": "cloudfront.amazonaws.com"},
                             "Condition": {"StringEquals": {"AWS:SourceArn": dist["ARN"]}}})
    assert edge(endpoint, dist, "/secret.txt").status_code == 200
    # The viewer's own Authorization is left to the origin (nimbus reads as an anonymous viewer then).
    with_auth = requests.get(f"{endpoint}/_cloudfront/{dist['Id']}/other.txt", timeout=30,
                             headers={"Authorization": "Bearer viewer"})
    assert with_auth.status_code == 403
    both = {**with_identity(new_identity(cloudfront)), "OriginAccessControlId": control["Id"]}
    config = distribution_config([{**s3_origin("s3", bucket), **both}], legacy_behaviour("s3"))
    assert error_of(cloudfront.create_distribution,
                    DistributionConfig=config) == ("IllegalOriginAccessConfiguration", 400)
