"""Encrypt, Decrypt, ReEncrypt, data keys, data key pairs and GenerateRandom.

Symmetric keys use the self-describing blob of ciphertext.py; RSA keys produce raw RSAES-OAEP
ciphertext, exactly what ``cryptography`` produces with the public key from GetPublicKey.
"""
from __future__ import annotations

import os

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import ciphertext, crypto, specs
from nimbus.services.kms.documents import Key
from nimbus.services.kms.state import KmsState

DATA_KEY_BYTES = {"AES_128": 16, "AES_256": 32}
INCORRECT_KEY = "The key ID in the request does not identify a CMK that can perform this operation."


def invalid_ciphertext() -> ServiceError:
    return ServiceError("InvalidCiphertextException", "")


def ciphertext_blob(params: dict) -> bytes:
    # Optional in the model (DryRunModifiers can stand in for it), required by the service.
    if not params.get("CiphertextBlob"):
        raise ServiceError("ValidationException", "1 validation error detected: Value null at 'ciphertextBlob' "
                           "failed to satisfy constraint: Member must not be null")
    return params["CiphertextBlob"]


class SymmetricOps(KmsState):
    # -- the two primitives every operation here is built from ---------------------------

    def _encrypt_under(self, ctx: RequestContext, key: Key, algorithm: str, plaintext: bytes,
                       context: dict | None) -> tuple[bytes, str | None]:
        self.require_algorithm(key, "EncryptionAlgorithms", algorithm)
        if specs.is_symmetric(key["KeySpec"]):
            material_id = key["CurrentKeyMaterialId"]
            blob = ciphertext.seal(self.keys.material(key), key["AWSAccountId"], key["KeyId"], material_id,
                                   plaintext, context)
            return blob, material_id
        private_key = self.keys.material(key)
        limit = crypto.rsa_max_plaintext(private_key, algorithm)
        if len(plaintext) > limit:
            raise ServiceError("ValidationException",
                               f"Plaintext length {len(plaintext)} exceeds the maximum of {limit} bytes "
                               f"for {key['KeySpec']} with {algorithm}.")
        return crypto.rsa_encrypt(private_key, algorithm, plaintext), None

    def _decrypt(self, ctx: RequestContext, blob: bytes, key_param: str | None, algorithm: str,
                 context: dict | None, grant_tokens, operation: str) -> tuple[Key, bytes, str | None]:
        named = self.keys.resolve(ctx, key_param, cross_account=True) if key_param else None
        if algorithm != "SYMMETRIC_DEFAULT":
            if named is None:
                raise ServiceError("ValidationException",
                                   "KeyId is required when EncryptionAlgorithm is not SYMMETRIC_DEFAULT.")
            self.ready(ctx, named, operation, "ENCRYPT_DECRYPT", context, grant_tokens)
            self.require_algorithm(named, "EncryptionAlgorithms", algorithm)
            try:
                return named, crypto.rsa_decrypt(self.keys.material(named), algorithm, blob), None
            except crypto.CryptoError:
                raise invalid_ciphertext() from None
        if named is not None and not specs.is_symmetric(named["KeySpec"]):
            self.ready(ctx, named, operation, "ENCRYPT_DECRYPT", context, grant_tokens)
            self.require_algorithm(named, "EncryptionAlgorithms", algorithm)
        envelope = ciphertext.parse(blob)
        if envelope is None:
            raise invalid_ciphertext()
        if named is not None and (named["KeyId"], named["AWSAccountId"]) != (envelope.key_id, envelope.account):
            raise ServiceError("IncorrectKeyException", INCORRECT_KEY)
        key = named or self.keys.load(envelope.account, ctx.region, envelope.key_id)
        if key is None:
            raise invalid_ciphertext()
        self.ready(ctx, key, operation, "ENCRYPT_DECRYPT", context, grant_tokens)
        material = self.keys.material(key, envelope.material_id)
        plaintext = None if material is None else ciphertext.open_(material, envelope, context)
        if plaintext is None:
            raise invalid_ciphertext()
        return key, plaintext, envelope.material_id

    def _data_key_holder(self, ctx: RequestContext, params: dict, operation: str) -> Key:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.ready(ctx, key, operation, "ENCRYPT_DECRYPT", params.get("EncryptionContext"), params.get("GrantTokens"))
        if not specs.is_symmetric(key["KeySpec"]):
            raise ServiceError("InvalidKeyUsageException",
                               f"{key['Arn']} key spec {key['KeySpec']} is not valid for {operation}.")
        return key

    # -- operations ----------------------------------------------------------------------

    def encrypt(self, ctx: RequestContext, params: dict) -> dict:
        self.no_recipient(params)
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        context = params.get("EncryptionContext")
        self.ready(ctx, key, "Encrypt", "ENCRYPT_DECRYPT", context, params.get("GrantTokens"))
        algorithm = params.get("EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
        blob, _ = self._encrypt_under(ctx, key, algorithm, params["Plaintext"], context)
        self.dry_run(params)
        return {"CiphertextBlob": blob, "KeyId": key["Arn"], "EncryptionAlgorithm": algorithm}

    def decrypt(self, ctx: RequestContext, params: dict) -> dict:
        self.no_recipient(params)
        algorithm = params.get("EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
        key, plaintext, material_id = self._decrypt(
            ctx, ciphertext_blob(params), params.get("KeyId"), algorithm, params.get("EncryptionContext"),
            params.get("GrantTokens"), "Decrypt")
        self.dry_run(params)
        output = {"KeyId": key["Arn"], "Plaintext": plaintext, "EncryptionAlgorithm": algorithm}
        if material_id:
            output["KeyMaterialId"] = material_id
        return output

    def re_encrypt(self, ctx: RequestContext, params: dict) -> dict:
        source_algorithm = params.get("SourceEncryptionAlgorithm", "SYMMETRIC_DEFAULT")
        source, plaintext, source_material = self._decrypt(
            ctx, ciphertext_blob(params), params.get("SourceKeyId"), source_algorithm,
            params.get("SourceEncryptionContext"), params.get("GrantTokens"), "ReEncryptFrom")
        target = self.keys.resolve(ctx, params["DestinationKeyId"], cross_account=True)
        context = params.get("DestinationEncryptionContext")
        self.ready(ctx, target, "ReEncryptTo", "ENCRYPT_DECRYPT", context, params.get("GrantTokens"))
        algorithm = params.get("DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT")
        blob, material_id = self._encrypt_under(ctx, target, algorithm, plaintext, context)
        self.dry_run(params)
        output = {"CiphertextBlob": blob, "SourceKeyId": source["Arn"], "KeyId": target["Arn"],
                  "SourceEncryptionAlgorithm": source_algorithm, "DestinationEncryptionAlgorithm": algorithm}
        if source_material:
            output["SourceKeyMaterialId"] = source_material
        if material_id:
            output["DestinationKeyMaterialId"] = material_id
        return output

    def _generate_data_key(self, ctx: RequestContext, params: dict, operation: str) -> dict:
        key_spec, size = params.get("KeySpec"), params.get("NumberOfBytes")
        if (key_spec is None) == (size is None):
            raise ServiceError("ValidationException", "Please specify either number of bytes or key spec.")
        key = self._data_key_holder(ctx, params, operation)
        plaintext = os.urandom(size or DATA_KEY_BYTES[key_spec])
        blob, material_id = self._encrypt_under(ctx, key, "SYMMETRIC_DEFAULT", plaintext,
                                                params.get("EncryptionContext"))
        self.dry_run(params)
        return {"CiphertextBlob": blob, "Plaintext": plaintext, "KeyId": key["Arn"], "KeyMaterialId": material_id}

    def generate_data_key(self, ctx: RequestContext, params: dict) -> dict:
        self.no_recipient(params)
        return self._generate_data_key(ctx, params, "GenerateDataKey")

    def generate_data_key_without_plaintext(self, ctx: RequestContext, params: dict) -> dict:
        output = self._generate_data_key(ctx, params, "GenerateDataKeyWithoutPlaintext")
        del output["Plaintext"]
        return output

    def _generate_data_key_pair(self, ctx: RequestContext, params: dict, operation: str) -> dict:
        pair_spec = params["KeyPairSpec"]
        if not specs.supported(pair_spec):
            raise ServiceError("UnsupportedOperationException", f"nimbus does not support KeyPairSpec {pair_spec}.")
        key = self._data_key_holder(ctx, params, operation)
        private_der = crypto.generate(pair_spec)
        blob, material_id = self._encrypt_under(ctx, key, "SYMMETRIC_DEFAULT", private_der,
                                                params.get("EncryptionContext"))
        self.dry_run(params)
        return {"PrivateKeyCiphertextBlob": blob, "PrivateKeyPlaintext": private_der,
                "PublicKey": crypto.public_der(crypto.load_private(private_der)), "KeyId": key["Arn"],
                "KeyPairSpec": pair_spec, "KeyMaterialId": material_id}

    def generate_data_key_pair(self, ctx: RequestContext, params: dict) -> dict:
        self.no_recipient(params)
        return self._generate_data_key_pair(ctx, params, "GenerateDataKeyPair")

    def generate_data_key_pair_without_plaintext(self, ctx: RequestContext, params: dict) -> dict:
        output = self._generate_data_key_pair(ctx, params, "GenerateDataKeyPairWithoutPlaintext")
        del output["PrivateKeyPlaintext"]
        return output

    def generate_random(self, ctx: RequestContext, params: dict) -> dict:
        self.no_recipient(params)
        if params.get("CustomKeyStoreId"):
            raise ServiceError("CustomKeyStoreNotFoundException", "")
        if params.get("NumberOfBytes") is None:
            raise ServiceError("ValidationException", "NumberOfBytes is required.")
        return {"Plaintext": os.urandom(params["NumberOfBytes"])}

