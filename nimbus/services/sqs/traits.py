"""SQS's difference in the shared request path: ReceiveMessage's legacy ``AttributeNames``."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits


def _legacy_attribute_names(operation: str, params: dict) -> dict:
    """SDKs from before 2024 ask for message system attributes (ApproximateReceiveCount...) in AttributeNames,
    which the model now types as queue attribute names; AWS still serves them, as MessageSystemAttributeNames."""
    if operation != "ReceiveMessage" or not params.get("AttributeNames"):
        return params
    names = list(params.get("MessageSystemAttributeNames") or [])
    names += [n for n in params["AttributeNames"] if n not in names]
    return {**{k: v for k, v in params.items() if k != "AttributeNames"}, "MessageSystemAttributeNames": names}


TRAITS = ServiceTraits(normalize_input=_legacy_attribute_names)
