"""The post-quantum private-key classes of the installed cryptography, by KMS key spec.

Recent wheels (OpenSSL 3.5 based) have ML-DSA and ML-KEM; older ones have neither. The key specs
(which of them nimbus can back) and the cryptography (generating and checking keys) both read these.
"""
from __future__ import annotations

from typing import Any

ML_DSA: dict[str, Any] = {}
ML_KEM: dict[str, Any] = {}

try:
    from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem
except ImportError:  # pragma: no cover - depends on the installed wheel
    pass
else:
    ML_DSA.update({"ML_DSA_44": mldsa.MLDSA44PrivateKey, "ML_DSA_65": mldsa.MLDSA65PrivateKey,
                   "ML_DSA_87": mldsa.MLDSA87PrivateKey})
    ML_KEM.update({"ML_KEM_768": mlkem.MLKEM768PrivateKey, "ML_KEM_1024": mlkem.MLKEM1024PrivateKey})
