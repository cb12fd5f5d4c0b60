"""Server certificates: an X.509 certificate with its private key (which must match it) and chain, for
load balancers and CloudFront. The key is kept sealed under the master key and never answered."""
from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import (
    already_exists,
    checked_path,
    checked_tags,
    no_such_entity,
    ns,
    paged_output,
    tags_output,
)
from nimbus.services.iam.documents import SERVER_CERTIFICATE, ServerCertificate
from nimbus.services.iam.saml_providers import retag
from nimbus.services.iam.state import IamState
from nimbus.services.iam.user_credentials import parse_certificate

COLLECTION = "server_certificates"


def _public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _checked(params: dict) -> x509.Certificate:
    certificate = parse_certificate(params["CertificateBody"])
    try:
        key = serialization.load_pem_private_key(params["PrivateKey"].strip().encode(), password=None)
    except (ValueError, TypeError):
        raise ServiceError("MalformedCertificate", "Unable to parse private key.", status=400) from None
    if _public(key.public_key()) != _public(certificate.public_key()):
        raise ServiceError("KeyPairMismatch", "Unable to validate certificate. Please ensure the private key "
                           "matches the certificate.", status=400)
    if params.get("CertificateChain"):
        try:
            x509.load_pem_x509_certificates(params["CertificateChain"].strip().encode())
        except ValueError:
            raise ServiceError("MalformedCertificate", "Unable to parse certificate chain.", status=400) from None
    return certificate


def metadata(certificate: ServerCertificate) -> dict:
    return {"Path": certificate["Path"], "ServerCertificateName": certificate["ServerCertificateName"],
            "ServerCertificateId": certificate["ServerCertificateId"], "Arn": certificate["Arn"],
            "UploadDate": timestamp(certificate["UploadDate"]), "Expiration": timestamp(certificate["Expiration"])}


class ServerCertificateOps(IamState):
    def upload_server_certificate(self, ctx: RequestContext, params: dict) -> dict:
        parsed = _checked(params)
        name, path = params["ServerCertificateName"], checked_path(params.get("Path", "/"))
        certificate: ServerCertificate = {
            "Path": path, "ServerCertificateName": name, "ServerCertificateId": random_id("ASCA"),
            "Arn": ctx.arn(f"server-certificate{path}{name}"), "UploadDate": ctx.clock.time(),
            "Expiration": parsed.not_valid_after_utc.timestamp(), "CertificateBody": params["CertificateBody"],
            "CertificateChain": params.get("CertificateChain"), "Tags": checked_tags(params.get("Tags", [])),
            "SealedPrivateKey": self.runtime.vault.seal(params["PrivateKey"].encode(), f"iam/server-cert/{name}")}
        with self.store.transaction():
            if self._find_certificate(ctx, name):
                raise already_exists(f"The Server Certificate with name {name} already exists.")
            self._save_certificate(ctx, certificate)
        return {"ServerCertificateMetadata": metadata(certificate), "Tags": tags_output(certificate["Tags"])}

    def get_server_certificate(self, ctx: RequestContext, params: dict) -> dict:
        certificate = self._certificate(ctx, params["ServerCertificateName"])
        output = {"ServerCertificateMetadata": metadata(certificate),
                  "CertificateBody": certificate["CertificateBody"], "Tags": tags_output(certificate["Tags"])}
        if certificate["CertificateChain"]:
            output["CertificateChain"] = certificate["CertificateChain"]
        return {"ServerCertificate": output}

    def list_server_certificates(self, ctx: RequestContext, params: dict) -> dict:
        prefix = params.get("PathPrefix", "/")
        certificates = [c for _, c in SERVER_CERTIFICATE.scan(self.store, ns(ctx.account_id, COLLECTION))
                        if c["Path"].startswith(prefix)]
        return paged_output(certificates, params, lambda c: c["ServerCertificateName"].lower(),
                            "ServerCertificateMetadataList", metadata)

    def update_server_certificate(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            certificate = self._certificate(ctx, params["ServerCertificateName"])
            name = params.get("NewServerCertificateName") or certificate["ServerCertificateName"]
            if name.lower() != certificate["ServerCertificateName"].lower() and self._find_certificate(ctx, name):
                raise already_exists(f"The Server Certificate with name {name} already exists.")
            path = checked_path(params["NewPath"], "newPath") if params.get("NewPath") else certificate["Path"]
            # The key is sealed to the certificate's name: a rename seals it again under the new one.
            key = self.runtime.vault.unseal(certificate["SealedPrivateKey"],
                                            f"iam/server-cert/{certificate['ServerCertificateName']}")
            self.store.delete(ns(ctx.account_id, COLLECTION), certificate["ServerCertificateName"].lower())
            certificate.update(ServerCertificateName=name, Path=path, Arn=ctx.arn(f"server-certificate{path}{name}"),
                               SealedPrivateKey=self.runtime.vault.seal(key, f"iam/server-cert/{name}"))
            self._save_certificate(ctx, certificate)
        return {}

    def delete_server_certificate(self, ctx: RequestContext, params: dict) -> dict:
        certificate = self._certificate(ctx, params["ServerCertificateName"])
        self.store.delete(ns(ctx.account_id, COLLECTION), certificate["ServerCertificateName"].lower())
        return {}

    def tag_server_certificate(self, ctx, params): return self._retag_certificate(ctx, params)  # noqa: E704
    def untag_server_certificate(self, ctx, params): return self._retag_certificate(ctx, params)  # noqa: E704

    def list_server_certificate_tags(self, ctx: RequestContext, params: dict) -> dict:
        return paged_output(self._certificate(ctx, params["ServerCertificateName"])["Tags"], params,
                            lambda t: t["Key"], "Tags", dict)

    def _retag_certificate(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            certificate = self._certificate(ctx, params["ServerCertificateName"])
            retag(params)(certificate)
            self._save_certificate(ctx, certificate)
        return {}

    def _find_certificate(self, ctx: RequestContext, name: str) -> ServerCertificate | None:
        return SERVER_CERTIFICATE.get(self.store, ns(ctx.account_id, COLLECTION), name.lower())

    def _certificate(self, ctx: RequestContext, name: str) -> ServerCertificate:
        certificate = self._find_certificate(ctx, name)
        if certificate is None:
            raise no_such_entity(f"The Server Certificate with name {name} cannot be found.")
        return certificate

    def _save_certificate(self, ctx: RequestContext, certificate: ServerCertificate) -> None:
        SERVER_CERTIFICATE.put(self.store, ns(ctx.account_id, COLLECTION),
                               certificate["ServerCertificateName"].lower(), certificate)
