"""S3 object keys as Firehose forms them: prefixes with namespaces, and object names.

Namespaces: ``!{timestamp:<Java DateTimeFormatter pattern>}`` (UTC, the arrival time of the oldest
record in the object), ``!{firehose:random-string}``, ``!{firehose:error-output-type}`` (error prefix
only) and ``!{partitionKeyFromQuery:<key>}`` (dynamic partitioning). A prefix without any
expression gets the default ``YYYY/MM/DD/HH/`` appended, as Firehose does.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime

from nimbus.services.firehose.common import invalid

EXPRESSION = re.compile(r"!\{([A-Za-z]+):([^}]*)\}")
NAMESPACES = ("timestamp", "firehose", "partitionKeyFromQuery", "partitionKeyFromLambda")
FIREHOSE_KEYS = ("random-string", "error-output-type")
# Java DateTimeFormatter letters Firehose prefixes use, longest first.
JAVA_FIELDS = [("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"),
               ("ss", "%S"), ("DDD", "%j"), ("EEE", "%a"), ("a", "%p")]


def java_format(pattern: str, moment: datetime) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "'":  # quoted literal
            end = pattern.find("'", i + 1)
            end = len(pattern) if end < 0 else end
            out.append(pattern[i + 1:end])
            i = end + 1
            continue
        for letters, code in JAVA_FIELDS:
            if pattern.startswith(letters, i):
                out.append(moment.strftime(code))
                i += len(letters)
                break
        else:
            if pattern[i].isalpha():
                raise invalid(f"The timestamp pattern '{pattern}' uses an unsupported letter '{pattern[i]}'.")
            out.append(pattern[i])
            i += 1
    return "".join(out)


def validate(prefix: str | None, error_prefix: str | None, dynamic: bool) -> None:
    """Reject what Firehose rejects at CreateDeliveryStream/UpdateDestination."""
    for text, is_error in ((prefix, False), (error_prefix, True)):
        for namespace, key in EXPRESSION.findall(text or ""):
            if namespace not in NAMESPACES:
                raise invalid(f"The expression namespace '{namespace}' in the prefix is not supported.")
            if namespace == "timestamp":
                java_format(key, datetime(2000, 1, 1))
            if namespace == "firehose":
                if key not in FIREHOSE_KEYS or (key == "error-output-type" and not is_error):
                    raise invalid(f"The expression '!{{firehose:{key}}}' is not valid in this prefix.")
            if namespace.startswith("partitionKey"):
                if is_error:
                    raise invalid("ErrorOutputPrefix cannot use partitionKey expressions.")
                if not dynamic:
                    raise invalid("Prefix uses partitionKey expressions but dynamic partitioning is not enabled.")
    if prefix and EXPRESSION.search(prefix) and not error_prefix:
        raise invalid("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.")
    if dynamic and not EXPRESSION.search(prefix or ""):
        raise invalid("Prefix must contain partitionKey expressions when dynamic partitioning is enabled.")


def default_time_prefix(moment: datetime) -> str:
    return moment.strftime("%Y/%m/%d/%H/")


def evaluate(prefix: str | None, moment: datetime, keys: dict[str, str] | None = None,
             error_type: str | None = None) -> str:
    """The key prefix for an object of records whose oldest arrived at ``moment`` (UTC)."""
    if not prefix:
        return (f"{error_type}/" if error_type else "") + default_time_prefix(moment)
    if not EXPRESSION.search(prefix):
        return prefix + (f"{error_type}/" if error_type else "") + default_time_prefix(moment)

    def replace(match: re.Match) -> str:
        namespace, key = match.group(1), match.group(2)
        if namespace == "timestamp":
            return java_format(key, moment)
        if namespace == "firehose":
            return error_type or "" if key == "error-output-type" else uuid.uuid4().hex[:8]
        return (keys or {}).get(key, "")
    return EXPRESSION.sub(replace, prefix)


def object_name(stream: str, version: str, moment: datetime, unique: str, extension: str = "") -> str:
    """``<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid><extension>``."""
    return f"{stream}-{version}-{moment.strftime('%Y-%m-%d-%H-%M-%S')}-{unique}{extension}"
