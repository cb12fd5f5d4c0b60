"""KMS key policies and grants evaluated by the IAM engine: across accounts always, for everyone with
``--enforce-iam``; the default policy's root statement delegating to IAM; explicit denies on KMS
condition keys; and the decision recorded on the API-call event when nothing is enforced."""
from __future__ import annotations

import json
import threading
import time

import pytest

from nimbus.core.events import API_CALL
from tests.support import error_of, make_client, start_server, unique
from tests.test_iam_enforcement import Caller, allow, document, session_client, trust

OWNER = "000000000000"
FOREIGN = "111122223333"


@pytest.fixture(scope="module")
def enforcing(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("kms-enforce"), enforce_iam=True) as running:
        yield running


def statement(principal: str, actions, effect: str = "Allow", **extra) -> dict:
    return {"Effect": effect, "Principal": {"AWS": principal} if principal != "*" else "*", "Action": actions,
            "Resource": "*", **extra}


def root(account: str = OWNER) -> str:
    return f"arn:aws:iam::{account}:root"


ROOT_STATEMENT = {"Sid": "Enable IAM User Permissions", **statement(root(), "kms:*")}


def not_authorized(who: str, action: str, key_arn: str, why: str) -> tuple[str, str]:
    return ("AccessDeniedException",
            f"User: {who} is not authorized to perform: {action} on resource: {key_arn} {why}")


def no_key_policy(action: str) -> str:
    return f"because no resource-based policy allows the {action} action"


