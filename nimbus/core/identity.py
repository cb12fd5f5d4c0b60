"""Who is calling: principals and the credentials that identify them.

Credentials live in the store (namespace ``("auth", "keys")``, global across
accounts) because an access key must resolve before we know its account.
IAM and STS write them here; the gateway reads them on every signed request.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from nimbus.core.arns import ACCOUNT_ID, DEFAULT_ACCOUNT
from nimbus.store import Store

KEYS_NS = ("auth", "keys")
DEFAULT_ACCESS_KEY = "test"
DEFAULT_SECRET_KEY = "test"


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
    def __init__(self, store: Store):
        self.store = store

    def put(self, credential: Credential) -> None:
        self.store.put(KEYS_NS, credential.access_key_id, credential.to_dict())

    def remove(self, access_key_id: str) -> None:
        self.store.delete(KEYS_NS, access_key_id)

    def lookup(self, access_key_id: str) -> Credential | None:
        """The credential nimbus knows for this key id, including the built-in defaults."""
        data = self.store.get(KEYS_NS, access_key_id)
        if data is not None:
            return Credential.from_dict(data)
        if access_key_id == DEFAULT_ACCESS_KEY:
            return Credential(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, root_principal(DEFAULT_ACCOUNT, DEFAULT_ACCESS_KEY))
        return None

    @staticmethod
    def implied_account(access_key_id: str) -> str | None:
        """Tools run multi-account tests by using a 12-digit account id as the access key id."""
        return access_key_id if ACCOUNT_ID.match(access_key_id) else None
