"""A user's X.509 signing certificates and SSH public keys: parsed and checked as AWS checks them, kept on
the user (so a rename carries them), at most 2 certificates and 5 keys each."""
from __future__ import annotations

import base64
import hashlib
import secrets
import string
from typing import cast

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import limit_exceeded, no_such_entity
from nimbus.services.iam.documents import SigningCertificate, SshPublicKey, User
from nimbus.services.iam.state import IamState

CERTIFICATES_PER_USER = 2
SSH_KEYS_PER_USER = 5
SSH_KEY_BITS = (2048, 16384)


def parse_certificate(body: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(body.strip().encode())
    except ValueError:
        raise ServiceError("MalformedCertificate", "Unable to parse certificate. Please ensure the certificate is "
                           "in PEM format.", status=400) from None


def ssh_fingerprint(body: str) -> tuple[str, str]:
    """The key in OpenSSH form and AWS's fingerprint (MD5 of the key blob, colon-separated hex)."""
    try:
        key = serialization.load_pem_public_key(body.strip().encode()) if body.lstrip().startswith("-----BEGIN") \
            else serialization.load_ssh_public_key(body.strip().encode())
    except (ValueError, TypeError, IndexError, UnsupportedAlgorithm):
        raise ServiceError("UnrecognizedPublicKeyEncoding", "Unable to parse the public key; only ssh-rsa and PEM "
                           "encodings are accepted.", status=400) from None
    if not isinstance(key, rsa.RSAPublicKey) or not SSH_KEY_BITS[0] <= key.key_size <= SSH_KEY_BITS[1]:
        raise ServiceError("InvalidPublicKey", "The public key must be an RSA key of 2048 to 16384 bits.", status=400)
    openssh = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    digest = hashlib.md5(base64.b64decode(openssh.split()[1])).hexdigest()  # noqa: S324 - AWS's fingerprint
    return openssh, ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _certificate_id() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(32))


