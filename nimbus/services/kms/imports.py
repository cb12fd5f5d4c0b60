"""Imported key material (Origin EXTERNAL): wrapping keys and import tokens, import, expiry, deletion.

Every wrapping algorithm of the model that ``cryptography`` can unwrap is supported: RSAES_OAEP_SHA_1,
RSAES_OAEP_SHA_256, RSAES_PKCS1_V1_5 and the two-step RSA_AES_KEY_WRAP_SHA_1/SHA_256 (RSA-OAEP
wrapped AES key, then AES key wrap with padding, RFC 5649). SM2 wrapping is not available.
"""
from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap_with_padding

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import crypto, specs
from nimbus.services.kms.documents import Key
from nimbus.services.kms.keys import DAY, imported_material_id
from nimbus.services.kms.state import KmsState

TOKEN_PREFIX = b"nimbus-kms-import-token:"
PARAMETERS_SECONDS = DAY
MAX_VALID_TO_SECONDS = 365 * DAY
HASH = {"SHA_1": hashes.SHA1, "SHA_256": hashes.SHA256}


def _oaep(name: str) -> padding.OAEP:
    digest = HASH[name]()
    return padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)


def unwrap(wrapping_key, algorithm: str, wrapped: bytes) -> bytes:
    try:
        if algorithm == "RSAES_PKCS1_V1_5":
            return wrapping_key.decrypt(wrapped, padding.PKCS1v15())
        if algorithm.startswith("RSAES_OAEP_"):
            return wrapping_key.decrypt(wrapped, _oaep(algorithm[len("RSAES_OAEP_"):]))
        if algorithm.startswith("RSA_AES_KEY_WRAP_"):
            split = wrapping_key.key_size // 8
            aes_key = wrapping_key.decrypt(wrapped[:split], _oaep(algorithm[len("RSA_AES_KEY_WRAP_"):]))
            return aes_key_unwrap_with_padding(aes_key, wrapped[split:])
    except (ValueError, InvalidUnwrap):
        raise ServiceError("InvalidCiphertextException", "") from None
    raise ServiceError("UnsupportedOperationException", f"nimbus does not support wrapping algorithm {algorithm}.")


def check_material(spec: str, material: bytes) -> None:
    if specs.is_symmetric(spec):
        ok = len(material) == 32
    elif spec in specs.HMAC_SPECS:
        ok = crypto.HMAC_KEY_BYTES[spec] <= len(material) <= 64
    else:
        try:
            ok = crypto.matches_spec(crypto.load_private(material), spec)
        except ValueError:
            ok = False
    if not ok:
        raise ServiceError("IncorrectKeyMaterialException", "")


class ImportOps(KmsState):
    def _external(self, ctx: RequestContext, params: dict, operation: str) -> Key:
        key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
        self.check_state(key, operation)
        self.authorize(ctx, key, operation)
        if key["Origin"] != "EXTERNAL":
            raise ServiceError("UnsupportedOperationException",
                               f"{key['Arn']} origin is {key['Origin']} which is not valid for this operation.")
        return key

    def get_parameters_for_import(self, ctx: RequestContext, params: dict) -> dict:
        spec = params["WrappingKeySpec"]
        if spec not in specs.RSA_SPECS:
            raise ServiceError("UnsupportedOperationException", f"nimbus does not support WrappingKeySpec {spec}.")
        if params["WrappingAlgorithm"] == "SM2PKE":
            raise ServiceError("UnsupportedOperationException", "nimbus does not support the SM2PKE wrapping algorithm.")
        with self.store.transaction():
            key = self._external(ctx, params, "GetParametersForImport")
            wrapping = rsa.generate_private_key(65537, specs.RSA_SPECS[spec])
            token = os.urandom(32).hex()
            valid_to = ctx.clock.time() + PARAMETERS_SECONDS
            key["Import"] = {"Token": token, "Algorithm": params["WrappingAlgorithm"], "ValidTo": valid_to,
                             "Sealed": self.keys.vault.seal(crypto.pkcs8(wrapping), f"{key['KeyId']}/import/{token}")}
            self.keys.save(key)
        return {"KeyId": key["Arn"], "ImportToken": TOKEN_PREFIX + bytes.fromhex(token),
                "PublicKey": crypto.public_der(wrapping), "ParametersValidTo": timestamp(valid_to)}

    def import_key_material(self, ctx: RequestContext, params: dict) -> dict:
        model = params.get("ExpirationModel") or ("KEY_MATERIAL_EXPIRES" if params.get("ValidTo")
                                                  else "KEY_MATERIAL_DOES_NOT_EXPIRE")
        valid_to = params.get("ValidTo")
        if model == "KEY_MATERIAL_EXPIRES" and valid_to is None:
            raise ServiceError("ValidationException",
                               "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
        if model == "KEY_MATERIAL_DOES_NOT_EXPIRE" and valid_to is not None:
            raise ServiceError("ValidationException",
                               "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE")
        with self.store.transaction():
            key = self._external(ctx, params, "ImportKeyMaterial")
            pending, token = key.get("Import"), params["ImportToken"]
            if not pending or token != TOKEN_PREFIX + bytes.fromhex(pending["Token"]):
                raise ServiceError("InvalidImportTokenException", "")
            now = ctx.clock.time()
            if now > pending["ValidTo"]:
                raise ServiceError("ExpiredImportTokenException", "")
            valid_epoch = valid_to.timestamp() if valid_to is not None else None
            if valid_epoch is not None and not now < valid_epoch <= now + MAX_VALID_TO_SECONDS:
                raise ServiceError("ValidationException", "ValidTo must be in the future and at most 365 days away.")
            wrapping = crypto.load_private(self.keys.vault.unseal(pending["Sealed"],
                                                                  f"{key['KeyId']}/import/{pending['Token']}"))
            material = unwrap(wrapping, pending["Algorithm"], params["EncryptedKeyMaterial"])
            check_material(key["KeySpec"], material)
            material_id = imported_material_id(key["KeyId"], material)
            known = key.setdefault("ImportedIds", [])
            if known and material_id not in known:
                raise ServiceError("IncorrectKeyMaterialException", "")
            if params.get("ImportType") == "NEW_KEY_MATERIAL" and known:
                raise ServiceError("UnsupportedOperationException",
                                   "nimbus does not support importing new key material for on-demand rotation.")
            self.keys.add_material(key, material, material_id, now, None, imported=True, valid_to=valid_epoch,
                                   description=params.get("KeyMaterialDescription"))
            if material_id not in known:
                known.append(material_id)
            if key["KeyState"] == "PendingImport":
                key["KeyState"] = "Enabled"
            self.keys.save(key)
        return {"KeyId": key["Arn"], "KeyMaterialId": material_id}

    def delete_imported_key_material(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            key = self._external(ctx, params, "DeleteImportedKeyMaterial")
            wanted = params.get("KeyMaterialId") or key["CurrentKeyMaterialId"]
            key["Materials"] = [m for m in key["Materials"] if params.get("KeyMaterialId") and m["Id"] != wanted]
            if key["CurrentKeyMaterialId"] not in {m["Id"] for m in key["Materials"]}:
                key["CurrentKeyMaterialId"] = None
                if key["KeyState"] != "PendingDeletion":
                    key["KeyState"] = "PendingImport"
            self.keys.save(key)
        output = {"KeyId": key["Arn"]}
        if wanted:
            output["KeyMaterialId"] = wanted
        return output
