"""Sign/Verify, GetPublicKey, HMAC (GenerateMac/VerifyMac), ECDH and ML-KEM encapsulation."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import crypto, specs
from nimbus.services.kms.documents import Key
from nimbus.services.kms.state import KmsState


class SigningOps(KmsState):
    def _signing_input(self, ctx: RequestContext, params: dict, operation: str) -> tuple[dict, str, bytes, str]:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.ready(ctx, key, operation, "SIGN_VERIFY", None, params.get("GrantTokens"))
        algorithm = params["SigningAlgorithm"]
        self.require_algorithm(key, "SigningAlgorithms", algorithm)
        message, message_type = params["Message"], params.get("MessageType", "RAW")
        if algorithm == "ED25519_PH_SHA_512":
            raise ServiceError("UnsupportedOperationException",
                               "nimbus cannot compute Ed25519ph (ED25519_PH_SHA_512) signatures.")
        if algorithm == "ML_DSA_SHAKE_256":
            if message_type == "DIGEST":
                raise ServiceError("ValidationException",
                                   f"Message type {message_type} is incompatible with key spec {key['KeySpec']}.")
            if message_type == "EXTERNAL_MU" and len(message) != 64:
                raise ServiceError("ValidationException", f"Digest is invalid length for algorithm {algorithm}.")
        elif message_type == "EXTERNAL_MU" or (algorithm == "ED25519_SHA_512" and message_type != "RAW"):
            raise ServiceError("ValidationException",
                               f"Message type {message_type} is incompatible with algorithm {algorithm}.")
        elif message_type == "DIGEST":
            if len(message) != crypto.digest_size(algorithm):
                raise ServiceError("ValidationException", f"Digest is invalid length for algorithm {algorithm}.")
        return key, algorithm, message, message_type

    def sign(self, ctx: RequestContext, params: dict) -> dict:
        key, algorithm, message, message_type = self._signing_input(ctx, params, "Sign")
        self.dry_run(params)
        signature = crypto.sign(self.keys.material(key), algorithm, message, message_type)
        return {"KeyId": key["Arn"], "Signature": signature, "SigningAlgorithm": algorithm}

    def verify(self, ctx: RequestContext, params: dict) -> dict:
        key, algorithm, message, message_type = self._signing_input(ctx, params, "Verify")
        self.dry_run(params)
        if not crypto.verify(self.keys.material(key), algorithm, message, message_type, params["Signature"]):
            raise ServiceError("KMSInvalidSignatureException", "")
        return {"KeyId": key["Arn"], "SignatureValid": True, "SigningAlgorithm": algorithm}

    def get_public_key(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.check_state(key, "GetPublicKey")
        self.authorize(ctx, key, "GetPublicKey", None, params.get("GrantTokens"))
        if specs.is_symmetric(key["KeySpec"]) or key["KeySpec"] in specs.HMAC_SPECS:
            raise ServiceError("UnsupportedOperationException", f"{key['Arn']} key usage is {key['KeyUsage']} "
                               f"and key spec {key['KeySpec']}, which has no public key.")
        return {"KeyId": key["Arn"], "PublicKey": self.keys.public_key(key),
                "CustomerMasterKeySpec": key["KeySpec"], "KeySpec": key["KeySpec"],
                "KeyUsage": key["KeyUsage"], **specs.algorithms(key["KeySpec"], key["KeyUsage"])}

    # -- HMAC ----------------------------------------------------------------------------

    def _mac_key(self, ctx: RequestContext, params: dict, operation: str) -> Key:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.ready(ctx, key, operation, "GENERATE_VERIFY_MAC", None, params.get("GrantTokens"))
        self.require_algorithm(key, "MacAlgorithms", params["MacAlgorithm"])
        self.dry_run(params)
        return key

    def generate_mac(self, ctx: RequestContext, params: dict) -> dict:
        key = self._mac_key(ctx, params, "GenerateMac")
        mac = crypto.mac(self.keys.material(key), params["MacAlgorithm"], params["Message"])
        return {"Mac": mac, "MacAlgorithm": params["MacAlgorithm"], "KeyId": key["Arn"]}

    def verify_mac(self, ctx: RequestContext, params: dict) -> dict:
        key = self._mac_key(ctx, params, "VerifyMac")
        expected = crypto.mac(self.keys.material(key), params["MacAlgorithm"], params["Message"])
        if not crypto.mac_equal(expected, params["Mac"]):
            raise ServiceError("KMSInvalidMacException", "")
        return {"KeyId": key["Arn"], "MacValid": True, "MacAlgorithm": params["MacAlgorithm"]}

    # -- key agreement and encapsulation -------------------------------------------------

    def derive_shared_secret(self, ctx: RequestContext, params: dict) -> dict:
        self.no_recipient(params)
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.ready(ctx, key, "DeriveSharedSecret", "KEY_AGREEMENT", None, params.get("GrantTokens"))
        self.require_algorithm(key, "KeyAgreementAlgorithms", params["KeyAgreementAlgorithm"])
        try:
            secret = crypto.ecdh(self.keys.material(key), params["PublicKey"])
        except crypto.CryptoError as exc:
            raise ServiceError("ValidationException", f"PublicKey is not valid for {key['KeySpec']}: {exc}.") from None
        self.dry_run(params)
        return {"KeyId": key["Arn"], "SharedSecret": secret, "KeyAgreementAlgorithm": "ECDH",
                "KeyOrigin": key["Origin"]}

    def encapsulate(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.ready(ctx, key, "Encapsulate", "ENCAPSULATE_DECAPSULATE", None, params.get("GrantTokens"))
        self.require_algorithm(key, "EncapsulationAlgorithms", params["EncapsulationAlgorithm"])
        self.dry_run(params)
        secret, blob = crypto.encapsulate(self.keys.material(key))
        return {"KeyId": key["Arn"], "SharedSecret": secret, "SharedSecretCiphertextBlob": blob,
                "EncapsulationAlgorithm": "ML_KEM"}

    def decapsulate(self, ctx: RequestContext, params: dict) -> dict:
        key = self.keys.resolve(ctx, params["KeyId"], cross_account=True)
        self.ready(ctx, key, "Decapsulate", "ENCAPSULATE_DECAPSULATE", None, params.get("GrantTokens"))
        self.require_algorithm(key, "EncapsulationAlgorithms", params["EncapsulationAlgorithm"])
        self.dry_run(params)
        try:
            secret = crypto.decapsulate(self.keys.material(key), params["SharedSecretCiphertextBlob"])
        except crypto.CryptoError:
            raise ServiceError("InvalidCiphertextException", "") from None
        return {"KeyId": key["Arn"], "SharedSecret": secret, "EncapsulationAlgorithm": "ML_KEM"}
