"""The stored shapes of KMS entities (see nimbus.core.documents for the convention).

Every KMS document is an entity: a key (its material versions, rotation schedule and pending import
live inside it, so one write changes them together), an alias, a grant. Fields are named as KMS's API
names them (``KeyId``, ``KeyState``, ``PendingDeletionWindowInDays``, ``CurrentKeyMaterialId``); the
ones with no API counterpart (``Materials``, ``Policies``, ``Rotation``) are in the same style.
"""
from __future__ import annotations

from typing import TypedDict

from nimbus.core.documents import DocumentKind, rename_fields


class Material(TypedDict):
    """One key material version; its bytes sealed by the vault."""
    Id: str
    Sealed: str
    Public: str | None  # hex DER of the public key; None for symmetric and HMAC keys
    Created: float
    RotationType: str | None
    State: str  # CURRENT | NON_CURRENT
    Imported: bool
    ValidTo: float | None
    Description: str | None


class Rotation(TypedDict):
    Enabled: bool
    PeriodDays: int
    Next: float | None


class PendingImport(TypedDict):
    """The wrapping key GetParametersForImport handed out, until its token expires."""
    Token: str
    Algorithm: str
    ValidTo: float
    Sealed: str


class Key(TypedDict, total=False):
    KeyId: str
    Arn: str
    AWSAccountId: str
    Region: str
    CreationDate: float
    Description: str
    KeyUsage: str
    KeySpec: str
    Origin: str
    KeyManager: str
    KeyState: str
    MultiRegion: bool
    PrimaryRegion: str | None
    Replicas: list[str]  # on a primary: the Regions of its replicas
    Materials: list[Material]
    CurrentKeyMaterialId: str | None
    Tags: list[dict[str, str]]
    Policies: dict[str, str]  # policy name ("default") → policy document
    Rotation: Rotation
    Import: PendingImport | None
    ImportedIds: list[str]  # every material id imported, so only the same material is accepted again
    ExpirationModel: str | None
    ValidTo: float | None
    DeletionDate: float | None
    PendingDeletionWindowInDays: int | None


class Alias(TypedDict):
    AliasName: str
    TargetKeyId: str
    CreationDate: float
    LastUpdatedDate: float


class Grant(TypedDict, total=False):
    GrantId: str
    KeyId: str
    KeyArn: str
    Name: str | None
    CreationDate: float
    GranteePrincipal: str | None
    GranteeServicePrincipal: str | None
    RetiringPrincipal: str | None
    RetiringServicePrincipal: str | None
    IssuingAccount: str
    Operations: list[str]
    Constraints: dict | None


KEY = DocumentKind[Key]("kms.Key", migrations={
    0: rename_fields({"CurrentMaterial": "CurrentKeyMaterialId", "PendingWindow": "PendingDeletionWindowInDays"}),
})
ALIAS = DocumentKind[Alias]("kms.Alias")
GRANT = DocumentKind[Grant]("kms.Grant")
