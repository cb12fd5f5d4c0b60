"""Message attributes: AWS's validation, their size, and how they appear in delivered JSON."""
from __future__ import annotations

import base64
import json
import re
from decimal import Decimal, InvalidOperation

from nimbus.core.json_text import read_json

from .common import invalid_value

NAME = re.compile(r"^[A-Za-z0-9_\-.]{1,256}$")
MAX_ATTRIBUTES = 10
# Names under AWS. are reserved, except SNS's own settings (AWS.SNS.SMS.SenderID, AWS.SNS.MOBILE.APNS.TTL...).
SNS_RESERVED = "AWS.SNS."
NUMBER_LIMIT = Decimal("1e9")


def _number(name: str, text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise invalid_value(f"Could not cast message attribute '{name}' value to number.") from None
    if not number.is_finite() or abs(number) > NUMBER_LIMIT or -number.as_tuple().exponent > 5:
        raise invalid_value(f"Value {text} for parameter MessageAttributes is invalid. Reason: Number "
                            "values must be between -10^9 and 10^9 with at most 5 decimal places.")
    return number


def validate(attributes: dict | None) -> int:
    """Raise AWS's error for a bad attribute; return the bytes they add to the message size."""
    attributes = attributes or {}
    if len(attributes) > MAX_ATTRIBUTES:
        raise invalid_value(f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
                            f"[{MAX_ATTRIBUTES}].")
    size = 0
    for name, attribute in attributes.items():
        if (not NAME.match(name) or name.startswith(".") or name.endswith(".") or ".." in name
                or (name.lower().startswith(("aws.", "amazon.")) and not name.startswith(SNS_RESERVED))):
            raise invalid_value(f"The message attribute name '{name}' is invalid.")
        data_type = attribute.get("DataType") or ""
        base = data_type.split(".", 1)[0]
        if base not in ("String", "Number", "Binary") or len(data_type) > 256:
            raise invalid_value(f"The message attribute '{name}' has an invalid message attribute type, the set "
                                "of supported type prefixes is Binary, Number, and String.")
        if base == "Binary":
            value = attribute.get("BinaryValue")
            if value is None or len(value) == 0:
                raise invalid_value(f"The message attribute '{name}' must contain non-empty message attribute "
                                    f"value for message attribute type '{data_type}'.")
            size += len(value)
        else:
            value = attribute.get("StringValue")
            if value is None or value == "":
                raise invalid_value(f"The message attribute '{name}' must contain non-empty message attribute "
                                    f"value for message attribute type '{data_type}'.")
            if base == "Number":
                _number(name, value)
            if data_type == "String.Array":
                try:
                    parsed = read_json(value)
                except ValueError:
                    parsed = None
                if not isinstance(parsed, list) or any(isinstance(v, (dict, list)) for v in parsed):
                    raise invalid_value(f"The message attribute '{name}' with type 'String.Array' has an "
                                        "invalid value.")
            size += len(value.encode())
        size += len(name.encode()) + len(data_type.encode())
    return size


def to_stored(attributes: dict | None) -> dict:
    """JSON-safe form: binary values as base64 text."""
    out = {}
    for name, attribute in (attributes or {}).items():
        data_type = attribute["DataType"]
        if data_type.startswith("Binary"):
            out[name] = {"Type": data_type, "Value": base64.b64encode(attribute["BinaryValue"]).decode()}
        else:
            out[name] = {"Type": data_type, "Value": attribute["StringValue"]}
    return out


def filter_values(stored: dict) -> dict:
    """Attribute values as filter policies see them: numbers, strings, arrays; binary is never matched."""
    values = {}
    for name, attribute in stored.items():
        data_type, value = attribute["Type"], attribute["Value"]
        if data_type.startswith("Binary"):
            continue
        if data_type.startswith("Number"):
            values[name] = float(Decimal(value))
        elif data_type == "String.Array":
            values[name] = json.loads(value)
        else:
            values[name] = value
    return values
