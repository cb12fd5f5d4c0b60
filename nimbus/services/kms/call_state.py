"""What one KMS call learns while it runs that its condition keys need later (``ctx.provider_state``)."""
from __future__ import annotations

from dataclasses import dataclass, field

from nimbus.core.context import RequestContext


@dataclass
class KmsCallState:
    # key ARN -> the alias name the request named it by (kms:RequestAlias)
    request_aliases: dict[str, str] = field(default_factory=dict)
    # the key ReEncrypt decrypted with, for the destination's kms:ReEncryptOnSameKey
    reencrypt_source: str | None = None


def call_state(ctx: RequestContext) -> KmsCallState:
    if not isinstance(ctx.provider_state, KmsCallState):
        ctx.provider_state = KmsCallState()
    return ctx.provider_state
