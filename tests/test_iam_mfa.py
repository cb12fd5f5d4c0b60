"""Virtual MFA devices with real TOTP seeds, and sessions made with their codes (aws:MultiFactorAuthPresent
and aws:MultiFactorAuthAge), through boto3."""
from __future__ import annotations

import json

from tests.support import (
    advance_clock,
    error_of,
    make_client,
    mfa_login,
    new_mfa_device,
    start_server,
    totp_code,
    unique,
    virtual_now,
)


def test_virtual_mfa_device_lifecycle(aws, endpoint):
    iam = aws("iam")
    user = unique("u")
    iam.create_user(UserName=user)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=unique("mfa"), Tags=[{"Key": "a", "Value": "1"}])[
        "VirtualMFADevice"]
    serial, seed = device["SerialNumber"], device["Base32StringSeed"]
    assert ":mfa/" in serial and len(seed) == 32 and device["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n")
    now = virtual_now(endpoint).timestamp()
    codes = {"AuthenticationCode1": totp_code(seed, now, -1), "AuthenticationCode2": totp_code(seed, now)}
    not_consecutive = {"AuthenticationCode1": totp_code(seed, now), "AuthenticationCode2": totp_code(seed, now, -1)}
    assert error_of(iam.enable_mfa_device, UserName=user, SerialNumber=serial, **not_consecutive) == \
        ("InvalidAuthenticationCode", 403)
    assert error_of(iam.enable_mfa_device, UserName=user, SerialNumber=serial, AuthenticationCode1="000000",
                    AuthenticationCode2="000001") == ("InvalidAuthenticationCode", 403)
    iam.enable_mfa_device(UserName=user, SerialNumber=serial, **codes)
    [listed] = iam.list_mfa_devices(UserName=user)["MFADevices"]
    assert listed["SerialNumber"] == serial and listed["UserName"] == user
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [d["User"]["UserName"] for d in assigned if d["SerialNumber"] == serial] == [user]
    assert "Base32StringSeed" not in assigned[0]
    assert iam.get_mfa_device(SerialNumber=serial)["UserName"] == user
    assert error_of(iam.delete_virtual_mfa_device, SerialNumber=serial) == ("DeleteConflict", 409)
    # A device that runs ten minutes ahead is resynchronised with two of its consecutive codes.
    iam.resync_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=totp_code(seed, now, 20),
                          AuthenticationCode2=totp_code(seed, now, 21))
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "b", "Value": "2"}])
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["a"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "b", "Value": "2"}]
    iam.deactivate_mfa_device(UserName=user, SerialNumber=serial)
    assert iam.list_mfa_devices(UserName=user)["MFADevices"] == []
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert error_of(iam.get_mfa_device, SerialNumber=serial) == ("NoSuchEntity", 404)


def test_sessions_made_with_mfa_carry_its_presence_and_age(tmp_path):
    with start_server(tmp_path, enforce_iam=True) as server:
        endpoint = server.endpoint
        iam = make_client(endpoint, "iam")
        name = unique("u")
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="recent-mfa", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*",
                                                    "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
                                                                  "Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        sts = make_client(endpoint, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        serial, seed = new_mfa_device(iam, endpoint, user=name)
        wrong = {"SerialNumber": serial}
        wrong["TokenCode"] = next(c for c in ("000000", "111111") if c != mfa_login(endpoint, serial, seed)["TokenCode"])
        assert error_of(sts.get_session_token, **wrong) == ("AccessDenied", 403)
        others, _ = new_mfa_device(iam, endpoint)
        assert error_of(sts.get_session_token, SerialNumber=others, TokenCode="123456") == ("AccessDenied", 403)
        credentials = sts.get_session_token(**mfa_login(endpoint, serial, seed), DurationSeconds=14400)["Credentials"]
        sns = make_client(endpoint, "sns", key=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"],
                          token=credentials["SessionToken"])
        assert "Topics" in sns.list_topics()
        advance_clock(endpoint, 7200)  # the MFA is now two hours old
        assert error_of(sns.list_topics).status == 403
