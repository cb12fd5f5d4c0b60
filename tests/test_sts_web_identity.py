"""OIDC providers in IAM, nimbus's offline test issuer, and STS AssumeRoleWithWebIdentity verifying its
tokens (signature, expiry on the virtual clock, audience, and the trust policy's aud/sub/amr conditions)."""
from __future__ import annotations

import json

import requests

from tests.support import advance_clock, error_of, make_client, unique

THUMB = "a" * 40


def mint(issuer: str, **claims) -> str:
    reply = requests.post(f"{issuer}/token", json=claims, timeout=30)
    reply.raise_for_status()
    return reply.json()["token"]


def test_oidc_provider_lifecycle(aws):
    iam = aws("iam")
    url = f"https://token.{unique('ci')}.example.com"
    created = iam.create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"],
                                                  ThumbprintList=[THUMB], Tags=[{"Key": "a", "Value": "1"}])
    arn = created["OpenIDConnectProviderArn"]
    assert arn.endswith(f":oidc-provider/{url[len('https://'):]}") and created["Tags"] == [{"Key": "a", "Value": "1"}]
    assert error_of(iam.create_open_id_connect_provider, Url=url, ThumbprintList=[THUMB]) == \
        ("EntityAlreadyExists", 409)
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="x")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com")
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=["b" * 40])
    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["a"])
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == url[len("https://"):] and got["ClientIDList"] == ["x"]
    assert got["ThumbprintList"] == ["b" * 40] and got["Tags"] == [{"Key": "b", "Value": "2"}]
    assert iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    assert {"Arn": arn} in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert error_of(iam.create_open_id_connect_provider, Url="http://plain.example.com", ThumbprintList=[THUMB]) \
        == ("InvalidInput", 400)
    assert error_of(iam.update_open_id_connect_provider_thumbprint, OpenIDConnectProviderArn=arn,
                    ThumbprintList=["not-hex-" * 5]) == ("ValidationError", 400)
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error_of(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn) == ("NoSuchEntity", 404)


def test_assume_role_with_web_identity_from_the_test_issuer(aws, account, endpoint):
    iam = aws("iam")
    issuer = f"{endpoint}/_nimbus/oidc/{unique('ci')}"
    discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=30).json()
    assert discovery["issuer"] == issuer
    [jwk] = requests.get(discovery["jwks_uri"], timeout=30).json()["keys"]
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256"
    host = issuer.split("://", 1)[1]
    provider = iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"])[
        "OpenIDConnectProviderArn"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host}:aud": "sts.amazonaws.com"},
                      "StringLike": {f"{host}:sub": "repo:org/app:*"},
                      "ForAnyValue:StringEquals": {f"{host}:amr": "mfa"}}}]})
    role = iam.create_role(RoleName=unique("ci"), AssumeRolePolicyDocument=trust)["Role"]
    sts = make_client(endpoint, "sts")

    def assume(token: str, **extra):
        return sts.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="build",
                                                 WebIdentityToken=token, **extra)

    good = mint(issuer, sub="repo:org/app:ref:refs/heads/main", aud="sts.amazonaws.com", amr=["mfa"])
    answer = assume(good)
    assert answer["SubjectFromWebIdentityToken"] == "repo:org/app:ref:refs/heads/main"
    assert answer["Audience"] == "sts.amazonaws.com" and answer["Provider"] == host
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account}:assumed-role/{role['RoleName']}/build"
    creds = answer["Credentials"]
    as_role = make_client(endpoint, "sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                          token=creds["SessionToken"])
    assert as_role.get_caller_identity()["Arn"] == answer["AssumedRoleUser"]["Arn"]

    other_sub = mint(issuer, sub="repo:evil/app:ref", aud="sts.amazonaws.com", amr=["mfa"])
    assert error_of(assume, other_sub) == ("AccessDenied", 403)
    no_mfa = mint(issuer, sub="repo:org/app:x", aud="sts.amazonaws.com", amr=["pwd"])
    assert error_of(assume, no_mfa) == ("AccessDenied", 403)
    wrong_aud = mint(issuer, sub="repo:org/app:x", aud="someone-else", amr=["mfa"])
    assert error_of(assume, wrong_aud) == ("InvalidIdentityToken", 400)
    header, payload, signature = good.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert error_of(assume, forged) == ("InvalidIdentityToken", 400)
    assert error_of(assume, "not-a-jwt") == ("InvalidIdentityToken", 400)
    assert error_of(assume, good, DurationSeconds=7200) == ("ValidationError", 400)
    unknown = mint(f"{endpoint}/_nimbus/oidc/{unique('nobody')}", sub="s", aud="sts.amazonaws.com")
    assert error_of(assume, unknown) == ("InvalidIdentityToken", 400)
    advance_clock(endpoint, 600)
    assert error_of(assume, good) == ("ExpiredTokenException", 400)


def test_update_open_id_connect_provider_trusted_identity_propagation(aws):
    iam = aws("iam")
    arn = iam.create_open_id_connect_provider(Url=f"https://token.{unique('tip')}.example.com",
                                              ThumbprintList=[THUMB])["OpenIDConnectProviderArn"]
    context = {"SubjectSourceKey": "email", "SubjectTypeValue": "user",
               "KeyDefinitionList": [{"SourceKey": "groups", "TargetKey": "team"}]}
    iam.update_open_id_connect_provider(OpenIDConnectProviderArn=arn, ContextProvider=context)
    instance = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
    iam.update_open_id_connect_provider(OpenIDConnectProviderArn=arn, IdentityCenterInstanceArn=instance)
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ContextProvider"] == context and got["IdentityCenterInstanceArn"] == instance
    iam.update_open_id_connect_provider(OpenIDConnectProviderArn=arn, RemoveContextProvider=True)
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert "ContextProvider" not in got and got["IdentityCenterInstanceArn"] == instance
    refused = [dict(ContextProvider=context, RemoveContextProvider=True),
               dict(ContextProvider=context, IdentityCenterInstanceArn=instance), {},
               dict(ContextProvider={"SubjectSourceKey": " email"}),
               dict(ContextProvider={"SubjectSourceKey": "a", "SubjectTypeValue": "user", "SubjectTypeSourceKey": "t"}),
               dict(IdentityCenterInstanceArn="arn:aws:sso:::instance/nope")]
    for params in refused:
        assert error_of(iam.update_open_id_connect_provider, OpenIDConnectProviderArn=arn, **params) == \
            ("InvalidInput", 400), params
    assert error_of(iam.update_open_id_connect_provider, OpenIDConnectProviderArn=arn + "x",
                    RemoveContextProvider=True) == ("NoSuchEntity", 404)
