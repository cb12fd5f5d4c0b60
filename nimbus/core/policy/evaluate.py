"""Evaluation: which statements apply to a request, and how policy types combine.

AWS's documented logic, in order:
1. An explicit Deny in any policy (identity, boundary, session, resource) wins.
2. The root of an account may do anything in its own account (resource policies may still deny).
3. A resource policy naming the caller (its ARN, its role, "*") allows it within the account.
   Naming the caller's *account* delegates to that account's identity policies.
4. Otherwise an identity policy must allow — and, across accounts, the resource policy must grant too.
5. Permissions boundaries and session policies only narrow what identity policies allow.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from nimbus.core.arns import ACCOUNT_ID
from nimbus.core.policy.document import Policy, Statement
from nimbus.core.policy.patterns import glob, has_variables, substitute

IDENTITY = "identity-based policy"
RESOURCE = "resource-based policy"
BOUNDARY = "permissions boundary"
SESSION = "session policy"


@dataclass
class Request:
    action: str
    resource: str
    principal_type: str  # Root | IAMUser | AssumedRole | AWSService | Anonymous | FederatedUser
    principal_arn: str
    principal_account: str
    role_arn: str | None = None  # the role behind an assumed-role session
    resource_account: str | None = None  # None: the caller's own account
    context: dict = field(default_factory=dict)  # lower-cased condition keys


@dataclass
class Decision:
    allowed: bool
    action: str
    resource: str
    principal: str
    reason: str  # allowed | explicit_deny | implicit_deny
    policy_type: str | None = None  # where the deny was, or which kind of policy was missing
    # The verdict of the resource policy alone, identity policies taken as allowing:
    # what services that always evaluate resource policies enforce without --enforce-iam.
    resource_allowed: bool = True
    enforced: bool = False
    statements: list[str] = field(default_factory=list)  # Sids (or indexes) of deciding statements

    def message(self) -> str:
        who = "anonymous" if self.principal == "*" else self.principal
        head = f"User: {who} is not authorized to perform: {self.action} on resource: {self.resource}"
        if self.reason == "explicit_deny":
            article = "an" if self.policy_type in (IDENTITY,) else "a"
            return f"{head} with an explicit deny in {article} {self.policy_type}"
        return f"{head} because no {self.policy_type or IDENTITY} allows the {self.action} action"

    def to_dict(self) -> dict:
        data = {"allowed": self.allowed, "action": self.action, "resource": self.resource,
                "principal": self.principal, "reason": self.reason, "enforced": self.enforced,
                "resource_allowed": self.resource_allowed}
        if self.policy_type:
            data["policy_type"] = self.policy_type
        if self.statements:
            data["statements"] = self.statements
        if not self.allowed:
            data["message"] = self.message()
        return data


def _matches_any(patterns, value: str, policy: Policy, context: dict, ignore_case: bool) -> bool:
    for pattern in patterns:
        if policy.variables and has_variables(pattern):
            pattern = substitute(pattern, context, escape_wildcards=True)
            if pattern is None:
                continue
        if glob(pattern, ignore_case)(value):
            return True
    return False


def principal_match(spec: dict, request: Request) -> str | None:
    """``direct`` when the spec names the caller, ``account`` when it names the caller's account."""
    found = None
    for kind, names in spec.items():
        if kind == "*":
            return "direct"
        for name in names:
            if kind == "AWS":
                if name == "*" or name == request.principal_arn or (request.role_arn and name == request.role_arn):
                    return "direct"
                account = name if ACCOUNT_ID.match(name) else _root_account(name)
                if account and account == request.principal_account and request.principal_type != "Anonymous":
                    if request.principal_type == "Root":
                        return "direct"
                    found = "account"
            elif kind == "Service":
                if request.principal_type == "AWSService" and name == request.principal_arn:
                    return "direct"
            elif name == request.principal_arn:
                return "direct"
    return found


def _root_account(name: str) -> str | None:
    if name.startswith("arn:") and name.endswith(":root"):
        parts = name.split(":")
        if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
            return parts[4]
    return None


