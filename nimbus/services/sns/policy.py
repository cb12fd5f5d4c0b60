"""May this caller act on this topic? The topic owner's account, and whoever the topic policy allows.

THE SHARED IAM ENGINE REPLACES THIS: once ``ctx.authorize(...)`` exists, ``topic_policy_allows``
becomes a call to it with the topic policy as the resource policy. Until then this is a small
evaluation of the policy's statements: Deny wins, then an Allow whose Action, Resource, Principal
and Conditions (aws:SourceArn, aws:SourceAccount, AWS:SourceOwner) all match.
"""
from __future__ import annotations

import fnmatch
import functools
import json

from nimbus.core.context import RequestContext


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    # fnmatch's [..] classes are not IAM syntax: escape them.
    pattern = pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(value, pattern)


def _principal_matches(principal_element, ctx: RequestContext) -> bool:
    caller = ctx.principal
    if principal_element == "*":
        return caller.type != "AWSService"
    if not isinstance(principal_element, dict):
        return False
    if caller.type == "AWSService":
        return caller.arn in _as_list(principal_element.get("Service"))
    for entry in _as_list(principal_element.get("AWS")):
        if entry == "*" or entry == caller.account_id or entry == f"arn:aws:iam::{caller.account_id}:root":
            return True
        if entry == caller.arn:
            return True
        # A role's ARN also names the sessions of that role.
        issuer = (caller.session_context or {}).get("sessionIssuer", {}).get("arn")
        if issuer and entry == issuer:
            return True
    return False


def _condition_keys(ctx: RequestContext) -> dict[str, str]:
    caller = ctx.principal
    keys = {}
    if caller.type == "AWSService":
        # A service acting for a resource names it (S3 bucket, CloudTrail trail) and its account.
        for name in ("aws:SourceArn", "aws:SourceAccount"):
            if ctx.extra.get(name):
                keys[name.lower()] = ctx.extra[name]
        if ctx.extra.get("aws:SourceAccount"):
            keys["aws:sourceowner"] = ctx.extra["aws:SourceAccount"]
    else:
        keys["aws:sourceowner"] = caller.account_id
        keys["aws:sourceaccount"] = caller.account_id
        keys["aws:principalaccount"] = caller.account_id
    return keys


def _conditions_match(conditions: dict, ctx: RequestContext) -> bool:
    context = _condition_keys(ctx)
    for operator, tests in (conditions or {}).items():
        if_exists = operator.endswith("IfExists")
        base = operator[:-8] if if_exists else operator
        for key, expected in tests.items():
            actual = context.get(key.lower())
            if actual is None:
                if if_exists:
                    continue
                return base.startswith(("StringNot", "ArnNot"))
            values = [str(v) for v in _as_list(expected)]
            if base in ("StringEquals", "ArnEquals"):
                ok = actual in values
            elif base == "StringEqualsIgnoreCase":
                ok = actual.lower() in [v.lower() for v in values]
            elif base in ("StringLike", "ArnLike"):
                ok = any(_wildcard(v, actual) for v in values)
            elif base in ("StringNotEquals", "ArnNotEquals"):
                ok = actual not in values
            elif base in ("StringNotLike", "ArnNotLike"):
                ok = not any(_wildcard(v, actual) for v in values)
            else:
                return False  # an operator this evaluation does not know never grants
            if not ok:
                return False
    return True


def _statement_matches(statement: dict, ctx: RequestContext, action: str, topic_arn: str) -> bool:
    actions = _as_list(statement.get("Action"))
    if not any(_wildcard(a, action, ignore_case=True) for a in actions):
        return False
    resources = _as_list(statement.get("Resource")) or ["*"]
    if not any(_wildcard(r, topic_arn) for r in resources):
        return False
    if not _principal_matches(statement.get("Principal"), ctx):
        return False
    return _conditions_match(statement.get("Condition"), ctx)


@functools.lru_cache(maxsize=512)
def _parsed(policy_text: str) -> dict:
    """Policies are parsed once per distinct text (the result is only read, never changed)."""
    try:
        document = json.loads(policy_text or "{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def topic_policy_allows(topic: dict, ctx: RequestContext, action: str = "SNS:Publish") -> bool:
    """The one authorization decision for SNS topics (see the module docstring)."""
    caller = ctx.principal
    owner = topic["Attributes"]["Owner"]
    document = _parsed(topic["Attributes"].get("Policy") or "")
    statements = [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]
    topic_arn = topic["Attributes"]["TopicArn"]
    for statement in statements:
        if statement.get("Effect") == "Deny" and _statement_matches(statement, ctx, action, topic_arn):
            return False
    # The owner's own identities: IAM (identity policies) decides for them, not the topic policy.
    if caller.type != "AWSService" and caller.account_id == owner:
        return True
    return any(statement.get("Effect") == "Allow" and _statement_matches(statement, ctx, action, topic_arn)
               for statement in statements)
