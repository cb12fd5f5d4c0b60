"""The stored shapes of STS's own state (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import TypedDict

from nimbus.core.documents import DocumentKind


class OidcIssuerKey(TypedDict):
    """The signing key of one of nimbus's test OIDC issuers (``/_nimbus/oidc/<name>``), keyed by name."""
    KeyId: str
    SealedPrivateKey: str  # PKCS#8 PEM, sealed under the master key


OIDC_ISSUER_KEY = DocumentKind[OidcIssuerKey]("sts.OidcIssuerKey")
