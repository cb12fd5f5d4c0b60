"""Who is calling: principals and the credentials that identify them.

Credentials live in the store (namespace ``("auth", "keys")``, global across
accounts) because an access key must resolve before we know its account.
IAM and STS write them here; the gateway reads them on every signed request.
Secret keys and session tokens are stored sealed under the master key
(``core/secrets.py``), bound to their access key id.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from nimbus.core.arns import ACCOUNT_ID, DEFAULT_ACCOUNT
from nimbus.core.secrets import Vault
from nimbus.store import Store

KEYS_NS = ("auth", "keys")
DEFAULT_ACCESS_KEY = "test"
DEFAULT_SECRET_KEY = "test"
# The members of a stored credential that are sealed rather than stored in the clear.
SEALED_MEMBERS = ("secret_access_key", "session_token")


@dataclass
class Principal:
    type: str  # Root | IAMUser | AssumedRole | FederatedUser | AWSService | Anonymous
    account_id: str
    arn: str
    principal_id: str
    user_name: str | None = None
    access_key_id: str | None = None
    session_context: dict[str, Any] | None = None
    invoked_by: str | None = None  # service principal for service-to-service calls

    def to_dict(self) -> dict[str, Any]:
        # Called for every API-call record: a plain copy is much cheaper than dataclasses.asdict.
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Principal:
        return cls(**data)


# The session type of GetSessionToken's credentials (in ``Principal.session_context``).
SESSION_TOKEN_SESSION = "GetSessionToken"
# What AWS lets GetSessionToken's credentials call in STS.
SESSION_TOKEN_STS_OPERATIONS = frozenset({"AssumeRole", "GetCallerIdentity"})


def is_session_token_session(principal: Principal) -> bool:
    return (principal.session_context or {}).get("sessionType") == SESSION_TOKEN_SESSION


def mfa_age(principal: Principal, now: float) -> int | None:
    """Seconds since the session was authenticated with MFA (aws:MultiFactorAuthAge); None without MFA."""
    attributes = (principal.session_context or {}).get("attributes") or {}
    if attributes.get("mfaAuthenticated") != "true" or not attributes.get("creationDate"):
        return None
    created = datetime.strptime(attributes["creationDate"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return max(0, int(now - created.timestamp()))


def mfa_attribute(principal: Principal) -> str | None:
    """``"true"``/``"false"`` for temporary credentials (whether MFA was given for them), None otherwise."""
    return ((principal.session_context or {}).get("attributes") or {}).get("mfaAuthenticated")


def session_token_refusal(principal: Principal, service: str, operation: str) -> str | None:
    """Why GetSessionToken's credentials may not make this call, as AWS documents: no IAM without MFA
    (``"iam"``), no STS but AssumeRole and GetCallerIdentity (``"sts"``); None when they may."""
    if not is_session_token_session(principal):
        return None
    if service == "iam" and mfa_attribute(principal) != "true":
        return "iam"
    if service == "sts" and operation not in SESSION_TOKEN_STS_OPERATIONS:
        return "sts"
    return None


def root_principal(account_id: str, access_key_id: str | None = None) -> Principal:
    return Principal(
        type="Root",
        account_id=account_id,
        arn=f"arn:aws:iam::{account_id}:root",
        principal_id=account_id,
        access_key_id=access_key_id,
    )


def anonymous_principal() -> Principal:
    return Principal(type="Anonymous", account_id="anonymous", arn="*", principal_id="anonymous")


SERVICE_ACCOUNT = "amazonaws.com"  # a service principal's: it is a member of no customer account


def service_principal(service_host: str) -> Principal:
    """A call one AWS service makes on its own behalf, e.g. ``firehose.amazonaws.com``.

    It belongs to no account, so no account's resources are its own: only resource policies naming the
    service let it in."""
    return Principal(
        type="AWSService",
        account_id=SERVICE_ACCOUNT,
        arn=service_host,
        principal_id=service_host,
        invoked_by=service_host,
    )


@dataclass
class Credential:
    access_key_id: str
    secret_access_key: str
    principal: Principal
    session_token: str | None = None
    expiration: float | None = None  # virtual-clock epoch seconds
    status: str = "Active"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["principal"] = self.principal.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Credential:
        data = dict(data)
        data["principal"] = Principal.from_dict(data["principal"])
        return cls(**data)


class CredentialRegistry:
    """Every key nimbus knows: the store's (IAM keys, STS sessions), the default account root's own key,
    and, unless ``well_known`` is off (``--strict-auth``), the well-known ``test``/``test``."""

    def __init__(self, store: Store, vault: Vault, root_key: tuple[str, str], well_known: bool = True):
        self.store = store
        self.vault = vault
        self.root = Credential(root_key[0], root_key[1], root_principal(DEFAULT_ACCOUNT, root_key[0]))
        self._default = Credential(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY,
                                   root_principal(DEFAULT_ACCOUNT, DEFAULT_ACCESS_KEY))
        self.well_known = well_known

    def put(self, credential: Credential) -> None:
        data = credential.to_dict()
        for member in SEALED_MEMBERS:
            if data[member] is not None:
                data[member] = self.vault.seal(data[member].encode(), f"{credential.access_key_id}/{member}")
        data["sealed"] = True
        self.store.put(KEYS_NS, credential.access_key_id, data)

    def remove(self, access_key_id: str) -> None:
        self.store.delete(KEYS_NS, access_key_id)

    def lookup(self, access_key_id: str) -> Credential | None:
        """The credential nimbus knows for this key id, including the built-in ones."""
        # The built-in ones first: no stored key has their ids (stored ids are generated, AKIA.../ASIA...),
        # and the most used key (the well-known one) then costs no store read, 3% of a small call.
        if access_key_id == self.root.access_key_id:
            return self.root
        if access_key_id == DEFAULT_ACCESS_KEY and self.well_known:
            return self._default
        data = self.store.get(KEYS_NS, access_key_id)
        if data is not None:
            if data.pop("sealed", False):  # documents of older versions are in the clear
                for member in SEALED_MEMBERS:
                    if data[member] is not None:
                        data[member] = self.vault.unseal(data[member], f"{access_key_id}/{member}").decode()
            return Credential.from_dict(data)
        return None

    @staticmethod
    def implied_account(access_key_id: str) -> str | None:
        """Tools run multi-account tests by using a 12-digit account id as the access key id."""
        return access_key_id if ACCOUNT_ID.match(access_key_id) else None
