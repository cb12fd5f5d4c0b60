"""The policy language on its own: grammar, matching, conditions and how policy types combine."""
from __future__ import annotations

import pytest

from nimbus.core.authz import access_denied
from nimbus.core.policy import PolicyError, Request, compile_policy, evaluate
from nimbus.core.traits import DEFAULT_TRAITS
from nimbus.services.s3.traits import TRAITS as S3_TRAITS

USER = "arn:aws:iam::111111111111:user/alice"


def policy(*statements, kind="identity", version="2012-10-17"):
    return compile_policy({"Version": version, "Statement": list(statements)}, kind)


def allow(action="*", resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def request(action="s3:GetObject", resource="arn:aws:s3:::bucket/key", principal_type="IAMUser",
            principal_arn=USER, account="111111111111", **extra):
    return Request(action, resource, principal_type, principal_arn, account, **extra)


def allowed(*policies, req=None, **kwargs) -> bool:
    return evaluate(req or request(), list(policies), **kwargs).allowed


def test_allow_is_needed_and_explicit_deny_wins():
    assert not allowed()
    assert allowed(policy(allow("s3:GetObject")))
    decision = evaluate(request(), [policy(allow("s3:*")), policy({"Effect": "Deny", "Action": "s3:Get*",
                                                                    "Resource": "*", "Sid": "NoGets"})])
    assert not decision.allowed and decision.reason == "explicit_deny" and decision.statements == ["NoGets"]
    assert decision.message().endswith("with an explicit deny in an identity-based policy")


@pytest.mark.parametrize("pattern, action, expected", [
    ("s3:*", "s3:GetObject", True), ("S3:getobject", "s3:GetObject", True), ("s3:Get?bject", "s3:GetObject", True),
    ("s3:Get", "s3:GetObject", False), ("*", "kms:Decrypt", True), ("s3:*Object", "s3:PutObjectAcl", False),
])
def test_action_wildcards_ignore_case(pattern, action, expected):
    assert allowed(policy(allow(pattern)), req=request(action=action)) is expected


def test_resource_wildcards_are_case_sensitive_and_not_forms_invert():
    assert allowed(policy(allow("s3:*", "arn:aws:s3:::bucket/*")))
    assert not allowed(policy(allow("s3:*", "arn:aws:s3:::BUCKET/*")))
    assert allowed(policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    assert not allowed(policy({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}))
    assert not allowed(policy({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::bucket/*"}))
    assert allowed(policy({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::other/*"}))


def test_policy_variables_and_defaults():
    doc = policy(allow("s3:*", "arn:aws:s3:::bucket/${aws:username}/*"))
    ctx = {"aws:username": "alice"}
    assert allowed(doc, req=request(resource="arn:aws:s3:::bucket/alice/x", context=ctx))
    assert not allowed(doc, req=request(resource="arn:aws:s3:::bucket/bob/x", context=ctx))
    # No value, no default: the element matches nothing.
    assert not allowed(doc, req=request(resource="arn:aws:s3:::bucket/alice/x"))
    defaulted = policy(allow("s3:*", "arn:aws:s3:::bucket/${aws:username, 'shared'}/*"))
    assert allowed(defaulted, req=request(resource="arn:aws:s3:::bucket/shared/x"))
    # The 2008 language has no variables: the text is literal.
    legacy = policy(allow("s3:*", "arn:aws:s3:::bucket/${aws:username}/*"), version="2008-10-17")
    assert not allowed(legacy, req=request(resource="arn:aws:s3:::bucket/alice/x", context=ctx))
    # A value holding a wildcard does not widen the pattern.
    assert not allowed(doc, req=request(resource="arn:aws:s3:::bucket/other/x", context={"aws:username": "*"}))


@pytest.mark.parametrize("condition, context, expected", [
    ({"StringEquals": {"aws:username": "alice"}}, {"aws:username": "alice"}, True),
    ({"StringEquals": {"AWS:UserName": ["bob", "alice"]}}, {"aws:username": "alice"}, True),
    ({"StringNotEquals": {"aws:username": "alice"}}, {}, True),
    ({"StringEqualsIgnoreCase": {"k": "ABC"}}, {"k": "abc"}, True),
    ({"StringLike": {"k": "pre*"}}, {"k": "prefix"}, True),
    ({"StringNotLike": {"k": "pre*"}}, {"k": "prefix"}, False),
    ({"NumericLessThan": {"k": "10"}}, {"k": "9"}, True),
    ({"NumericGreaterThanEquals": {"k": "10"}}, {"k": "9"}, False),
    ({"NumericEquals": {"k": "10"}}, {"k": "ten"}, False),
    ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {"aws:currenttime": "2021-01-01T00:00:00Z"},
     True),
    ({"DateLessThan": {"aws:EpochTime": "1000"}}, {"aws:epochtime": "999"}, True),
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:securetransport": "false"}, False),
    ({"Bool": {"aws:SecureTransport": False}}, {"aws:securetransport": "false"}, True),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:sourceip": "10.1.2.3"}, True),
    ({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "::1/128"]}}, {"aws:sourceip": "::1"}, False),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ops-*"}},
     {"aws:principalarn": "arn:aws:iam::1:role/ops-admin"}, True),
    ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::1:role/x"}}, {"aws:principalarn": "arn:aws:iam::1:role/y"},
     False),
    ({"Null": {"k": "true"}}, {}, True),
    ({"Null": {"k": "false"}}, {}, False),
    ({"StringEqualsIfExists": {"k": "v"}}, {}, True),
    ({"StringEqualsIfExists": {"k": "v"}}, {"k": "w"}, False),
    ({"StringEquals": {"k": "v"}}, {}, False),
    ({"ForAllValues:StringEquals": {"k": ["a", "b"]}}, {"k": ["a"]}, True),
    ({"ForAllValues:StringEquals": {"k": ["a", "b"]}}, {"k": ["a", "c"]}, False),
    ({"ForAllValues:StringEquals": {"k": ["a"]}}, {}, True),
    ({"ForAnyValue:StringEquals": {"k": ["a"]}}, {"k": ["c", "a"]}, True),
    ({"ForAnyValue:StringEquals": {"k": ["a"]}}, {}, False),
    ({"StringEquals": {"k": "${aws:username}"}}, {"k": "alice", "aws:username": "alice"}, True),
    ({"StringEquals": {"k": "v"}, "StringLike": {"j": "x*"}}, {"k": "v", "j": "y"}, False),
])
def test_condition_operators(condition, context, expected):
    assert allowed(policy(allow(Condition=condition)), req=request(context=context)) is expected


def test_resource_policy_principals_and_accounts():
    bucket = "arn:aws:s3:::bucket/key"
    public = policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}, kind="resource")
    anonymous = request(principal_type="Anonymous", principal_arn="*", account="anonymous")
    assert evaluate(anonymous, [], resource_policy=public).allowed
    anonymous.resource_account = "111111111111"  # the bucket owner's account
    assert evaluate(anonymous, [], resource_policy=public).allowed
    no_grant = evaluate(anonymous, [])
    assert not no_grant.allowed and not no_grant.resource_allowed
    assert no_grant.message().startswith("User: anonymous is not authorized")
    # Same account: a statement naming the user is enough on its own.
    named = policy({"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "s3:*", "Resource": "*"}, kind="resource")
    assert evaluate(request(resource_account="111111111111"), [], resource_policy=named).allowed
    # Across accounts both sides must allow.
    other = request(resource_account="222222222222")
    assert not evaluate(other, [], resource_policy=named).allowed
    assert evaluate(other, [policy(allow("s3:*"))], resource_policy=named).allowed
    assert not evaluate(other, [policy(allow("s3:*"))]).allowed
    # Naming the account delegates to the account's identity policies.
    account = policy({"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "s3:*", "Resource": "*"},
                     kind="resource")
    decision = evaluate(other, [], resource_policy=account)
    assert not decision.allowed and decision.resource_allowed
    assert evaluate(other, [policy(allow("s3:*"))], resource_policy=account).allowed
    # Sessions match their role's ARN.
    role_policy = policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/r"},
                          "Action": "s3:*", "Resource": bucket}, kind="resource")
    session = request(principal_type="AssumedRole", principal_arn="arn:aws:sts::111111111111:assumed-role/r/s",
                      role_arn="arn:aws:iam::111111111111:role/r", resource_account="111111111111")
    assert evaluate(session, [], resource_policy=role_policy).allowed
    # Service principals.
    service = policy({"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "s3:PutObject",
                      "Resource": "*"}, kind="resource")
    as_service = request(action="s3:PutObject", principal_type="AWSService", principal_arn="logs.amazonaws.com")
    assert evaluate(as_service, [], resource_policy=service).allowed
    assert not evaluate(request(action="s3:PutObject", resource_account="2"), [], resource_policy=service).allowed


def test_resource_policy_deny_binds_even_the_root_and_not_principal():
    root = request(principal_type="Root", principal_arn="arn:aws:iam::111111111111:root")
    assert evaluate(root, []).allowed
    deny_all_but_alice = policy({"Effect": "Deny", "NotPrincipal": {"AWS": USER}, "Action": "s3:*", "Resource": "*"},
                                kind="resource")
    decision = evaluate(root, [], resource_policy=deny_all_but_alice)
    assert not decision.allowed and not decision.resource_allowed
    assert decision.message().endswith("with an explicit deny in a resource-based policy")
    assert evaluate(request(), [policy(allow())], resource_policy=deny_all_but_alice).allowed


def test_must_grant_resource_policies():
    trust = policy({"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "sts:AssumeRole"}, kind="trust")
    root = request(action="sts:AssumeRole", principal_type="Root", principal_arn="arn:aws:iam::111111111111:root",
                   resource="arn:aws:iam::111111111111:role/r", resource_account="111111111111")
    decision = evaluate(root, [], resource_policy=trust, must_grant=True)
    assert not decision.allowed and not decision.resource_allowed
    assert decision.message().endswith("because no resource-based policy allows the sts:AssumeRole action")


def test_boundary_and_session_policies_narrow():
    admin = policy(allow())
    boundary = policy(allow("s3:*"))
    assert allowed(admin, boundary=[boundary])
    decision = evaluate(request(action="iam:CreateUser"), [admin], boundary=[boundary])
    assert not decision.allowed and decision.policy_type == "permissions boundary"
    assert not evaluate(request(), [admin], session=[policy(allow("kms:*"))]).allowed


@pytest.mark.parametrize("document, kind, message", [
    ({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*"}}, "trust",
     "Missing required field Principal"),
    ({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                                             "Resource": "*"}}, "trust", "Has prohibited field Resource"),
    ({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "nocolon", "Resource": "*"}}, "identity",
     "must be prefaced by a vendor"),
    ({"Version": "2012-10-17", "Statement": {"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}}, "identity",
     "Invalid effect"),
    ({"Version": "2012-10-17", "Statement": [{"Sid": "a", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}] * 2},
     "identity", "must be unique"),
    ({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Nobody": "x"}, "Action": "s3:*",
                                             "Resource": "*"}}, "resource", "Invalid principal"),
])
def test_grammar_errors(document, kind, message):
    with pytest.raises(PolicyError) as error:
        compile_policy(document, kind)
    assert message in str(error.value)


def test_access_denied_code_follows_the_service_protocol():
    decision = evaluate(request(), [])
    assert access_denied(DEFAULT_TRAITS, "json", decision).code == "AccessDeniedException"
    assert access_denied(DEFAULT_TRAITS, "query", decision).code == "AccessDenied"
    s3 = access_denied(S3_TRAITS, "rest-xml", decision)
    assert (s3.code, s3.message, s3.status) == ("AccessDenied", "Access Denied", 403)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.sampled_from(["*", "s3:*", "Allow", "Deny"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal",
                         "Condition", "Sid", "AWS", "Service", "StringEquals", "ForAllValues:StringLike",
                         "aws:SourceIp", "IpAddressIfExists", "Null", "x"]), inner, max_size=4),
    max_leaves=16,
)


_patterns = st.sampled_from(["*", "s3:*", "s3:Get*", "S3:getobject", "iam:?ist*", "arn:aws:s3:::bucket/*",
                             "arn:aws:s3:::${aws:username}/*", "${x}", "10.0.0.0/8", "2020-01-01T00:00:00Z", "5"])
_operators = st.sampled_from(["StringEquals", "StringNotLike", "NumericLessThan", "DateGreaterThan", "Bool",
                              "IpAddress", "NotIpAddress", "ArnLike", "Null", "StringEqualsIfExists",
                              "ForAllValues:StringLike", "ForAnyValue:StringEquals", "BinaryEquals"])
_statements = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"]),
     "Action": st.lists(_patterns, min_size=1, max_size=3)},
    optional={"Resource": st.lists(_patterns, min_size=1, max_size=2) | _patterns,
              "Principal": st.sampled_from(["*", {"AWS": "111111111111"}, {"AWS": USER}, {"Service": "x.amazonaws.com"}]),
              "Condition": st.dictionaries(_operators, st.dictionaries(
                  st.sampled_from(["aws:SourceIp", "X", "aws:username", "aws:CurrentTime"]),
                  st.lists(_patterns, min_size=1, max_size=2), min_size=1, max_size=2), max_size=2)})


@settings(max_examples=300, deadline=None)
@given(statement=_values | _statements | st.lists(_statements, min_size=1, max_size=3), kind=st.sampled_from(["identity", "resource", "trust"]),
       version=st.sampled_from(["2012-10-17", "2008-10-17", 1]))
def test_any_document_compiles_or_raises_policy_error(statement, kind, version):
    """Whatever a client sends, IAM answers MalformedPolicyDocument, and what compiles evaluates."""
    try:
        compiled = compile_policy({"Version": version, "Statement": statement}, kind)
    except PolicyError:
        return
    context = {"aws:sourceip": "10.0.0.1", "x": ["a", "b"]}
    req = request(context=context, resource_account="222222222222")
    if kind == "identity":
        evaluate(req, [compiled])
    else:
        evaluate(req, [], resource_policy=compiled, must_grant=kind == "trust")
