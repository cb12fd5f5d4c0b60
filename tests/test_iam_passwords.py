"""Login profiles and the account password policy, enforced on every password set, through boto3."""
from __future__ import annotations

from tests.support import error_of, make_client, unique


def test_login_profiles_follow_the_default_rules(aws):
    iam = aws("iam")
    name = unique("u")
    iam.create_user(UserName=name)
    assert error_of(iam.create_login_profile, UserName=name, Password="short1A") == ("PasswordPolicyViolation", 400)
    assert error_of(iam.create_login_profile, UserName=name, Password="onlylowercase") == \
        ("PasswordPolicyViolation", 400)
    profile = iam.create_login_profile(UserName=name, Password="Correct-Horse-1", PasswordResetRequired=True)
    assert profile["LoginProfile"]["UserName"] == name and profile["LoginProfile"]["PasswordResetRequired"]
    assert error_of(iam.create_login_profile, UserName=name, Password="Correct-Horse-2") == \
        ("EntityAlreadyExists", 409)
    assert error_of(iam.delete_user, UserName=name) == ("DeleteConflict", 409)
    iam.update_login_profile(UserName=name, PasswordResetRequired=False)
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False
    iam.delete_login_profile(UserName=name)
    assert error_of(iam.get_login_profile, UserName=name) == ("NoSuchEntity", 404)
    iam.delete_user(UserName=name)


def test_the_account_password_policy_is_enforced(aws, endpoint):
    iam = aws("iam")
    assert error_of(iam.get_account_password_policy) == ("NoSuchEntity", 404)
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True, RequireNumbers=True,
                                       RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                       AllowUsersToChangePassword=True, MaxPasswordAge=90, PasswordReusePrevention=2)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 12 and policy["ExpirePasswords"] and policy["PasswordReusePrevention"] == 2
    name = unique("u")
    iam.create_user(UserName=name)
    for password, message in (("Aa1!short", "Password should have a minimum length of 12"),
                              ("alllowercase1!", "Password should have at least one uppercase letter"),
                              ("ALLUPPERCASE1!", "Password should have at least one lowercase letter"),
                              ("NoNumbersHere!", "Password should have at least one number"),
                              ("NoSymbolsHere1", "Password should have at least one symbol")):
        assert error_of(iam.create_login_profile, UserName=name, Password=password).worded == \
            ("PasswordPolicyViolation", message)
    first = "First-Password-1"
    iam.create_login_profile(UserName=name, Password=first)
    assert error_of(iam.update_login_profile, UserName=name, Password=first).code == "PasswordPolicyViolation"
    iam.update_login_profile(UserName=name, Password="Second-Password-2")

    key = iam.create_access_key(UserName=name)["AccessKey"]
    as_user = make_client(endpoint, "iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert error_of(as_user.change_password, OldPassword="wrong", NewPassword="Third-Password-3").status == 403
    assert error_of(as_user.change_password, OldPassword="Second-Password-2", NewPassword=first).code == \
        "PasswordPolicyViolation"  # used within the last two
    as_user.change_password(OldPassword="Second-Password-2", NewPassword="Third-Password-3")
    assert error_of(iam.change_password, OldPassword="x", NewPassword="y") == ("InvalidUserType", 400)
    iam.delete_account_password_policy()
    assert error_of(iam.delete_account_password_policy) == ("NoSuchEntity", 404)