def test_cross_account_needs_the_key_policy_and_the_callers_own_iam(enforcing):
    owner = make_client(enforcing.endpoint, "kms")
    foreign = make_client(enforcing.endpoint, "kms", key=FOREIGN, secret="x")
    key = owner.create_key()["KeyMetadata"]["Arn"]
    # The default policy names only the owner's account.
    assert error_of(foreign.encrypt, KeyId=key, Plaintext=b"x").worded == not_authorized(
        root(FOREIGN), "kms:Encrypt", key, no_key_policy("kms:Encrypt"))
    owner.put_key_policy(KeyId=key, PolicyName="default", Policy=document(
        ROOT_STATEMENT, statement(root(FOREIGN), ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"])))
    blob = foreign.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    assert foreign.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    assert error_of(foreign.list_grants, KeyId=key)[0] == "AccessDeniedException"
    # A user of the other account needs its own account's IAM policy as well.
    user = Caller(enforcing.endpoint, account=FOREIGN)
    assert error_of(user.client("kms").encrypt, KeyId=key, Plaintext=b"x").worded == not_authorized(
        user.arn, "kms:Encrypt", key, "because no identity-based policy allows the kms:Encrypt action")
    user.admin.put_user_policy(UserName=user.name, PolicyName="kms", PolicyDocument=document(
        allow("kms:Encrypt", key)))
    assert user.client("kms").encrypt(KeyId=key, Plaintext=b"x")["KeyId"] == key
    # Its IAM policy alone reaches no further than the key policy.
    user.admin.put_user_policy(UserName=user.name, PolicyName="kms", PolicyDocument=document(allow("kms:*")))
    assert error_of(user.client("kms").list_grants, KeyId=key)[0] == "AccessDeniedException"


def test_a_key_policy_without_the_root_statement_ignores_iam_policies(enforcing):
    owner = make_client(enforcing.endpoint, "kms")
    admin = Caller(enforcing.endpoint, inline=document(allow("kms:*")))
    named = Caller(enforcing.endpoint)  # no IAM policy at all
    key = owner.create_key()["KeyMetadata"]["Arn"]
    assert admin.client("kms").encrypt(KeyId=key, Plaintext=b"x")["KeyId"] == key  # IAM, via the root statement
    assert error_of(named.client("kms").encrypt, KeyId=key, Plaintext=b"x")[0] == "AccessDeniedException"
    # The lockout check runs through the engine: the caller must keep kms:PutKeyPolicy.
    only_named = document(statement(named.arn, "kms:*"))
    assert error_of(admin.client("kms").put_key_policy, KeyId=key, PolicyName="default", Policy=only_named).worded == (
        "MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the "
        "future.")
    policy = document(statement(root(), ["kms:PutKeyPolicy", "kms:GetKeyPolicy"]), statement(named.arn, "kms:*"))
    admin.client("kms").put_key_policy(KeyId=key, PolicyName="default", Policy=policy)
    assert error_of(admin.client("kms").encrypt, KeyId=key, Plaintext=b"x").worded == not_authorized(
        admin.arn, "kms:Encrypt", key, no_key_policy("kms:Encrypt"))
    # Not even the account's root may use the key now; the user the policy names may, without IAM.
    assert error_of(owner.encrypt, KeyId=key, Plaintext=b"x")[0] == "AccessDeniedException"
    assert named.client("kms").encrypt(KeyId=key, Plaintext=b"x")["KeyId"] == key
    assert json.loads(admin.client("kms").get_key_policy(KeyId=key)["Policy"]) == json.loads(policy)
    # Bypassing the check locks everyone but the named user out, as in AWS.
    named.client("kms").put_key_policy(KeyId=key, Policy=document(statement(named.arn, "kms:Encrypt")),
                                       BypassPolicyLockoutSafetyCheck=True)
    assert error_of(named.client("kms").put_key_policy, KeyId=key, Policy=policy)[0] == "AccessDeniedException"


def test_explicit_deny_on_encryption_context_wins_over_allows_and_grants(enforcing):
    owner = make_client(enforcing.endpoint, "kms")
    deny_secret = statement("*", ["kms:Encrypt", "kms:Decrypt"], effect="Deny", Sid="NoSecrets",
                            Condition={"StringEquals": {"kms:EncryptionContext:tier": "secret"}})
    key = owner.create_key(Policy=document(ROOT_STATEMENT, deny_secret))["KeyMetadata"]["Arn"]
    owner.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"tier": "public"})
    assert error_of(owner.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext={"tier": "secret"}).worded == \
        not_authorized(root(), "kms:Encrypt", key, "with an explicit deny in a resource-based policy")
    # An identity policy's deny on the context's keys; a grant does not override it.
    user = Caller(enforcing.endpoint, inline=document(allow("kms:*"), {
        "Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "pii"}}}))
    owner.create_grant(KeyId=key, GranteePrincipal=user.arn, Operations=["Encrypt"])
    kms = user.client("kms")
    kms.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"app": "1"})
    assert error_of(kms.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext={"pii": "1"}).worded == not_authorized(
        user.arn, "kms:Encrypt", key, "with an explicit deny in an identity-based policy")


def test_kms_condition_keys(enforcing):
    owner = make_client(enforcing.endpoint, "kms")
    name = f"alias/{unique('blocked')}"
    policy = document(ROOT_STATEMENT,
                      statement("*", "kms:Encrypt", effect="Deny",
                                Condition={"StringEquals": {"kms:RequestAlias": name}}),
                      statement("*", "kms:Sign", effect="Deny",
                                Condition={"StringNotEquals": {"kms:SigningAlgorithm": "ECDSA_SHA_256"}}),
                      statement("*", "kms:CreateGrant", effect="Deny",
                                Condition={"ForAnyValue:StringEquals": {"kms:GrantOperations": "Decrypt"}}))
    key = owner.create_key(Policy=policy)["KeyMetadata"]["Arn"]
    owner.create_alias(AliasName=name, TargetKeyId=key)
    owner.encrypt(KeyId=key, Plaintext=b"x")
    assert error_of(owner.encrypt, KeyId=name, Plaintext=b"x")[0] == "AccessDeniedException"
    assert error_of(owner.create_grant, KeyId=key, GranteePrincipal=root(FOREIGN),
                    Operations=["Encrypt", "Decrypt"])[0] == "AccessDeniedException"
    owner.create_grant(KeyId=key, GranteePrincipal=root(FOREIGN), Operations=["Encrypt"])
    signer = owner.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Policy=policy)["KeyMetadata"]["Arn"]
    owner.sign(KeyId=signer, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    policy_for_384 = policy.replace("ECDSA_SHA_256", "ECDSA_SHA_384")
    owner.put_key_policy(KeyId=signer, Policy=policy_for_384)
    assert error_of(owner.sign, KeyId=signer, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")[0] == \
        "AccessDeniedException"
    # kms:CallerAccount limits a key to the callers of one account.
    only_owner = document(statement("*", "kms:*", Condition={"StringEquals": {"kms:CallerAccount": OWNER}}))
    shared = owner.create_key(Policy=only_owner)["KeyMetadata"]["Arn"]
    owner.encrypt(KeyId=shared, Plaintext=b"x")
    foreign = make_client(enforcing.endpoint, "kms", key=FOREIGN, secret="x")
    assert error_of(foreign.encrypt, KeyId=shared, Plaintext=b"x")[0] == "AccessDeniedException"


def test_grants_still_work_across_accounts(enforcing):
    owner = make_client(enforcing.endpoint, "kms")
    key = owner.create_key()["KeyMetadata"]["Arn"]
    user = Caller(enforcing.endpoint, account=FOREIGN)  # no IAM policy: the grant is enough
    kms = user.client("kms")
    assert error_of(kms.encrypt, KeyId=key, Plaintext=b"x")[0] == "AccessDeniedException"
    grant = owner.create_grant(KeyId=key, GranteePrincipal=user.arn, Operations=["Encrypt", "Decrypt"],
                               Constraints={"EncryptionContextSubset": {"team": "a"}})
    blob = kms.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"team": "a"})["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"team": "a"})["Plaintext"] == b"x"
    assert error_of(kms.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext={"team": "b"})[0] == \
        "AccessDeniedException"
    assert error_of(kms.describe_key, KeyId=key)[0] == "AccessDeniedException"  # not a granted operation
    owner.revoke_grant(KeyId=key, GrantId=grant["GrantId"])
    assert error_of(kms.encrypt, KeyId=key, Plaintext=b"x", EncryptionContext={"team": "a"})[0] == \
        "AccessDeniedException"


def test_aws_managed_keys_are_used_through_their_service(enforcing):
    owner = make_client(enforcing.endpoint, "kms")
    managed = owner.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]
    policy = json.loads(owner.get_key_policy(KeyId=managed["KeyId"])["Policy"])
    assert policy["Statement"][0]["Condition"]["StringEquals"] == {
        "kms:CallerAccount": OWNER, "kms:ViaService": "ebs.us-east-1.amazonaws.com"}
    assert error_of(owner.encrypt, KeyId="alias/aws/ebs", Plaintext=b"x")[0] == "AccessDeniedException"
    output = enforcing.runtime.client.call("kms", "Encrypt", {"KeyId": "alias/aws/ebs", "Plaintext": b"x"},
                                           account_id=OWNER, region="us-east-1", invoked_by="ebs.amazonaws.com")
    assert output["KeyId"] == managed["Arn"]


def recorded(server, principal_arn: str, operation: str, call) -> dict:
    """The authorization recorded for ``call`` itself: events are delivered off the request path, so an
    earlier call's event may still arrive after subscribing; the request id tells them apart."""
    seen: dict = {}
    done = threading.Event()

    def on_call(event):
        if event.principal.get("arn") == principal_arn and event.operation == operation:
            seen[event.request_id] = event
            done.set()

    server.runtime.events.flush()  # earlier calls' records are handled before this one's is awaited
    server.runtime.events.subscribe(API_CALL, on_call)
    try:
        request_id = call()["ResponseMetadata"]["RequestId"]
        deadline = time.monotonic() + 10
        while request_id not in seen and time.monotonic() < deadline:
            done.wait(0.1)
            done.clear()
        assert request_id in seen
    finally:
        server.runtime.events.unsubscribe(API_CALL, on_call)
    return seen[request_id].authorization


def test_decision_is_recorded_when_enforcement_is_off(server, endpoint):
    owner = make_client(endpoint, "kms")
    account = "222233334444"
    key = owner.create_key()["KeyMetadata"]["Arn"]
    # Same account, no IAM policy: allowed, but the record says what enforcement would do.
    local = Caller(endpoint)
    decision = recorded(server, local.arn, "Encrypt", lambda: local.client("kms").encrypt(KeyId=key, Plaintext=b"x"))
    assert decision["allowed"] is False and decision["enforced"] is False
    assert (decision["action"], decision["resource"]) == ("kms:Encrypt", key)
    assert decision["message"].endswith("because no identity-based policy allows the kms:Encrypt action")
    # Across accounts the key policy binds even so; the caller's own IAM side is taken as allowing.
    user = Caller(endpoint, account=account)
    assert error_of(user.client("kms").encrypt, KeyId=key, Plaintext=b"x").worded == not_authorized(
        user.arn, "kms:Encrypt", key, no_key_policy("kms:Encrypt"))
    owner.put_key_policy(KeyId=key, Policy=document(ROOT_STATEMENT, statement(root(account), "kms:Encrypt")))
    decision = recorded(server, user.arn, "Encrypt", lambda: user.client("kms").encrypt(KeyId=key, Plaintext=b"x"))
    assert decision["allowed"] is False and decision["resource_allowed"] is True
    assert decision["message"].endswith("because no identity-based policy allows the kms:Encrypt action")
    user.admin.put_user_policy(UserName=user.name, PolicyName="kms", PolicyDocument=document(allow("kms:Encrypt")))
    decision = recorded(server, user.arn, "Encrypt", lambda: user.client("kms").encrypt(KeyId=key, Plaintext=b"x"))
    assert decision["allowed"] is True and decision["statements"]


def test_aliases_need_the_alias_in_iam_and_the_key_in_its_key_policy(enforcing):
    owner = make_client(enforcing.endpoint, "kms")
    key = owner.create_key()["KeyMetadata"]["Arn"]
    name = f"alias/{unique('app')}"
    alias_arn = f"arn:aws:kms:us-east-1:{OWNER}:{name}"
    user = Caller(enforcing.endpoint, inline=document(allow("kms:CreateAlias", key)))
    assert error_of(user.client("kms").create_alias, AliasName=name, TargetKeyId=key)[0] == "AccessDeniedException"
    user.admin.put_user_policy(UserName=user.name, PolicyName="inline", PolicyDocument=document(
        allow("kms:CreateAlias", [key, alias_arn])))
    user.client("kms").create_alias(AliasName=name, TargetKeyId=key)
    assert owner.describe_key(KeyId=name)["KeyMetadata"]["Arn"] == key


def test_calls_without_a_key_need_an_identity_policy(enforcing):
    user = Caller(enforcing.endpoint)
    assert error_of(user.client("kms").create_key).worded == ("AccessDeniedException", (
        f"User: {user.arn} is not authorized to perform: kms:CreateKey on resource: * because no identity-based "
        "policy allows the kms:CreateKey action"))
    user.admin.put_user_policy(UserName=user.name, PolicyName="inline", PolicyDocument=document(
        allow(["kms:CreateKey", "kms:ListKeys"])))
    key = user.client("kms").create_key()["KeyMetadata"]["KeyId"]
    assert key in [k["KeyId"] for k in user.client("kms").list_keys(Limit=1000)["Keys"]]


def test_a_role_named_in_the_key_policy_needs_no_iam_policy(enforcing):
    admin = make_client(enforcing.endpoint, "iam")
    owner = make_client(enforcing.endpoint, "kms")
    role = unique("app")
    role_arn = admin.create_role(RoleName=role, AssumeRolePolicyDocument=trust({"AWS": OWNER}))["Role"]["Arn"]
    key = owner.create_key(Policy=document(ROOT_STATEMENT, statement(role_arn, ["kms:Encrypt", "kms:Decrypt"])))
    key = key["KeyMetadata"]["Arn"]
    creds = make_client(enforcing.endpoint, "sts").assume_role(RoleArn=role_arn, RoleSessionName="s1")["Credentials"]
    kms = session_client(enforcing.endpoint, creds, "kms")
    blob = kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    assert error_of(kms.describe_key, KeyId=key).worded == not_authorized(
        f"arn:aws:sts::{OWNER}:assumed-role/{role}/s1", "kms:DescribeKey", key,
        "because no identity-based policy allows the kms:DescribeKey action")
