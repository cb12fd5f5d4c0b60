"""Outbound web identity federation: IAM enables the account's issuer, STS GetWebIdentityToken signs JWTs
with its keys (RS256 or ES384), and the issuer's OpenID configuration and JWKS, served by nimbus, let a real
JWT library verify them as an external service would."""
from __future__ import annotations

import json

import jwt
import requests

from tests.support import error_of, make_client, start_server, unique


def _verify(token: str, audience: str) -> dict:
    issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
    configuration = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=30).json()
    assert configuration["issuer"] == issuer
    keys = jwt.PyJWKClient(configuration["jwks_uri"]).get_signing_key_from_jwt(token)
    # the token's own times are on nimbus's virtual clock, so only the signature, issuer and audience are checked
    return jwt.decode(token, keys.key, algorithms=["RS256", "ES384"], audience=audience, issuer=issuer,
                      options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})


def test_enable_disable_and_info(aws):
    iam, sts = aws("iam"), aws("sts")
    assert error_of(iam.get_outbound_web_identity_federation_info) == ("FeatureDisabled", 404)
    assert error_of(iam.disable_outbound_web_identity_federation) == ("FeatureDisabled", 404)
    assert error_of(sts.get_web_identity_token, Audience=["https://api.example.com"],
                    SigningAlgorithm="RS256") == ("OutboundWebIdentityFederationDisabledException", 403)
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    assert "/_nimbus/sts/outbound/" in issuer
    assert error_of(iam.enable_outbound_web_identity_federation) == ("FeatureEnabled", 409)
    info = iam.get_outbound_web_identity_federation_info()
    assert info["IssuerIdentifier"] == issuer and info["JwtVendingEnabled"] is True
    iam.disable_outbound_web_identity_federation()
    info = iam.get_outbound_web_identity_federation_info()
    assert info["JwtVendingEnabled"] is False and info["IssuerIdentifier"] == issuer
    assert error_of(sts.get_web_identity_token, Audience=["a"], SigningAlgorithm="RS256") == \
        ("OutboundWebIdentityFederationDisabledException", 403)
    assert iam.enable_outbound_web_identity_federation()["IssuerIdentifier"] == issuer  # the same issuer again


def test_tokens_verify_with_the_issuers_jwks(aws, account):
    iam, sts = aws("iam"), aws("sts")
    try:
        iam.enable_outbound_web_identity_federation()
    except iam.exceptions.FeatureEnabledException:
        pass
    answer = sts.get_web_identity_token(Audience=["https://api.example.com"], SigningAlgorithm="RS256",
                                        DurationSeconds=900, Scope="read write",
                                        Tags=[{"Key": "job", "Value": "nightly"}])
    claims = _verify(answer["WebIdentityToken"], "https://api.example.com")
    assert claims["sub"] == f"arn:aws:iam::{account}:root" and claims["scope"] == "read write"
    assert claims["exp"] - claims["iat"] == 900
    assert int(answer["Expiration"].timestamp()) == claims["exp"]
    aws_claims = claims["https://sts.amazonaws.com/"]
    assert aws_claims["aws_account"] == account and aws_claims["request_tags"] == {"job": "nightly"}

    # a role session: the subject and principal_id are the role; its session tags are principal tags
    role = unique("r")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole",
                        "sts:TagSession"], "Principal": {"AWS": f"arn:aws:iam::{account}:root"}}]})
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="build",
                                  Tags=[{"Key": "team", "Value": "data"}])["Credentials"]
    session = make_client(sts.meta.endpoint_url, "sts", key=credentials["AccessKeyId"],
                          secret=credentials["SecretAccessKey"], token=credentials["SessionToken"])
    token = session.get_web_identity_token(Audience=["aud-1", "aud-2"], SigningAlgorithm="ES384")["WebIdentityToken"]
    assert jwt.get_unverified_header(token)["alg"] == "ES384"
    claims = _verify(token, "aud-2")
    assert claims["sub"] == role_arn and claims["aud"] == ["aud-1", "aud-2"]
    assert claims["https://sts.amazonaws.com/"]["principal_id"] == role_arn
    assert claims["https://sts.amazonaws.com/"]["principal_tags"] == {"team": "data"}

    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-8]}AAAAAAAA"
    try:
        _verify(tampered, "aud-2")
    except jwt.InvalidSignatureError:
        pass
    else:
        raise AssertionError("a token with another signature verified")


def test_token_request_errors(aws):
    iam, sts = aws("iam"), aws("sts")
    try:
        iam.enable_outbound_web_identity_federation()
    except iam.exceptions.FeatureEnabledException:
        pass
    assert error_of(sts.get_web_identity_token, Audience=["a"], SigningAlgorithm="HS256") == ("ValidationError", 400)
    assert error_of(sts.get_web_identity_token, Audience=["a"], SigningAlgorithm="RS256", TokenType="JWT_SVID") == \
        ("ValidationError", 400)
    assert error_of(sts.get_web_identity_token, Audience=["a"], SigningAlgorithm="RS256", TokenType="AWSIdentity",
                    SubjectMode="AWSIdentity") == ("ValidationError", 400)
    assert requests.get(f"{sts.meta.endpoint_url}/_nimbus/sts/outbound/{unique('none')}/.well-known/jwks.json",
                        timeout=30).status_code == 404


def test_tokens_stay_verifiable_after_a_restart(tmp_path):
    with start_server(tmp_path) as first:
        make_client(first.endpoint, "iam").enable_outbound_web_identity_federation()
        token = make_client(first.endpoint, "sts").get_web_identity_token(
            Audience=["after-restart"], SigningAlgorithm="RS256")["WebIdentityToken"]
    with start_server(tmp_path) as second:
        info = make_client(second.endpoint, "iam").get_outbound_web_identity_federation_info()
        assert info["JwtVendingEnabled"] is True
        # the first server's port is gone: fetch the JWKS from the second, at the same issuer path
        jwks_uri = f"{info['IssuerIdentifier']}/.well-known/jwks.json"
        key = jwt.PyJWKClient(jwks_uri).get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience="after-restart",
                            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False})
        assert claims["iss"].rpartition("/")[2] == info["IssuerIdentifier"].rpartition("/")[2]