def applies(statement: Statement, policy: Policy, request: Request) -> bool:
    """Action, resource and conditions (principals are checked by the caller)."""
    context = request.context
    if statement.actions is not None:
        if not _matches_any(statement.actions, request.action, policy, context, True):
            return False
    elif _matches_any(statement.not_actions, request.action, policy, context, True):
        return False
    if statement.resources is not None:
        if not _matches_any(statement.resources, request.resource, policy, context, False):
            return False
    elif statement.not_resources is not None:
        if _matches_any(statement.not_resources, request.resource, policy, context, False):
            return False
    return all(c.matches(context, policy.variables) for c in statement.conditions)


def _label(statement: Statement, index: int) -> str:
    return statement.sid or f"#{index}"


def evaluate_set(policies, request: Request) -> tuple[str | None, list[str]]:
    """``deny``, ``allow`` or None over policies without principals, with the deciding Sids."""
    verdict, labels = None, []
    for policy in policies:
        for index, statement in enumerate(policy.statements):
            if not applies(statement, policy, request):
                continue
            if not statement.allow:
                return "deny", [_label(statement, index)]
            if verdict is None:
                verdict, labels = "allow", [_label(statement, index)]
    return verdict, labels


def evaluate_resource(policy: Policy, request: Request) -> tuple[bool, str | None, list[str]]:
    """(explicit deny, grant kind: direct | account | None, deciding Sids) of a resource policy."""
    grant, labels = None, []
    for index, statement in enumerate(policy.statements):
        if statement.principals is not None:
            matched = principal_match(statement.principals, request)
        elif statement.not_principals is not None:
            matched = None if principal_match(statement.not_principals, request) else "direct"
        else:
            continue  # compile_policy gives every resource-policy statement one or the other
        if matched is None or not applies(statement, policy, request):
            continue
        if not statement.allow:
            return True, None, [_label(statement, index)]
        if grant != "direct":
            grant, labels = matched, [_label(statement, index)]
    return False, grant, labels


def evaluate(request: Request, identity=(), boundary=None, resource_policy: Policy | None = None,
             must_grant: bool = False, session=None, scoped: tuple = ()) -> Decision:
    """Combine every policy type. ``must_grant``: the resource policy alone decides access to the
    resource (role trust policies, KMS key policies), so no grant there means no access. ``scoped``: the
    session's scope-down policies (STS GetScopedCredentials), each one narrowing like a session policy."""
    def decide(allowed: bool, reason: str, policy_type: str | None, resource_allowed: bool,
               labels: list[str]) -> Decision:
        return Decision(allowed, request.action, request.resource, request.principal_arn, reason, policy_type,
                        resource_allowed, statements=labels)

    anonymous = request.principal_type == "Anonymous"
    same_account = request.resource_account is None or request.resource_account == request.principal_account
    is_root = request.principal_type == "Root"

    res_deny, grant, res_labels = False, None, list[str]()
    if resource_policy is not None:
        res_deny, grant, res_labels = evaluate_resource(resource_policy, request)
    # The resource policy alone, with the caller's own account taken as allowing it.
    if res_deny:
        relaxed = False
    elif grant is not None:
        relaxed = True
    else:
        relaxed = same_account and not must_grant and not anonymous
    if res_deny:
        return decide(False, "explicit_deny", RESOURCE, False, res_labels)

    id_verdict, id_labels = (None, []) if is_root else evaluate_set(identity, request)
    if id_verdict == "deny":
        return decide(False, "explicit_deny", IDENTITY, relaxed, id_labels)
    identity_allows = is_root or id_verdict == "allow"
    missing = IDENTITY
    for narrowing, kind in ((boundary, BOUNDARY), (session, SESSION), *(((p,), SESSION) for p in scoped)):
        if narrowing is not None and not is_root:
            verdict, labels = evaluate_set(narrowing, request)
            if verdict == "deny":
                return decide(False, "explicit_deny", kind, relaxed, labels)
            if verdict != "allow" and identity_allows:
                identity_allows, missing = False, kind

    if grant == "direct":
        # Anonymous callers have no identity side: a public grant is all there is.
        allowed = same_account or identity_allows or anonymous
    elif grant == "account":
        allowed = identity_allows
    elif anonymous or must_grant or not same_account:
        allowed = False
        if identity_allows or must_grant or anonymous:
            missing = RESOURCE
    else:
        allowed = identity_allows
    labels = (res_labels if grant else []) + (id_labels if identity_allows else [])
    return decide(allowed, "allowed" if allowed else "implicit_deny", None if allowed else missing, relaxed, labels)
