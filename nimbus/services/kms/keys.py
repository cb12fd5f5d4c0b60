"""KMS keys in the store: creation, lookup by any identifier, metadata, material, and the virtual clock.

A key is one JSON document per (account, Region). Its material versions are sealed by the vault;
the plaintext only exists in memory (and in a small cache of parsed keys, keyed by material id).
Time-driven changes (deletion at the end of the waiting period, automatic rotation, expiry of
imported material) are applied whenever a key is read, so they happen exactly when the virtual
clock passes their date, whichever call observes the key first.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
import uuid
from typing import Literal

from nimbus.core.arns import arn, parse_arn
from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.core.secrets import Vault
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import crypto, specs
from nimbus.services.kms.call_state import call_state
from nimbus.services.kms.documents import ALIAS, GRANT, KEY, Alias, Key
from nimbus.services.kms.key_policies import aws_managed_policy
from nimbus.store.decoded_cache import keep_decoded

DAY = 86400
KEY_ID = re.compile(r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")
AWS_MANAGED_ALIAS = "alias/aws/"


keys_ns = Namespace("kms", "keys")
keep_decoded("kms", None, None, "keys")  # read by every call that names a key
aliases_ns = Namespace("kms", "aliases")
grants_ns = Namespace("kms", "grants")


def not_found(arn: str) -> ServiceError:
    return ServiceError("NotFoundException", f"Key '{arn}' does not exist")


def key_arn(account: str, region: str, key_id: str) -> str:
    return arn("kms", account, region, f"key/{key_id}")


def new_material_id() -> str:
    return os.urandom(32).hex()


def imported_material_id(key_id: str, material: bytes) -> str:
    # Re-importing the same material yields the same id, so older ciphertexts decrypt again.
    return hashlib.sha256(b"nimbus-kms-import\0" + key_id.encode() + b"\0" + material).hexdigest()


class KeyRepo:
    def __init__(self, runtime, vault: Vault):
        self.runtime = runtime
        self.store = runtime.store
        self.vault = vault
        self._parsed: dict[str, object] = {}
        self._lock = threading.Lock()

    # -- creation ------------------------------------------------------------------------

    def new_key(self, ctx: RequestContext, spec: str, usage: str, origin: str, description: str,
                multi_region: bool, manager: str = "CUSTOMER") -> Key:
        key_id = ("mrk-" + uuid.uuid4().hex) if multi_region else str(uuid.uuid4())
        key: Key = {
            "KeyId": key_id, "Arn": key_arn(ctx.account_id, ctx.region, key_id),
            "AWSAccountId": ctx.account_id, "Region": ctx.region, "CreationDate": ctx.clock.time(),
            "Description": description, "KeyUsage": usage, "KeySpec": spec, "Origin": origin,
            "KeyManager": manager, "KeyState": "PendingImport" if origin == "EXTERNAL" else "Enabled",
            "MultiRegion": multi_region, "PrimaryRegion": ctx.region if multi_region else None,
            "Replicas": [], "Materials": [], "CurrentKeyMaterialId": None, "Tags": [], "Policies": {},
            "Rotation": {"Enabled": manager == "AWS", "PeriodDays": 365,
                         "Next": ctx.clock.time() + 365 * DAY if manager == "AWS" else None},
            "Import": None, "ExpirationModel": None, "ValidTo": None,
            "DeletionDate": None, "PendingDeletionWindowInDays": None,
        }
        if origin == "AWS_KMS":
            self.add_material(key, crypto.generate(spec), new_material_id(), ctx.clock.time(), None)
        return key

    def add_material(self, key: Key, material: bytes, material_id: str, now: float,
                     rotation_type: str | None, imported: bool = False, valid_to: float | None = None,
                     description: str | None = None) -> None:
        """Make ``material`` the key's current material version."""
        public = None
        if not specs.is_symmetric(key["KeySpec"]) and key["KeySpec"] not in specs.HMAC_SPECS:
            public = crypto.public_der(crypto.load_private(material)).hex()
        for entry in key["Materials"]:
            entry["State"] = "NON_CURRENT"
        existing = next((m for m in key["Materials"] if m["Id"] == material_id), None)
        if existing is not None:
            key["Materials"].remove(existing)
        key["Materials"].append({
            "Id": material_id, "Sealed": self.vault.seal(material, f"{key['KeyId']}/{material_id}"),
            "Public": public, "Created": now, "RotationType": rotation_type, "State": "CURRENT",
            "Imported": imported, "ValidTo": valid_to, "Description": description,
        })
        key["CurrentKeyMaterialId"] = material_id

    # -- persistence ---------------------------------------------------------------------

    def save(self, key: Key) -> None:
        KEY.put(self.store, keys_ns(key["AWSAccountId"], key["Region"]), key["KeyId"], key)

    def load(self, account: str, region: str, key_id: str) -> Key | None:
        key = KEY.get(self.store, keys_ns(account, region), key_id)
        if key is not None and key["MultiRegion"] and key["PrimaryRegion"] != region:
            # A replica's material follows its primary: let the primary catch up (and sync) first.
            if self.load(account, key["PrimaryRegion"], key_id) is not None:
                key = KEY.get(self.store, keys_ns(account, region), key_id)
        if key is not None and self._due(key):
            # Under the store's lock, so two calls never rotate (or delete) the same key twice.
            with self.store.transaction():
                key = KEY.get(self.store, keys_ns(account, region), key_id)
                if key is not None:
                    outcome = self._catch_up(key)
                    if outcome == "deleted":
                        return None
                    if outcome == "changed":
                        self.save(key)
        return key

    def all(self, account: str, region: str) -> list[Key]:
        keys = []
        for key_id, _ in KEY.scan(self.store, keys_ns(account, region)):
            key = self.load(account, region, key_id)
            if key is not None:
                keys.append(key)
        return keys

    def _due(self, key: Key) -> bool:
        """Whether the virtual clock has passed a date the key is waiting for (a cheap, pure check)."""
        now = self.runtime.clock.time()
        rotation = key["Rotation"]
        return ((key["KeyState"] == "PendingDeletion" and now >= key["DeletionDate"])
                or (key["KeyState"] == "PendingReplicaDeletion" and not key["Replicas"])
                or (rotation["Enabled"] and rotation["Next"] is not None and now >= rotation["Next"]
                    and key["KeyState"] == "Enabled")
                or any(m.get("ValidTo") is not None and now >= m["ValidTo"] for m in key["Materials"]))

    def _catch_up(self, key: Key) -> Literal["deleted", "changed", "unchanged"]:
        """Apply what the virtual clock says happened since the key was stored."""
        now = self.runtime.clock.time()
        if key["KeyState"] == "PendingDeletion" and now >= key["DeletionDate"]:
            self._delete(key)
            return "deleted"
        changed = False
        if key["KeyState"] == "PendingReplicaDeletion" and not key["Replicas"]:
            key.update(KeyState="PendingDeletion", DeletionDate=now + key["PendingDeletionWindowInDays"] * DAY)
            changed = True
        rotation = key["Rotation"]
        while rotation["Enabled"] and rotation["Next"] is not None and now >= rotation["Next"] \
                and key["KeyState"] == "Enabled":
            self.add_material(key, crypto.generate(key["KeySpec"]), new_material_id(), rotation["Next"], "AUTOMATIC")
            rotation["Next"] += rotation["PeriodDays"] * DAY
            changed = True
        if changed:
            self.sync_replicas(key)
        expired = [m for m in key["Materials"] if m.get("ValidTo") is not None and now >= m["ValidTo"]]
        if expired:
            key["Materials"] = [m for m in key["Materials"] if m not in expired]
            if key["CurrentKeyMaterialId"] in {m["Id"] for m in expired}:
                key["CurrentKeyMaterialId"] = None
                key["KeyState"] = "PendingImport"
            changed = True
        return "changed" if changed else "unchanged"

    def sync_replicas(self, primary: Key) -> None:
        """Give every replica of a multi-Region primary key the primary's material versions."""
        for region in primary.get("Replicas", []):
            replica = KEY.get(self.store, keys_ns(primary["AWSAccountId"], region), primary["KeyId"])
            if replica is not None:
                replica["Materials"] = [dict(m) for m in primary["Materials"]]
                replica["CurrentKeyMaterialId"] = primary["CurrentKeyMaterialId"]
                self.save(replica)

    def _delete(self, key: Key) -> None:
        account, region = key["AWSAccountId"], key["Region"]
        with self.store.transaction():
            self.store.delete(keys_ns(account, region), key["KeyId"])
            if key["MultiRegion"] and key["PrimaryRegion"] != region:
                primary = KEY.get(self.store, keys_ns(account, key["PrimaryRegion"]), key["KeyId"])
                if primary is not None and region in primary["Replicas"]:
                    primary["Replicas"].remove(region)
                    self.save(primary)
            for name, alias in ALIAS.scan(self.store, aliases_ns(account, region)):
                if alias["TargetKeyId"] == key["KeyId"]:
                    self.store.delete(aliases_ns(account, region), name)
            for grant_id, grant in GRANT.scan(self.store, grants_ns(account, region)):
                if grant["KeyId"] == key["KeyId"]:
                    self.store.delete(grants_ns(account, region), grant_id)

    # -- lookup --------------------------------------------------------------------------

    def resolve(self, ctx: RequestContext, identifier: str, cross_account: bool = False,
                allow_alias: bool = True) -> Key:
        """The key named by a key id, key ARN, alias name or alias ARN, as AWS resolves them."""
        account, region = ctx.account_id, ctx.region
        name, alias_name = identifier, None
        if identifier.startswith("arn:"):
            parts = parse_arn(identifier)
            if parts is None or parts["service"] != "kms" or not parts["resource"].startswith(("key/", "alias/")):
                raise ServiceError("NotFoundException", f"Invalid arn {identifier}")
            if parts["region"] != region:
                raise ServiceError("NotFoundException", f"Invalid arn {parts['region']}")
            account = parts["account"]
            if account != ctx.account_id and not cross_account:
                raise not_found(identifier)
            name = parts["resource"]
            if name.startswith("key/"):
                name = name[4:]
        if name.startswith("alias/"):
            if not allow_alias:
                raise ServiceError("NotFoundException", f"Invalid keyId '{identifier}'")
            alias = self.alias(ctx, account, region, name)
            alias_name, name = name, alias["TargetKeyId"]
        if not KEY_ID.match(name):
            raise ServiceError("NotFoundException", f"Invalid keyId '{identifier}'")
        key = self.load(account, region, name)
        if key is None:
            raise not_found(key_arn(account, region, name))
        if alias_name is not None:
            # For the kms:RequestAlias condition key (see conditions.py).
            call_state(ctx).request_aliases[key["Arn"]] = alias_name
        return key

    def alias(self, ctx: RequestContext, account: str, region: str, name: str) -> Alias:
        alias = ALIAS.get(self.store, aliases_ns(account, region), name)
        if alias is None and name.startswith(AWS_MANAGED_ALIAS) and account == ctx.account_id:
            alias = self._aws_managed(ctx, name)
        if alias is None:
            raise ServiceError("NotFoundException", f"Alias {arn('kms', account, region, name)} is not found.")
        return alias

    def _aws_managed(self, ctx: RequestContext, name: str) -> Alias:
        """AWS creates a service's AWS managed key (alias/aws/<service>) when it is first used."""
        service = name[len(AWS_MANAGED_ALIAS):]
        with self.store.transaction():
            alias = ALIAS.get(self.store, aliases_ns(ctx.account_id, ctx.region), name)
            if alias is not None:
                return alias
            key = self.new_key(ctx, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "AWS_KMS",
                               f"Default key that protects my {service} data when no other key is defined",
                               False, manager="AWS")
            key["Policies"] = {"default": aws_managed_policy(ctx.account_id, ctx.region, service)}
            self.save(key)
            now = ctx.clock.time()
            alias = Alias(AliasName=name, TargetKeyId=key["KeyId"], CreationDate=now, LastUpdatedDate=now)
            ALIAS.put(self.store, aliases_ns(ctx.account_id, ctx.region), name, alias)
        return alias

    # -- material ------------------------------------------------------------------------

    def material(self, key: Key, material_id: str | None = None):
        """The plaintext material (bytes for symmetric/HMAC keys, a private key object otherwise)."""
        material_id = material_id or key["CurrentKeyMaterialId"]
        entry = next((m for m in key["Materials"] if m["Id"] == material_id), None)
        if entry is None:
            return None
        parsed = self._parsed.get(material_id)
        if parsed is None:
            raw = self.vault.unseal(entry["Sealed"], f"{key['KeyId']}/{material_id}")
            parsed = raw if entry["Public"] is None else crypto.load_private(raw)
            with self._lock:
                if len(self._parsed) > 10000:
                    self._parsed.clear()
                self._parsed[material_id] = parsed
        return parsed

    def public_key(self, key: Key) -> bytes:
        entry = next(m for m in key["Materials"] if m["Id"] == key["CurrentKeyMaterialId"])
        return bytes.fromhex(entry["Public"])
