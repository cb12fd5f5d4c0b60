"""IAM SAML providers (metadata validated) and STS AssumeRoleWithSAML verifying a real signed SAML
response (signature with the metadata's certificate, audience, recipient, NotOnOrAfter on the virtual
clock, the role and provider attribute pair, the trust policy's saml: conditions)."""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner

from tests.support import advance_clock, error_of, make_client, unique, virtual_now

AWS_SAML = "https://signin.aws.amazon.com/saml"
ISSUER = "https://idp.example.com"


def _identity(now) -> tuple[bytes, bytes, str]:
    """An IdP's key and self-signed certificate (PEMs) and its certificate as metadata holds it. It is valid
    from before the real time (which signxml checks it against) until well after the virtual time (which
    other tests move years ahead)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    real = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.com")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(min(now, real) - timedelta(days=1))
            .not_valid_after(max(now, real) + timedelta(days=3650)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM), der


def metadata(der: str) -> str:
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ISSUER}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
        <ds:X509Certificate>{der}</ds:X509Certificate>
      </ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
                            Location="{ISSUER}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>""" + " " * 600  # the model wants at least 1000 characters


def response(key: bytes, cert: bytes, now, pair: str, *, recipient: str = AWS_SAML, audience: str = AWS_SAML,
             subject: str = "alice", minutes: int = 5) -> str:
    def stamp(moment):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    until = stamp(now + timedelta(minutes=minutes))
    xml = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
  xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="{stamp(now)}">
 <saml:Issuer>{ISSUER}</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="_a1" Version="2.0" IssueInstant="{stamp(now)}">
  <saml:Issuer>{ISSUER}</saml:Issuer>
  <saml:Subject>
   <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{subject}</saml:NameID>
   <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
    <saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{recipient}"/>
   </saml:SubjectConfirmation>
  </saml:Subject>
  <saml:Conditions NotBefore="{stamp(now - timedelta(minutes=1))}" NotOnOrAfter="{until}">
   <saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction>
  </saml:Conditions>
  <saml:AttributeStatement>
   <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">
    <saml:AttributeValue>{pair}</saml:AttributeValue></saml:Attribute>
   <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
    <saml:AttributeValue>{subject}</saml:AttributeValue></saml:Attribute>
  </saml:AttributeStatement>
 </saml:Assertion>
</samlp:Response>"""
    signed = XMLSigner().sign(etree.fromstring(xml.encode()), key=key, cert=cert)
    return base64.b64encode(etree.tostring(signed)).decode()


def test_saml_provider_lifecycle_and_metadata_checks(aws):
    iam = aws("iam")
    _, _, der = _identity(datetime.now(UTC))
    name = unique("idp")
    created = iam.create_saml_provider(Name=name, SAMLMetadataDocument=metadata(der),
                                       Tags=[{"Key": "a", "Value": "1"}])
    arn = created["SAMLProviderArn"]
    assert arn.endswith(f":saml-provider/{name}")
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert der in got["SAMLMetadataDocument"] and got["Tags"] == [{"Key": "a", "Value": "1"}]
    assert arn in [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]]
    assert error_of(iam.create_saml_provider, Name=name, SAMLMetadataDocument=metadata(der)) == \
        ("EntityAlreadyExists", 409)
    for bad in ("<not-metadata/>" + " " * 1000, metadata("bm90IGEgY2VydGlmaWNhdGU=")):
        error = error_of(iam.create_saml_provider, Name=unique("idp"), SAMLMetadataDocument=bad)
        assert error == ("InvalidInput", 400) and error.message == "Could not parse metadata"
    assert error_of(iam.update_saml_provider, SAMLProviderArn=arn, SAMLMetadataDocument="<x/>" + " " * 1000) == \
        ("InvalidInput", 400)
    iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=metadata(der))
    iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["a"])
    assert iam.list_saml_provider_tags(SAMLProviderArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert error_of(iam.get_saml_provider, SAMLProviderArn=arn) == ("NoSuchEntity", 404)


@pytest.fixture
def federation(aws, endpoint):
    now = virtual_now(endpoint)
    key, cert, der = _identity(now)
    iam = aws("iam")
    provider = iam.create_saml_provider(Name=unique("idp"), SAMLMetadataDocument=metadata(der))["SAMLProviderArn"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": AWS_SAML}, "StringLike": {"saml:sub": "ali*"}}}]})
    role = iam.create_role(RoleName=unique("saml"), AssumeRolePolicyDocument=trust)["Role"]
    return key, cert, provider, role, now


def test_assume_role_with_saml(federation, endpoint, account):
    key, cert, provider, role, now = federation
    sts = make_client(endpoint, "sts")
    pair = f"{role['Arn']},{provider}"

    def assume(assertion: str, **extra):
        return sts.assume_role_with_saml(RoleArn=role["Arn"], PrincipalArn=provider, SAMLAssertion=assertion, **extra)

    answer = assume(response(key, cert, now, pair))
    assert answer["Subject"] == "alice" and answer["SubjectType"] == "persistent" and answer["Issuer"] == ISSUER
    assert answer["Audience"] == AWS_SAML and answer["NameQualifier"]
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account}:assumed-role/{role['RoleName']}/alice"
    creds = answer["Credentials"]
    assert make_client(endpoint, "sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                       token=creds["SessionToken"]).get_caller_identity()["Arn"] == answer["AssumedRoleUser"]["Arn"]

    other_key, other_cert, _ = _identity(now)
    assert error_of(assume, response(other_key, other_cert, now, pair)) == ("InvalidIdentityToken", 400)
    tampered = base64.b64decode(response(key, cert, now, pair)).replace(b">alice<", b">albert<")
    assert error_of(assume, base64.b64encode(tampered).decode()) == ("InvalidIdentityToken", 400)
    assert error_of(assume, response(key, cert, now, pair, audience="https://elsewhere.example.com")) == \
        ("InvalidIdentityToken", 400)
    assert error_of(assume, response(key, cert, now, pair, recipient="https://elsewhere.example.com/saml")) == \
        ("InvalidIdentityToken", 400)
    assert error_of(assume, response(key, cert, now, f"{role['Arn']}x,{provider}")) == ("AccessDenied", 403)
    assert error_of(assume, response(key, cert, now, pair, subject="bob")) == ("AccessDenied", 403)
    assert error_of(assume, response(key, cert, now, pair), DurationSeconds=7200) == ("ValidationError", 400)
    late = response(key, cert, now, pair)
    advance_clock(endpoint, 600)
    assert error_of(assume, late) == ("ExpiredTokenException", 400)
