"""Stack policies: which update actions (``Update:Modify``, ``Update:Replace``, ``Update:Delete``) a stack
update may take on which resources (``LogicalResourceId/<id>``, wildcards allowed), optionally only for
some resource types (``Condition`` ``StringEquals``/``StringLike`` on ``ResourceType``).

Once a stack has a policy everything it does not allow is denied, and an explicit Deny wins over any
Allow, as AWS documents. A policy applies to updates only; ``Principal`` is always ``*``.
"""
from __future__ import annotations

import json
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.policy.patterns import glob

from .sources import s3_text
from .template import validation_error

MAX_POLICY = 16_384  # StackPolicyBody's length limit in the model
ACTIONS = ("Update:Modify", "Update:Replace", "Update:Delete")
_CONDITIONS = ("StringEquals", "StringLike")


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else value if isinstance(value, list) else []


def _invalid(reason: str):
    return validation_error(f"Error validating stack policy: {reason}")


def _check_statement(statement: Any) -> None:
    if not isinstance(statement, dict):
        raise _invalid("a Statement must be an object")
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise _invalid(f"Effect must be Allow or Deny, not {statement.get('Effect')}")
    if ("Action" in statement) == ("NotAction" in statement):
        raise _invalid("a Statement needs exactly one of Action and NotAction")
    for action in _listed(statement.get("Action", statement.get("NotAction"))):
        if not any(glob(action)(known) for known in ACTIONS):
            raise _invalid(f"unknown action {action}")
    if statement.get("Principal") != "*":
        raise _invalid("Principal must be *")
    if ("Resource" in statement) == ("NotResource" in statement):
        raise _invalid("a Statement needs exactly one of Resource and NotResource")
    for resource in _listed(statement.get("Resource", statement.get("NotResource"))):
        if resource != "*" and not resource.startswith("LogicalResourceId/"):
            raise _invalid(f"resource {resource} must be * or LogicalResourceId/<logical id>")
    for operator, keys in (statement.get("Condition") or {}).items():
        if operator not in _CONDITIONS:
            raise _invalid(f"unsupported condition operator {operator}")
        if not isinstance(keys, dict) or set(keys) - {"ResourceType"}:
            raise _invalid("the only condition key is ResourceType")


def checked(text: str) -> str:
    """The policy as given, once it reads as a stack policy; ValidationError otherwise."""
    if len(text) > MAX_POLICY:
        raise _invalid(f"the policy is longer than {MAX_POLICY} characters")
    try:
        document = read_json(text)
    except ValueError:
        raise _invalid("the policy is not valid JSON") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise _invalid("the policy must have a Statement")
    statements = document["Statement"]
    for statement in statements if isinstance(statements, list) else [statements]:
        _check_statement(statement)
    return text


def _matches(statement: dict, action: str, resource: str, type_name: str) -> bool:
    if "Action" in statement:
        action_ok = any(glob(a)(action) for a in _listed(statement["Action"]))
    else:
        action_ok = not any(glob(a)(action) for a in _listed(statement["NotAction"]))
    if "Resource" in statement:
        resource_ok = any(glob(r)(resource) for r in _listed(statement["Resource"]))
    else:
        resource_ok = not any(glob(r)(resource) for r in _listed(statement["NotResource"]))
    for operator, keys in (statement.get("Condition") or {}).items():
        wanted = _listed(keys.get("ResourceType"))
        test = (lambda w: w == type_name) if operator == "StringEquals" else (lambda w: glob(w)(type_name))
        if not any(test(w) for w in wanted):
            return False
    return action_ok and resource_ok


def denial(policy: str, action: str, logical_id: str, type_name: str) -> str:
    """The resource's UPDATE_FAILED reason when the policy does not let the update take ``action`` on it;
    "" when it does."""
    document = json.loads(policy)
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    resource = f"LogicalResourceId/{logical_id}"
    allowed = False
    for number, statement in enumerate(statements, 1):
        if not _matches(statement, action, resource, type_name):
            continue
        if statement["Effect"] == "Deny":
            written = _listed(statement.get("Action", statement.get("NotAction")))
            targets = _listed(statement.get("Resource", statement.get("NotResource")))
            return f"Action denied by stack policy: Statement [#{number}] does not allow [{', '.join(written)}] " \
                   f"for resource [{', '.join(targets)}];"
        allowed = True
    return "" if allowed else f"Action not allowed by stack policy: No statement allows [{action}] for resource " \
                              f"[{resource}];"


def _given(ctx: RequestContext, params: dict, body_member: str, url_member: str) -> str | None:
    body, url = params.get(body_member), params.get(url_member)
    if body is not None and url is not None:
        raise validation_error(f"You cannot specify both {url_member} and {body_member}")
    if url is not None:
        body = s3_text(ctx, url)
    return None if body is None else checked(body)


def policies_of(ctx: RequestContext, params: dict) -> dict[str, str]:
    """The stack's policy (``StackPolicyBody``) and the running update's own (``StackPolicyDuringUpdate``)
    a CreateStack, UpdateStack or SetStackPolicy request gives, from the body or an S3 URL."""
    out = {}
    policy = _given(ctx, params, "StackPolicyBody", "StackPolicyURL")
    if policy is not None:
        out["StackPolicyBody"] = policy
    during = _given(ctx, params, "StackPolicyDuringUpdateBody", "StackPolicyDuringUpdateURL")
    if during is not None:
        out["StackPolicyDuringUpdate"] = during
    return out