class UserCredentialOps(IamState):
    # -- signing certificates ------------------------------------------------------------------

    def upload_signing_certificate(self, ctx: RequestContext, params: dict) -> dict:
        parse_certificate(params["CertificateBody"])
        with self.store.transaction():
            user = self._credential_holder(ctx, params)
            held = user.setdefault("SigningCertificates", [])
            if any(c["CertificateBody"].strip() == params["CertificateBody"].strip() for c in held):
                raise ServiceError("DuplicateCertificate", "The request was rejected because the same certificate "
                                   "is associated with an IAM user in the account.", status=409)
            if len(held) >= CERTIFICATES_PER_USER:
                raise limit_exceeded(f"Cannot exceed quota for SigningCertificatesPerUser: {CERTIFICATES_PER_USER}")
            certificate: SigningCertificate = {"CertificateId": _certificate_id(), "Status": "Active",
                                               "CertificateBody": params["CertificateBody"],
                                               "UploadDate": ctx.clock.time()}
            held.append(certificate)
            self._save(ctx.account_id, "user", user)
        return {"Certificate": _certificate_output(user, certificate)}

    def list_signing_certificates(self, ctx: RequestContext, params: dict) -> dict:
        user = self._credential_holder(ctx, params)
        return {"Certificates": [_certificate_output(user, c) for c in user.get("SigningCertificates", [])],
                "IsTruncated": False}

    def update_signing_certificate(self, ctx: RequestContext, params: dict) -> dict:
        return self._change_held(ctx, params, "SigningCertificates", "CertificateId", params["Status"])

    def delete_signing_certificate(self, ctx: RequestContext, params: dict) -> dict:
        return self._change_held(ctx, params, "SigningCertificates", "CertificateId", None)

    # -- SSH public keys ------------------------------------------------------------------------

    def upload_ssh_public_key(self, ctx: RequestContext, params: dict) -> dict:
        _, fingerprint = ssh_fingerprint(params["SSHPublicKeyBody"])
        with self.store.transaction():
            user = self._entity(ctx.account_id, "user", params["UserName"])
            held = user.setdefault("SSHPublicKeys", [])
            if any(k["Fingerprint"] == fingerprint for k in held):
                raise ServiceError("DuplicateSSHPublicKey", "The SSH public key is already associated with the "
                                   "specified IAM user.", status=400)
            if len(held) >= SSH_KEYS_PER_USER:
                raise limit_exceeded(f"Cannot exceed quota for SSHPublicKeysPerUser: {SSH_KEYS_PER_USER}")
            key: SshPublicKey = {"SSHPublicKeyId": random_id("APKA"), "SSHPublicKeyBody": params["SSHPublicKeyBody"],
                                 "Fingerprint": fingerprint, "Status": "Active", "UploadDate": ctx.clock.time()}
            held.append(key)
            self._save(ctx.account_id, "user", user)
        return {"SSHPublicKey": _ssh_output(user, key, "SSH")}

    def get_ssh_public_key(self, ctx: RequestContext, params: dict) -> dict:
        user = self._entity(ctx.account_id, "user", params["UserName"])
        key = _held(user, "SSHPublicKeys", "SSHPublicKeyId", params["SSHPublicKeyId"])
        return {"SSHPublicKey": _ssh_output(user, key, params["Encoding"])}  # type: ignore[arg-type]

    def list_ssh_public_keys(self, ctx: RequestContext, params: dict) -> dict:
        name = params.get("UserName") or (ctx.principal.user_name if ctx.principal.type == "IAMUser" else None)
        if name is None:
            return {"SSHPublicKeys": [], "IsTruncated": False}
        user = self._entity(ctx.account_id, "user", name)
        return {"SSHPublicKeys": [{"UserName": user["UserName"], "SSHPublicKeyId": k["SSHPublicKeyId"],
                                   "Status": k["Status"], "UploadDate": timestamp(k["UploadDate"])}
                                  for k in user.get("SSHPublicKeys", [])], "IsTruncated": False}

    def update_ssh_public_key(self, ctx: RequestContext, params: dict) -> dict:
        return self._change_held(ctx, params, "SSHPublicKeys", "SSHPublicKeyId", params["Status"])

    def delete_ssh_public_key(self, ctx: RequestContext, params: dict) -> dict:
        return self._change_held(ctx, params, "SSHPublicKeys", "SSHPublicKeyId", None)

    # -- helpers --------------------------------------------------------------------------------

    def _credential_holder(self, ctx: RequestContext, params: dict) -> User:
        name = params.get("UserName") or (ctx.principal.user_name if ctx.principal.type == "IAMUser" else None)
        if name is None:
            raise ServiceError("ValidationError", "Must specify userName when calling with non-User credentials",
                               status=400)
        return self._entity(ctx.account_id, "user", name)

    def _change_held(self, ctx: RequestContext, params: dict, field: str, id_field: str, status: str | None) -> dict:
        """Set the status of one of the user's certificates or keys, or remove it (``status`` None)."""
        with self.store.transaction():
            user = self._credential_holder(ctx, params)
            item = _held(user, field, id_field, params[id_field])
            held = user[field]  # type: ignore[literal-required]
            if status is None:
                held.remove(item)
            else:
                item["Status"] = status
            self._save(ctx.account_id, "user", user)
        return {}


def _held(user: User, field: str, id_field: str, item_id: str) -> dict:
    held: list[dict] = cast(dict, user).get(field, [])
    for item in held:
        if item[id_field] == item_id:
            return item
    kind = "Signing Certificate" if field == "SigningCertificates" else "SSH Public Key"
    raise no_such_entity(f"The {kind} with id {item_id} cannot be found.")


def _certificate_output(user: User, certificate: SigningCertificate) -> dict:
    return {"UserName": user["UserName"], "CertificateId": certificate["CertificateId"],
            "CertificateBody": certificate["CertificateBody"], "Status": certificate["Status"],
            "UploadDate": timestamp(certificate["UploadDate"])}


def _ssh_output(user: User, key: SshPublicKey, encoding: str) -> dict:
    body = key["SSHPublicKeyBody"]
    if encoding == "PEM":
        public = serialization.load_ssh_public_key(ssh_fingerprint(body)[0].encode())
        body = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {"UserName": user["UserName"], "SSHPublicKeyId": key["SSHPublicKeyId"], "Fingerprint": key["Fingerprint"],
            "SSHPublicKeyBody": body, "Status": key["Status"], "UploadDate": timestamp(key["UploadDate"])}
