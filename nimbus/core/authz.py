"""The authorizer: may this caller do this action on this resource?

Every call passes here from the dispatcher (``<iam prefix>:<Operation>`` on the
resources the provider names, else ``*``); services with resource policies call
``ctx.authorize(...)`` themselves. The caller's identity policies come from the
source IAM registers at start-up (``use_identity_policies``), compiled and cached
per principal; IAM calls ``invalidate`` whenever a policy, attachment or
membership changes.
See docs/architecture.md (Identity) for the API.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from nimbus.core.identity import mfa_age, mfa_attribute
from nimbus.core.policy import Decision, Policy, Request, compile_policy, evaluate
from nimbus.core.traits import ServiceTraits
from nimbus.protocol.errors import ServiceError

if TYPE_CHECKING:
    from nimbus.core.context import RequestContext
    from nimbus.core.identity import Principal
    from nimbus.core.runtime import Runtime

JSON_PROTOCOLS = ("json", "rest-json", "smithy-rpc-v2-cbor")
# Actions that need no permission in AWS (even an explicit deny does not stop them).
ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity", "sts:getsessiontoken"})
PRINCIPAL_TYPES = {"Root": "Account", "IAMUser": "User", "AssumedRole": "AssumedRole",
                   "FederatedUser": "FederatedUser", "Anonymous": "Anonymous", "AWSService": "Service"}
ALLOW_ALL = compile_policy('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}')
MODES = ("default", "always", "record")
# The IAM action prefix is the model's signing name, except where AWS named them apart.
IAM_PREFIXES = {"monitoring": "cloudwatch", "email": "ses", "iotdata": "iot", "cloudcontrolapi": "cloudformation"}


class IdentityPolicySource(Protocol):
    """Where the authorizer finds a principal's identity policies (IAM registers itself at start-up)."""

    def identity_policies(self, account_id: str, principal: Principal) -> dict[str, Any]:
        """``{"identity": [documents], "boundary": document | None, "tags": {key: value}}``."""
        ...


class PrincipalPolicies:
    """What IAM holds for one principal, compiled."""
    __slots__ = ("identity", "boundary", "generation", "tags")

    def __init__(self, identity: tuple[Policy, ...], boundary: tuple[Policy, ...] | None, generation: int,
                 tags: dict[str, str] | None = None):
        self.identity, self.boundary, self.generation = identity, boundary, generation
        self.tags = tags or {}


def access_denied(traits: ServiceTraits, protocol: str, decision: Decision) -> ServiceError:
    """The service's own AccessDenied error, in AWS's words."""
    if traits.error_family == "s3":
        return ServiceError("AccessDenied", "Access Denied", status=403)
    if protocol == "ec2":
        return ServiceError("UnauthorizedOperation", "You are not authorized to perform this operation. "
                            + decision.message(), status=403)
    code = "AccessDeniedException" if protocol in JSON_PROTOCOLS else "AccessDenied"
    return ServiceError(code, decision.message(), status=403, sender_fault=True)


