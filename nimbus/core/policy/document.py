"""Policy documents: JSON → validated, compiled statements (cached by document text).

Validation follows IAM's grammar and messages (MalformedPolicyDocument):
Version, Statement (one or a list), Effect, exactly one of Action/NotAction,
Resource/NotResource and Principal/NotPrincipal as the policy kind demands,
and Condition as ``{operator: {key: value or [values]}}``.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field

from nimbus.core.json_text import read_json
from nimbus.core.policy.conditions import Condition, parse_conditions

VERSIONS = ("2012-10-17", "2008-10-17")
STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal",
                  "NotPrincipal", "Condition"}
PRINCIPAL_TYPES = {"AWS", "Service", "Federated", "CanonicalUser"}
# A service prefix (vendor); the action after its colon may hold any character (AWS accepts odd ones).
VENDOR = re.compile(r"[a-zA-Z0-9\-.*?]+")
# Kinds: identity (attached to users, groups, roles), resource (bucket, key, queue policies),
# trust (a role's AssumeRolePolicyDocument).


class PolicyError(ValueError):
    """The document breaks the grammar; the message is the one IAM gives."""


@dataclass(frozen=True)
class Statement:
    sid: str | None
    allow: bool
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: dict[str, tuple[str, ...]] | None  # {"*": ("*",)} for Principal "*"
    not_principals: dict[str, tuple[str, ...]] | None
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Policy:
    version: str
    statements: tuple[Statement, ...]
    id: str | None = None
    # Policy variables are only expanded in the 2012-10-17 language.
    variables: bool = field(default=True)


def compile_policy(document: str | dict, kind: str = "identity") -> Policy:
    text = document if isinstance(document, str) else json.dumps(document, sort_keys=True)
    return _compile(text, kind)


@functools.lru_cache(maxsize=4096)
def _compile(text: str, kind: str) -> Policy:
    try:
        data = read_json(text)
    except ValueError:
        raise PolicyError("This policy contains invalid Json") from None
    if not isinstance(data, dict):
        raise PolicyError("Syntax errors in policy.")
    unknown = set(data) - {"Version", "Statement", "Id"}
    if unknown:
        raise PolicyError(f"Syntax errors in policy. Unknown field {sorted(unknown)[0]}")
    version = data.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise PolicyError("The policy failed legacy parsing")
    raw = data.get("Statement")
    if raw is None:
        raise PolicyError("Missing required field Statement")
    raw = raw if isinstance(raw, list) else [raw]
    if not raw:
        raise PolicyError("Syntax errors in policy.")
    statements = tuple(_statement(s, kind) for s in raw)
    sids = [s.sid for s in statements if s.sid]
    if len(sids) != len(set(sids)):
        raise PolicyError("Statement IDs (SID) in a single policy must be unique")
    return Policy(version, statements, data.get("Id"), version == "2012-10-17")


def _statement(raw, kind: str) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError("Syntax errors in policy.")
    unknown = set(raw) - STATEMENT_KEYS
    if unknown:
        raise PolicyError(f"Syntax errors in policy. Unknown field {sorted(unknown)[0]}")
    effect = raw.get("Effect")
    if effect is None:
        raise PolicyError("Missing required field Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"Invalid effect: {effect}")
    sid = raw.get("Sid")
    if sid is not None and (not isinstance(sid, str) or (kind == "identity" and not re.fullmatch(r"[A-Za-z0-9]*", sid))):
        raise PolicyError("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
                          "regular expression [0-9A-Za-z]*")

    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError("Policy statement must contain actions." if "Action" not in raw
                          else "Syntax errors in policy.")
    actions, not_actions = _actions(raw.get("Action")), _actions(raw.get("NotAction"))

    has_resource = "Resource" in raw or "NotResource" in raw
    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError("Syntax errors in policy.")
    if kind == "trust":
        if has_resource:
            raise PolicyError("Has prohibited field Resource")
    elif not has_resource:
        raise PolicyError("Policy statement must contain resources.")
    resources, not_resources = _strings(raw.get("Resource"), "Resource"), _strings(raw.get("NotResource"), "Resource")

    has_principal = "Principal" in raw or "NotPrincipal" in raw
    if kind == "identity" and has_principal:
        raise PolicyError("Policy document should not specify a principal.")
    if kind != "identity" and not has_principal:
        raise PolicyError("Missing required field Principal")
    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyError("Syntax errors in policy.")
    principals, not_principals = _principals(raw.get("Principal")), _principals(raw.get("NotPrincipal"))

    conditions = parse_conditions(raw.get("Condition"), PolicyError)
    return Statement(sid, effect == "Allow", actions, not_actions, resources, not_resources, principals,
                     not_principals, conditions)


def _strings(value, field_name: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise PolicyError(f"Syntax errors in policy. {field_name} must be a string or a list of strings")
    return tuple(values)


def _actions(value) -> tuple[str, ...] | None:
    actions = _strings(value, "Action")
    for action in actions or ():
        vendor, colon, _ = action.partition(":")
        if action == "*":
            continue
        if not colon:
            raise PolicyError("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
        if action.count(":") > 1:
            raise PolicyError("Actions/Condition can contain only one colon.")
        if not VENDOR.fullmatch(vendor):
            raise PolicyError(f"Vendor {vendor} is not valid")
    return actions


def _principals(value) -> dict[str, tuple[str, ...]] | None:
    if value is None:
        return None
    if value == "*":
        return {"*": ("*",)}
    if not isinstance(value, dict) or not value:
        raise PolicyError("Invalid principal in policy")
    principals = {}
    for kind, names in value.items():
        if kind not in PRINCIPAL_TYPES:
            raise PolicyError(f"Invalid principal in policy: \"{kind}\"")
        names = names if isinstance(names, list) else [names]
        if not names or not all(isinstance(n, str) and n for n in names):
            raise PolicyError("Invalid principal in policy")
        principals[kind] = tuple(names)
    return principals
