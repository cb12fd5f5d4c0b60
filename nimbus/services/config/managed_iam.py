"""IAM's managed rules: users without policies of their own, the root user's access keys, access key
rotation, the account's password policy, and policies that grant full administrative access."""
from __future__ import annotations

from nimbus.services.config.described import epoch
from nimbus.services.config.managed import (
    CHANGE,
    PERIODIC,
    Inputs,
    ManagedRule,
    Verdict,
    listed,
    managed,
    statements,
    verdict,
)
from nimbus.services.config.rule_documents import NOT_APPLICABLE

USER, POLICY = ("AWS::IAM::User",), ("AWS::IAM::Policy",)
_DAY = 86400
# IAM_PASSWORD_POLICY's parameters, their defaults, and the policy member each one checks.
_PASSWORD_FLAGS = {"RequireUppercaseCharacters": "true", "RequireLowercaseCharacters": "true",
                   "RequireSymbols": "true", "RequireNumbers": "true"}
_PASSWORD_NUMBERS = {"MinimumPasswordLength": "14", "PasswordReusePrevention": "24", "MaxPasswordAge": "90"}


def user_no_policies(item: dict, _: Inputs) -> Verdict:
    configuration = item["configuration"]
    return verdict(not configuration.get("userPolicyList") and not configuration.get("attachedManagedPolicies"),
                   "The user has inline or attached policies; grant permissions through groups or roles.")


def root_access_key(inputs: Inputs) -> Verdict:
    summary = inputs.reader.call("iam", "GetAccountSummary", {}).get("SummaryMap", {})
    return verdict(not summary.get("AccountAccessKeysPresent"), "The root user has access keys.")


def access_keys_rotated(item: dict, inputs: Inputs) -> Verdict:
    keys = inputs.reader.call("iam", "ListAccessKeys", {"UserName": item["resourceName"]}).get("AccessKeyMetadata", [])
    active = [k for k in keys if k.get("Status") == "Active"]
    if not active:
        return Verdict(NOT_APPLICABLE)
    oldest = min(epoch(k["CreateDate"]) or inputs.now for k in active)
    limit = int(inputs.parameters.get("maxAccessKeyAge", "90"))
    return verdict(inputs.now - oldest <= limit * _DAY, f"An active access key is older than {limit} days.")


def password_policy(inputs: Inputs) -> Verdict:
    found = inputs.reader.optional("iam", "GetAccountPasswordPolicy", {}, ("NoSuchEntity",))
    if found is None:
        return verdict(False, "The account has no password policy.")
    policy = found["PasswordPolicy"]
    for name in _PASSWORD_FLAGS:
        if inputs.flag(name) and not policy.get(name):
            return verdict(False, f"The password policy does not set {name}.")
    if policy.get("MinimumPasswordLength", 0) < int(inputs.parameters["MinimumPasswordLength"]):
        return verdict(False, "The password policy's minimum length is below MinimumPasswordLength.")
    if policy.get("PasswordReusePrevention", 0) < int(inputs.parameters["PasswordReusePrevention"]):
        return verdict(False, "The password policy prevents the reuse of fewer passwords than PasswordReusePrevention.")
    max_age = policy.get("MaxPasswordAge")
    return verdict(bool(max_age) and max_age <= int(inputs.parameters["MaxPasswordAge"]),
                   "Passwords do not expire within MaxPasswordAge days.")


def no_admin_statements(item: dict, inputs: Inputs) -> Verdict:
    configuration = item["configuration"]
    if inputs.flag("excludePermissionBoundaryPolicy") and configuration.get("permissionsBoundaryUsageCount"):
        return Verdict(NOT_APPLICABLE)
    default = next((v for v in configuration.get("policyVersionList") or [] if v.get("isDefaultVersion")), {})
    for statement in statements(default.get("document")):
        if statement.get("Effect") == "Allow" and "*" in listed(statement.get("Action")) \
                and "*" in listed(statement.get("Resource")):
            return verdict(False, "The policy allows every action on every resource.")
    return verdict(True)


managed(ManagedRule("IAM_USER_NO_POLICIES_CHECK", (CHANGE,), USER, check=user_no_policies))
managed(ManagedRule("IAM_ROOT_ACCESS_KEY_CHECK", (PERIODIC,), account_check=root_access_key))
managed(ManagedRule("ACCESS_KEYS_ROTATED", (PERIODIC,), USER, defaults={"maxAccessKeyAge": "90"},
                    check=access_keys_rotated))
managed(ManagedRule("IAM_PASSWORD_POLICY", (PERIODIC,), defaults={**_PASSWORD_FLAGS, **_PASSWORD_NUMBERS},
                    account_check=password_policy))
managed(ManagedRule("IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", (CHANGE,), POLICY,
                    optional=("excludePermissionBoundaryPolicy",), check=no_admin_statements))
