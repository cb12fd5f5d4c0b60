"""CreatePublicKey, GetPublicKey(Config), UpdatePublicKey, DeletePublicKey and ListPublicKeys: the RSA 2048
and ECDSA P-256 keys viewers' signed URLs and cookies are verified with, ETags and If-Match as on distributions."""
from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from nimbus.core.context import RequestContext
from nimbus.core.paging import page_after
from nimbus.protocol.errors import ServiceError

from .common import GLOBAL, check_if_match, invalid_argument, new_etag, new_id
from .documents import PUBLIC_KEY, PublicKey
from .recorded import PUBLIC_KEY_TYPE, public_key_arn, recorded_change
from .state import CloudFrontState
from .trusted import all_key_groups, all_public_keys, find_public_key, public_keys_ns

MAX_PUBLIC_KEYS = 10  # AWS's default quota per account
_IMMUTABLE = ("Name", "EncodedKey")


def no_such_public_key() -> ServiceError:
    return ServiceError("NoSuchPublicKey", "The specified public key does not exist.", status=404)


def checked_pem(encoded: str) -> None:
    """CloudFront takes an RSA 2048-bit or ECDSA P-256 public key in PEM (SubjectPublicKeyInfo) form."""
    try:
        key = load_pem_public_key(encoded.encode())
    except (ValueError, TypeError) as error:
        raise invalid_argument("The specified public key is not valid: it must be an RSA or ECDSA public key in "
                               "PEM format.") from error
    rsa_2048 = isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    ecdsa_256 = isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    if not (rsa_2048 or ecdsa_256):
        raise invalid_argument("The specified public key is not valid: CloudFront supports 2048-bit RSA keys and "
                               "256-bit ECDSA (P-256) keys.")


class PublicKeyOps(CloudFrontState):
    def create_public_key(self, ctx: RequestContext, params: dict) -> dict:
        config = params["PublicKeyConfig"]
        checked_pem(config["EncodedKey"])
        with self.store.transaction():
            existing = all_public_keys(self.store, ctx.account_id)
            if any(k["PublicKeyConfig"]["Name"] == config["Name"] or
                   k["PublicKeyConfig"]["CallerReference"] == config["CallerReference"] for k in existing):
                raise ServiceError("PublicKeyAlreadyExists", "The specified public key already exists.", status=409)
            if len(existing) >= MAX_PUBLIC_KEYS:
                raise ServiceError("TooManyPublicKeys", "The maximum number of public keys for field-level "
                                   "encryption have been created.", status=400)
            key: PublicKey = {"Id": new_id("K"), "CreatedTime": ctx.clock.time(), "ETag": new_etag(),
                              "PublicKeyConfig": {"Comment": "", **config}}
            PUBLIC_KEY.put(self.store, public_keys_ns(ctx.account_id, GLOBAL), key["Id"], key)
        recorded_change(ctx, PUBLIC_KEY_TYPE, public_key_arn(ctx.account_id, key["Id"]), "created",
                        lambda: _output(key))
        return {"PublicKey": _output(key), "ETag": key["ETag"],
                "Location": f"https://cloudfront.amazonaws.com/2020-05-31/public-key/{key['Id']}"}

    def get_public_key(self, ctx: RequestContext, params: dict) -> dict:
        key = self._public_key(ctx, params["Id"])
        return {"PublicKey": _output(key), "ETag": key["ETag"]}

    def get_public_key_config(self, ctx: RequestContext, params: dict) -> dict:
        key = self._public_key(ctx, params["Id"])
        return {"PublicKeyConfig": key["PublicKeyConfig"], "ETag": key["ETag"]}

    def update_public_key(self, ctx: RequestContext, params: dict) -> dict:
        config = params["PublicKeyConfig"]
        with self.store.transaction():
            key = self._public_key(ctx, params["Id"])
            check_if_match(params.get("IfMatch"), key["ETag"])
            before = key["PublicKeyConfig"]
            if any(config.get(member) != before[member] for member in _IMMUTABLE):
                raise ServiceError("CannotChangeImmutablePublicKeyFields", "You can't change the value of a public "
                                   "key.", status=400)
            if config["CallerReference"] != before["CallerReference"]:
                raise ServiceError("IllegalUpdate", "The update contains modifications that are not allowed: "
                                   "CallerReference cannot be changed.", status=400)
            key = {**key, "PublicKeyConfig": {"Comment": "", **config}, "ETag": new_etag()}
            PUBLIC_KEY.put(self.store, public_keys_ns(ctx.account_id, GLOBAL), key["Id"], key)
        recorded_change(ctx, PUBLIC_KEY_TYPE, public_key_arn(ctx.account_id, key["Id"]), "updated")
        return {"PublicKey": _output(key), "ETag": key["ETag"]}

    def delete_public_key(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            key = self._public_key(ctx, params["Id"])
            check_if_match(params.get("IfMatch"), key["ETag"])
            if any(key["Id"] in g["KeyGroupConfig"].get("Items", []) for g in all_key_groups(self.store, ctx.account_id)):
                raise ServiceError("PublicKeyInUse", "The specified public key is in use.", status=409)
            self.store.delete(public_keys_ns(ctx.account_id, GLOBAL), key["Id"])
        recorded_change(ctx, PUBLIC_KEY_TYPE, public_key_arn(ctx.account_id, key["Id"]), "deleted")
        return {}

    def list_public_keys(self, ctx: RequestContext, params: dict) -> dict:
        limit = int(params.get("MaxItems") or 100)
        chunk, more = page_after(all_public_keys(self.store, ctx.account_id), lambda k: k["Id"],
                                 params.get("Marker"), limit)
        listing: dict = {"MaxItems": limit, "Quantity": len(chunk),
                         "Items": [{"Id": k["Id"], "Name": k["PublicKeyConfig"]["Name"], "CreatedTime": k["CreatedTime"],
                                    "EncodedKey": k["PublicKeyConfig"]["EncodedKey"],
                                    "Comment": k["PublicKeyConfig"].get("Comment", "")} for k in chunk]}
        if more:
            listing["NextMarker"] = chunk[-1]["Id"]
        return {"PublicKeyList": listing}

    def _public_key(self, ctx: RequestContext, key_id: str) -> PublicKey:
        found = find_public_key(self.store, ctx.account_id, key_id)
        if found is None:
            raise no_such_public_key()
        return found


def _output(key: PublicKey) -> dict:
    return {"Id": key["Id"], "CreatedTime": key["CreatedTime"], "PublicKeyConfig": key["PublicKeyConfig"]}
