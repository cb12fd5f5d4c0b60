"""SAML 2.0 IdP metadata, as IAM checks it (SAML providers) and STS reads it (AssumeRoleWithSAML): an
EntityDescriptor with an IDPSSODescriptor whose signing certificate is a real X.509 certificate, with
which STS verifies the IdP's SAML responses."""
from __future__ import annotations

import base64
from datetime import datetime

from cryptography import x509
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from nimbus.protocol.errors import ServiceError

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"


def invalid_metadata() -> ServiceError:
    return ServiceError("InvalidInput", "Could not parse metadata", status=400)


def signing_certificates(document: str) -> list[x509.Certificate]:
    """The IdP's signing certificates (InvalidInput "Could not parse metadata" if there are none)."""
    try:
        root = fromstring(document)
    except (SyntaxError, DefusedXmlException, ValueError):
        raise invalid_metadata() from None
    idp = root.find(f"{MD}IDPSSODescriptor") if root.tag == f"{MD}EntityDescriptor" else None
    if idp is None:
        raise invalid_metadata()
    certificates = []
    for descriptor in idp.findall(f"{MD}KeyDescriptor"):
        if descriptor.get("use", "signing") != "signing":
            continue
        for element in descriptor.iter(f"{DS}X509Certificate"):
            try:
                der = base64.b64decode("".join((element.text or "").split()), validate=True)
                certificates.append(x509.load_der_x509_certificate(der))
            except ValueError:
                raise invalid_metadata() from None
    if not certificates:
        raise invalid_metadata()
    return certificates


def valid_until(document: str) -> float | None:
    """The metadata's ``validUntil`` as epoch seconds, if it gives one."""
    value = fromstring(document).get("validUntil")
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise invalid_metadata() from None
