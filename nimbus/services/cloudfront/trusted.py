"""Who may sign viewers' URLs and cookies: the public keys and key groups an account keeps, and the
``TrustedKeyGroups`` of a distribution's behaviours, checked when a configuration is written and read
when a viewer's signature is verified at the edge."""
from __future__ import annotations

from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError
from nimbus.store.base import Store

from .common import GLOBAL
from .configs import behaviours
from .documents import KEY_GROUP, PUBLIC_KEY, KeyGroup, PublicKey

public_keys_ns = Namespace("cloudfront", "public-keys")
key_groups_ns = Namespace("cloudfront", "key-groups")


def find_public_key(store: Store, account: str, key_id: str) -> PublicKey | None:
    return PUBLIC_KEY.get(store, public_keys_ns(account, GLOBAL), key_id)


def find_key_group(store: Store, account: str, group_id: str) -> KeyGroup | None:
    return KEY_GROUP.get(store, key_groups_ns(account, GLOBAL), group_id)


def all_public_keys(store: Store, account: str) -> list[PublicKey]:
    return [k for _, k in PUBLIC_KEY.scan(store, public_keys_ns(account, GLOBAL))]


def all_key_groups(store: Store, account: str) -> list[KeyGroup]:
    return [g for _, g in KEY_GROUP.scan(store, key_groups_ns(account, GLOBAL))]


def trusted_group_ids(behaviour: dict) -> list[str]:
    """The key groups a behaviour trusts; none means viewers need no signature."""
    trusted = behaviour.get("TrustedKeyGroups") or {}
    return list(trusted.get("Items", [])) if trusted.get("Enabled") else []


def check_trusted_signers(store: Store, account: str, config: dict) -> None:
    """Every trusted key group exists; legacy trusted signers (CloudFront key pairs, which only an
    account's root user makes in the console) are refused as AWS refuses an account without them."""
    for behaviour in behaviours(config):
        for group_id in trusted_group_ids(behaviour):
            if find_key_group(store, account, group_id) is None:
                raise ServiceError("TrustedKeyGroupDoesNotExist", "The specified key group does not exist.",
                                   status=400)
        signers = behaviour.get("TrustedSigners") or {}
        if signers.get("Enabled") and signers.get("Items"):
            raise ServiceError("TrustedSignerDoesNotExist", "One or more of your trusted signers don't exist.",
                               status=400)


def active_trusted_key_groups(store: Store, account: str, config: dict) -> dict:
    """The ``ActiveTrustedKeyGroups`` of a distribution: each trusted group with its public key ids."""
    group_ids = list(dict.fromkeys(g for b in behaviours(config) for g in trusted_group_ids(b)))
    items = []
    for group_id in group_ids:
        group = find_key_group(store, account, group_id)
        keys = group["KeyGroupConfig"].get("Items", []) if group else []
        items.append({"KeyGroupId": group_id, "KeyPairIds": {"Quantity": len(keys), "Items": keys}})
    return {"Enabled": bool(items), "Quantity": len(items), **({"Items": items} if items else {})}


def key_groups_in_use(distributions: list) -> set[str]:
    """The key groups some behaviour of these distributions trusts."""
    return {g for d in distributions for b in behaviours(d["DistributionConfig"]) for g in trusted_group_ids(b)}
