"""What a role session passes on to the sessions it assumes (role chaining), as AWS does: its transitive
session tags, which the new session may not override, and its source identity, which it may not change.
Also the RoleSessionName rule every role session follows."""
from __future__ import annotations

import re

from nimbus.core.identity import Principal
from nimbus.protocol.errors import ServiceError

SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
SESSION_NAME_PATTERN = r"[\w+=,.@-]*"


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, status=400)


def check_session_name(name: str, member: str = "roleSessionName") -> str:
    if not SESSION_NAME.fullmatch(name):
        raise validation(f"1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: "
                         f"Member must satisfy regular expression pattern: {SESSION_NAME_PATTERN}")
    return name


def session_carry(caller: Principal, params: dict) -> dict:
    """The new session's tags, transitive tag keys and source identity (extra session-context fields)."""
    inherited = (caller.session_context or {}) if caller.type == "AssumedRole" else {}
    transitive_keys = {k.lower() for k in inherited.get("transitiveTagKeys", [])}
    passed_on = {k: v for k, v in (inherited.get("tags") or {}).items() if k.lower() in transitive_keys}
    given = {t["Key"]: t["Value"] for t in params.get("Tags") or []}
    if len({k.lower() for k in given}) != len(given):
        raise validation("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    overridden = sorted(k for k in given if k.lower() in transitive_keys)
    if overridden:
        raise validation(f"Session tags {overridden} are transitive tags of the calling session and cannot be "
                         "overridden.")
    marked = params.get("TransitiveTagKeys") or []
    unknown = [k for k in marked if k not in given]
    if unknown:
        raise validation(f"TransitiveTagKeys {unknown} are not among the session tags passed.")
    carry: dict = {}
    tags = {**passed_on, **given}
    if tags:
        carry["tags"] = tags
    transitive = sorted({*passed_on, *marked})
    if transitive:
        carry["transitiveTagKeys"] = transitive
    source = inherited.get("sourceIdentity")
    if source and params.get("SourceIdentity") and params["SourceIdentity"] != source:
        raise ServiceError("AccessDenied", "The source identity of a role session cannot be changed by the "
                           "sessions it assumes.", status=403)
    if source or params.get("SourceIdentity"):
        carry["sourceIdentity"] = source or params["SourceIdentity"]
    return carry
