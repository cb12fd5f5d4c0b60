"""Virtual MFA devices as a test holds them: the seed IAM showed once, and the codes an authenticator app
would compute from it at the server's virtual time."""
from __future__ import annotations

import base64
import hashlib
import hmac
import struct

from tests.support.basics import unique, virtual_now

__all__ = ["totp_code", "new_mfa_device", "mfa_login"]


def totp_code(seed_base32: bytes, epoch: float, offset_steps: int = 0) -> str:
    """RFC 6238's code (SHA-1, 30-second steps, 6 digits), written here apart from nimbus's own."""
    counter = int(epoch // 30) + offset_steps
    digest = hmac.new(base64.b32decode(seed_base32), struct.pack(">Q", counter), hashlib.sha1).digest()
    start = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[start:start + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def new_mfa_device(iam, endpoint: str, user: str | None = None) -> tuple[str, bytes]:
    """A new virtual MFA device (enabled for ``user`` when given): its serial number and Base32 seed."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=unique("mfa"))["VirtualMFADevice"]
    if user is not None:
        now = virtual_now(endpoint).timestamp()
        iam.enable_mfa_device(UserName=user, SerialNumber=device["SerialNumber"],
                              AuthenticationCode1=totp_code(device["Base32StringSeed"], now, -1),
                              AuthenticationCode2=totp_code(device["Base32StringSeed"], now))
    return device["SerialNumber"], device["Base32StringSeed"]


def mfa_login(endpoint: str, serial: str, seed: bytes) -> dict:
    """SerialNumber and TokenCode for an STS call now."""
    return {"SerialNumber": serial, "TokenCode": totp_code(seed, virtual_now(endpoint).timestamp())}
