"""AssumeRoleWithSAML: a role session for the holder of a SAML response the IdP signed.

The response's XML signature is verified (signxml) with a signing certificate from the IAM SAML
provider's metadata; only the signed element is read after that, so nothing outside the signature can
smuggle in claims. The assertion must be meant for AWS (audience and recipient AWS's sign-in endpoint),
not be past ``NotOnOrAfter`` on the virtual clock, and name the role and the provider as a pair in its
``…/Attributes/Role`` attribute; the role's trust policy must allow the provider
``sts:AssumeRoleWithSAML``, its conditions seeing ``saml:aud``, ``saml:iss``, ``saml:sub``,
``saml:sub_type`` and ``saml:namequalifier``.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.sts.chaining import check_session_name
from nimbus.services.sts.state import ROLE_ARN, StsState

SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
AWS_ENDPOINTS = ("https://signin.aws.amazon.com/saml", "https://signin.amazonaws.cn/saml",
                 "https://signin.amazonaws-us-gov.com/saml", "urn:amazon:webservices", "urn:amazon:webservices:cn",
                 "urn:amazon:webservices:govcloud")
SHORT_FORMATS = {"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent": "persistent",
                 "urn:oasis:names:tc:SAML:2.0:nameid-format:transient": "transient"}


def invalid_token(message: str) -> ServiceError:
    return ServiceError("InvalidIdentityToken", message, status=400)


def _aws_endpoint(url: str, region: str) -> bool:
    return url in AWS_ENDPOINTS or url == f"https://{region}.signin.aws.amazon.com/saml"


def _instant(value: str | None) -> float | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else None


class SamlOps(StsState):
    def assume_role_with_saml(self, ctx: RequestContext, params: dict) -> dict:
        role_arn, provider_arn = params["RoleArn"], params["PrincipalArn"]
        match = ROLE_ARN.match(role_arn)
        if match is None:
            raise ServiceError("ValidationError", f"{role_arn} is invalid", status=400)
        account = match["account"]
        try:
            metadata = ctx.runtime.client.call("iam", "GetSAMLProvider", {"SAMLProviderArn": provider_arn},
                                               account_id=account, region=ctx.region,
                                               invoked_by="sts.amazonaws.com")["SAMLMetadataDocument"]
        except ServiceError as error:
            if error.code in ("NoSuchEntity", "ValidationError"):
                raise invalid_token("SAML provider does not exist in the role's account.") from None
            raise
        assertion = _verified_assertion(params["SAMLAssertion"], metadata)
        claims = self._claims(ctx, assertion)

        def denied() -> ServiceError:
            return ServiceError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML", status=403)
        pairs = [set(v.replace(" ", "").split(",")) for v in claims["attributes"].get(ROLE_ATTRIBUTE, [])]
        if {role_arn, provider_arn} not in pairs:
            raise denied()
        session = (claims["attributes"].get(SESSION_NAME_ATTRIBUTE) or [""])[0]
        if not session:
            raise invalid_token(f"The SAML assertion must contain the {SESSION_NAME_ATTRIBUTE} attribute.")
        check_session_name(session)
        role = self._role(ctx, role_arn, account, match["name"], denied)
        name_qualifier = base64.b64encode(hashlib.sha1(  # noqa: S324 - AWS's definition of the value
            f"{claims['issuer']}{account}/{provider_arn.rpartition('/')[2]}".encode()).digest()).decode()
        context = {"saml:aud": claims["recipient"], "saml:iss": claims["issuer"], "saml:sub": claims["subject"],
                   "saml:sub_type": claims["subject_type"], "saml:namequalifier": name_qualifier}
        context.update({f"saml:{k.rpartition('/')[2].lower()}": v for k, v in claims["attributes"].items()
                        if k.startswith("urn:")})
        self._check_federated_trust(role, "sts:AssumeRoleWithSAML", provider_arn, account, context, denied)
        output = self._role_session(ctx, role, account, session, params)
        return {**output,
                "Subject": claims["subject"], "SubjectType": claims["subject_type"], "Issuer": claims["issuer"],
                "Audience": claims["recipient"], "NameQualifier": name_qualifier}

    @staticmethod
    def _claims(ctx: RequestContext, assertion) -> dict:
        """What the signed assertion says, once its audience, recipient and lifetime check out."""
        now = ctx.clock.time()
        conditions = assertion.find(f"{SAML}Conditions")
        audiences = [a.text for a in assertion.iter(f"{SAML}Audience")]
        if not any(_aws_endpoint(a or "", ctx.region) for a in audiences):
            raise invalid_token("The SAML assertion's audience is not AWS's sign-in endpoint.")
        confirmation = assertion.find(f"{SAML}Subject/{SAML}SubjectConfirmation/{SAML}SubjectConfirmationData")
        recipient = confirmation.get("Recipient", "") if confirmation is not None else ""
        if not _aws_endpoint(recipient, ctx.region):
            raise invalid_token("The SAML assertion's recipient is not AWS's sign-in endpoint.")
        for element in (conditions, confirmation):
            not_after = _instant(element.get("NotOnOrAfter")) if element is not None else None
            if not_after is not None and now >= not_after:
                raise ServiceError("ExpiredTokenException", "Token must be redeemed before its NotOnOrAfter time.",
                                   status=400)
        not_before = _instant(conditions.get("NotBefore")) if conditions is not None else None
        if not_before is not None and now < not_before:
            raise invalid_token("The SAML assertion is not yet valid (NotBefore).")
        name_id = assertion.find(f"{SAML}Subject/{SAML}NameID")
        name_format = name_id.get("Format", "") if name_id is not None else ""
        attributes = {a.get("Name"): [v.text or "" for v in a.findall(f"{SAML}AttributeValue")]
                      for a in assertion.iter(f"{SAML}Attribute")}
        issuer = assertion.find(f"{SAML}Issuer")
        return {"issuer": (issuer.text or "") if issuer is not None else "",
                "subject": (name_id.text or "") if name_id is not None else "",
                "subject_type": SHORT_FORMATS.get(name_format, name_format), "recipient": recipient,
                "attributes": attributes}


def _verified_assertion(encoded: str, metadata: str):
    """The signed Assertion of a base64 SAML response, verified with one of the IdP's certificates."""
    # signxml brings lxml and cryptography's X.509: about 6 MiB no other STS call needs (issue 19's idle RSS).
    from cryptography.hazmat.primitives.serialization import Encoding
    from signxml import InvalidInput, XMLVerifier  # type: ignore[import-untyped]
    from signxml.exceptions import InvalidSignature  # type: ignore[import-untyped]

    from nimbus.core.saml_metadata import signing_certificates
    try:
        document = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise invalid_token("Invalid base64 SAMLResponse") from None
    for certificate in signing_certificates(metadata):
        try:
            signed = XMLVerifier().verify(document, x509_cert=certificate.public_bytes(Encoding.PEM).decode()).signed_xml
        except (InvalidSignature, InvalidInput):
            continue
        except Exception:  # signxml raises lxml's and its own errors for anything that is not a signed document
            raise invalid_token("Response is not a valid SAML response.") from None
        assertion = signed if signed.tag == f"{SAML}Assertion" else signed.find(f"{SAML}Assertion")
        if assertion is None:
            raise invalid_token("Response is not a valid SAML response.")
        return assertion
    raise invalid_token("The SAML response's signature could not be verified with the provider's metadata.")
