"""The authorizer's part in services acting for users: another account's resource is refused without that
account's grant in every mode, --enforce-iam or not, and a service principal is a member of no account."""
from __future__ import annotations

import json
import uuid

import pytest

from nimbus.core.context import RequestContext
from nimbus.core.identity import Principal, service_principal
from nimbus.protocol.errors import ServiceError

STREAM = "arn:aws:kinesis:us-east-1:222222222222:stream/theirs"


def context(server, principal: Principal) -> RequestContext:
    return RequestContext(runtime=server.runtime, request_id=str(uuid.uuid4()), service="kinesis",
                          operation="GetRecords", account_id=principal.account_id, region="us-east-1",
                          principal=principal, internal=True)


def user(account: str = "111111111111") -> Principal:
    return Principal(type="IAMUser", account_id=account, arn=f"arn:aws:iam::{account}:user/u",
                     principal_id="AIDAEXAMPLE", user_name="u")


def test_another_account_s_resource_needs_its_grant_in_default_mode(server):
    ctx = context(server, user())
    with pytest.raises(ServiceError) as refused:
        ctx.authorize("kinesis:GetRecords", STREAM, resource_account="222222222222")
    assert refused.value.code == "AccessDeniedException"
    granted = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/u"}, "Action": "kinesis:GetRecords",
        "Resource": STREAM}]})
    assert ctx.authorize("kinesis:GetRecords", STREAM, resource_account="222222222222", resource_policy=granted)
    own = context(server, user("222222222222"))  # the owner's own callers need no grant
    assert own.authorize("kinesis:GetRecords", STREAM, resource_account="222222222222")


def test_a_service_principal_owns_nothing(server):
    ctx = context(server, service_principal("firehose.amazonaws.com"))
    with pytest.raises(ServiceError):
        ctx.authorize("kinesis:GetRecords", STREAM, resource_account="222222222222", mode="always")
    named = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "kinesis:GetRecords",
        "Resource": STREAM}]})
    assert ctx.authorize("kinesis:GetRecords", STREAM, resource_account="222222222222", resource_policy=named,
                         mode="always")
