"""Secret attributes (an access key's ``SecretAccessKey``) kept sealed among a stack's resource attributes.

A handler names its secret attributes in ``sealed_attributes``; the engine seals them under the master key
(``core/secrets.py``), bound to the stack, the resource and the attribute, before the resource's document is
stored, and unseals one only to answer ``Fn::GetAtt`` while a stack operation runs. The store, a backup of
it, or a describe never holds the secret in plaintext.
"""
from __future__ import annotations

from typing import Any

from nimbus.core.secrets import Vault

SEALED = "nimbus:sealed"


def _binding(stack_id: str, logical_id: str, physical_id: str, name: str) -> str:
    return f"cloudformation/{stack_id}/{logical_id}/{physical_id}/{name}"


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SEALED}


def seal_attributes(vault: Vault, stack_id: str, logical_id: str, physical_id: str, names: tuple[str, ...],
                    attributes: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """``attributes`` with each of ``names`` sealed; one an update does not return again (a secret is only
    ever answered once, at creation) is kept, still sealed, from ``previous``."""
    out = dict(attributes)
    for name in names:
        if name in out and not is_sealed(out[name]):
            sealed = vault.seal(str(out[name]).encode(), _binding(stack_id, logical_id, physical_id, name))
            out[name] = {SEALED: sealed}
        elif name not in out and previous and name in previous:
            out[name] = previous[name]
    return out


def attribute(vault: Vault, stack_id: str, logical_id: str, physical_id: str, attributes: dict[str, Any],
              name: str) -> Any:
    """What ``Fn::GetAtt`` answers for ``name``: a sealed value unsealed."""
    value = attributes.get(name)
    if isinstance(value, dict) and is_sealed(value):
        return vault.unseal(value[SEALED], _binding(stack_id, logical_id, physical_id, name)).decode()
    return value