class Authorizer:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._generations: dict[str, int] = {}
        self._cache: dict[tuple[str, str, str], PrincipalPolicies] = {}
        self._lock = threading.Lock()
        self._identity_source: IdentityPolicySource | None = None

    # -- IAM's side ------------------------------------------------------------

    def use_identity_policies(self, source: IdentityPolicySource) -> None:
        """Read identity policies from ``source``; without one, principals have none."""
        self._identity_source = source
        self.invalidate()

    def invalidate(self, account_id: str | None = None) -> None:
        """Forget cached policies (of one account, or all): IAM calls this on every policy change."""
        with self._lock:
            if account_id is None:
                self._cache.clear()
                self._generations.clear()
            else:
                self._generations[account_id] = self._generations.get(account_id, 0) + 1

    # -- services' side ----------------------------------------------------------

    def authorize(self, ctx: RequestContext, action: str, resource: str = "*", *,
                  resource_policy: str | dict | Policy | None = None, resource_account: str | None = None,
                  context: dict | None = None, mode: str = "default", must_grant: bool = False,
                  error: Callable[[Decision], ServiceError] | None = None) -> Decision:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        principal = ctx.principal
        own_root = principal.type == "Root" and resource_account in (None, principal.account_id)
        if (own_root and resource_policy is None) or action.lower() in ALWAYS_ALLOWED:
            # The hot path: an account's root in its own account needs no policy at all.
            decision = Decision(True, action, resource, principal.arn, "allowed")
        else:
            decision = self._evaluate(ctx, action, resource, resource_policy, resource_account, context, must_grant)
        enforce_iam = self.runtime.config.enforce_iam
        decision.enforced = enforce_iam and mode != "record"
        # Without --enforce-iam, "always" still binds the resource policy's own verdict; so does any check of
        # another account's resource: AWS refuses it without that account's grant whatever IAM says.
        cross_account = resource_account not in (None, principal.account_id)
        if decision.enforced or mode == "record":
            allowed = decision.allowed or not decision.enforced
        else:
            allowed = decision.resource_allowed if mode == "always" or cross_account else True
        if ctx.authorization is None or ctx.authorization.allowed or not decision.allowed:
            ctx.authorization = decision
        if not allowed:
            traits = self.runtime.services.traits(ctx.service)
            raise (error or (lambda d: access_denied(traits, ctx.protocol, d)))(decision)
        return decision

    def decide(self, ctx: RequestContext, action: str, resource: str = "*", *,
               resource_policy: str | dict | Policy | None = None, resource_account: str | None = None,
               context: dict | None = None, must_grant: bool = False) -> Decision:
        """The decision alone, neither recorded nor enforced (e.g. KMS's policy lockout check)."""
        return self._evaluate(ctx, action, resource, resource_policy, resource_account, context, must_grant)

    def authorize_operation(self, ctx: RequestContext, service, params: dict) -> None:
        """The dispatcher's check before a provider runs: ``<iam prefix>:<Operation>``."""
        provider = service.provider
        if service.traits.authorizes_itself or ctx.operation in getattr(provider, "self_authorized", ()):
            return
        signing_name = service.info.signing_name
        action = f"{IAM_PREFIXES.get(signing_name, signing_name)}:{ctx.operation}"
        resources = None
        hook = getattr(provider, "resource_arns", None)
        if hook is not None and ctx.principal.type != "Root":  # the root may act on anything anyway
            resources = hook(ctx, ctx.operation, params)
        # A provider may answer denials in its own words (KMS: AccessDeniedException with HTTP 400).
        error = getattr(provider, "access_denied", None)
        for resource in resources or ("*",):
            self.authorize(ctx, action, resource, error=error)

    # -- internals -----------------------------------------------------------------

    def _evaluate(self, ctx, action, resource, resource_policy, resource_account, context, must_grant) -> Decision:
        principal = ctx.principal
        policies = self._policies(principal)
        if resource_policy is not None and not isinstance(resource_policy, Policy):
            resource_policy = compile_policy(resource_policy, "resource")
        session = None
        raw_session = (principal.session_context or {}).get("policy")
        if raw_session:
            session = (compile_policy(raw_session),)
        scoped = tuple(compile_policy(p) for p in (principal.session_context or {}).get("scopedPolicies", ()))
        request = Request(
            action=action, resource=resource, principal_type=principal.type, principal_arn=principal.arn,
            principal_account=principal.account_id, role_arn=_role_arn(principal),
            resource_account=resource_account, context=self._context(ctx, context, policies.tags),
        )
        return evaluate(request, policies.identity, policies.boundary, resource_policy, must_grant, session, scoped)

    def _policies(self, principal) -> PrincipalPolicies:
        if principal.type in ("Root", "Anonymous"):
            return PrincipalPolicies((), None, 0)
        if principal.type == "AWSService":
            return PrincipalPolicies((ALLOW_ALL,), None, 0)
        account = principal.account_id
        generation = self._generations.get(account, 0)
        # The unique id too: a role deleted and re-created under its name is another role, and its
        # old sessions must not share the new one's policies.
        key = (account, principal.arn, principal.principal_id)
        cached = self._cache.get(key)
        if cached is not None and cached.generation == generation:
            return cached
        if self._identity_source is None:
            return PrincipalPolicies((), None, generation)
        found = self._identity_source.identity_policies(account, principal)
        boundary = found.get("boundary")
        compiled = PrincipalPolicies(
            tuple(compile_policy(doc) for doc in found.get("identity", ())),
            (compile_policy(boundary),) if boundary else None,
            generation,
            found.get("tags"),
        )
        with self._lock:
            if self._generations.get(account, 0) == generation:
                self._cache[key] = compiled
        return compiled

    @staticmethod
    def _context(ctx: RequestContext, extra: dict | None, tags: dict[str, str]) -> dict:
        principal = ctx.principal
        # A session's tags override its role's (aws:PrincipalTag/<key>).
        tags = {**tags, **((principal.session_context or {}).get("tags") or {})}
        now = ctx.clock.now()
        values = {
            "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:epochtime": str(int(now.timestamp())),
            "aws:principalarn": _role_arn(principal) or principal.arn,
            "aws:principalaccount": principal.account_id,
            "aws:principaltype": PRINCIPAL_TYPES.get(principal.type, principal.type),
            "aws:userid": principal.principal_id,
            "aws:requestedregion": ctx.region,
            "aws:securetransport": "true" if _secure(ctx) else "false",
        }
        if not ctx.internal:
            values["aws:sourceip"] = ctx.source_ip
        mfa = mfa_attribute(principal)
        if mfa is not None:  # temporary credentials only, as in AWS
            values["aws:multifactorauthpresent"] = mfa
            age = mfa_age(principal, now.timestamp())
            if age is not None:
                values["aws:multifactorauthage"] = str(age)
        if principal.type == "IAMUser" and principal.user_name:
            values["aws:username"] = principal.user_name
        if principal.type == "AWSService":
            values["aws:principalservicename"] = principal.arn
        for key, value in tags.items():
            values[f"aws:principaltag/{key.lower()}"] = value
        source_identity = (principal.session_context or {}).get("sourceIdentity")
        if source_identity:  # set once by AssumeRole, kept by every session chained from it
            values["aws:sourceidentity"] = source_identity
        if principal.invoked_by:
            values["aws:calledvia"] = [principal.invoked_by]
        if ctx.source is not None:
            values["aws:sourcearn"] = ctx.source.arn
            values["aws:sourceaccount"] = ctx.source.account
        for key, value in (extra or {}).items():
            values[key.lower()] = [str(v) for v in value] if isinstance(value, (list, tuple)) else (
                str(value).lower() if isinstance(value, bool) else str(value))
        return values


def _secure(ctx: RequestContext) -> bool:
    """Whether the call came over TLS: a client's when it spoke HTTPS; a service's calls to another (the
    internal client) always do, as AWS's services reach each other only over TLS."""
    return ctx.request.scheme == "https" if ctx.request is not None else ctx.internal


def _role_arn(principal) -> str | None:
    if principal.type != "AssumedRole":
        return None
    return ((principal.session_context or {}).get("sessionIssuer") or {}).get("arn")
