"""nimbus's SNS signing key and its self-signed certificate (what SigningCertURL serves).

The key lives in ``<data dir>/sns/signing-key.pem`` (mode 0600) so signatures verify across
restarts; an ephemeral nimbus keeps it in memory.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import os
import threading
from typing import cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

# The fields AWS signs, in order, per message type (absent optional fields are skipped).
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")


def string_to_sign(message: dict) -> bytes:
    fields = NOTIFICATION_FIELDS if message["Type"] == "Notification" else CONFIRMATION_FIELDS
    return "".join(f"{name}\n{message[name]}\n" for name in fields if message.get(name) is not None).encode()


class Signer:
    def __init__(self, data_dir: str | None):
        self._dir = os.path.join(data_dir, "sns") if data_dir else None
        self._lock = threading.Lock()
        self._key: rsa.RSAPrivateKey | None = None
        self._cert_pem: bytes | None = None

    def _load(self) -> None:
        with self._lock:
            if self._key is not None:
                return
            key_path = os.path.join(self._dir, "signing-key.pem") if self._dir else None
            cert_path = os.path.join(self._dir, "signing-cert.pem") if self._dir else None
            if key_path and os.path.exists(key_path) and os.path.exists(cert_path):
                with open(key_path, "rb") as f:
                    self._key = cast(rsa.RSAPrivateKey, serialization.load_pem_private_key(f.read(), password=None))  # ours
                with open(cert_path, "rb") as f:
                    self._cert_pem = f.read()
                return
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            cert_pem = _self_signed(key)
            if key_path:
                os.makedirs(self._dir, exist_ok=True)
                key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption())
                # Created 0600 from the start: the key is never readable by others, even briefly.
                fd = os.open(key_path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(key_pem)
                with open(cert_path + ".tmp", "wb") as f:
                    f.write(cert_pem)
                os.replace(cert_path + ".tmp", cert_path)
                os.replace(key_path + ".tmp", key_path)
            self._key, self._cert_pem = key, cert_pem

    @property
    def certificate_pem(self) -> bytes:
        self._load()
        return self._cert_pem

    @property
    def cert_name(self) -> str:
        """AWS names its certificates SimpleNotificationService-<hash>.pem."""
        return "SimpleNotificationService-" + hashlib.md5(self.certificate_pem).hexdigest() + ".pem"

    def sign(self, message: dict) -> str:
        self._load()
        assert self._key is not None  # _load sets it or raises
        algorithm = hashes.SHA256() if message.get("SignatureVersion") == "2" else hashes.SHA1()
        signature = self._key.sign(string_to_sign(message), padding.PKCS1v15(), algorithm)
        return base64.b64encode(signature).decode()


def _self_signed(key) -> bytes:
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nimbus"),
        x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com"),
    ])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("sns.amazonaws.com")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)
