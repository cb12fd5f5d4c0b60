"""CloudTrail channels for events from outside AWS, cloudtrail-data's PutAuditEvents into them, and the
resource policies that let other accounts put."""
from __future__ import annotations

import base64
import hashlib
import json
import time

import pytest

from tests.support import (
    account_key,
    advance_clock,
    all_records,
    error_of,
    make_client,
    new_event_data_store,
    trail_bucket,
    unique,
)


def store_arn(account: str, name: str = "store") -> str:
    return f"arn:aws:cloudtrail:us-east-1:{account}:eventdatastore/{name}-0123456789"


@pytest.fixture(scope="module")
def audit_store(aws) -> str:
    """An event data store for external events, as AWS makes them for channels: what channels deliver to."""
    return new_event_data_store(aws("cloudtrail"), "ActivityAuditLog")


def new_channel(aws, store: str) -> dict:
    return aws("cloudtrail").create_channel(
        Name=unique("chan"), Source="Custom", Tags=[{"Key": "team", "Value": "audit"}],
        Destinations=[{"Type": "EVENT_DATA_STORE", "Location": store}])


def event_data(account: str, **overrides) -> str:
    data = {"version": "1.0", "userIdentity": {"type": "CustomUser", "principalId": "alice", "details": {"k": 1}},
            "eventSource": "myapp.example.com", "eventName": "Login", "eventTime": "2026-12-01T10:00:00Z",
            "UID": unique("uid"), "recipientAccountId": account, "requestParameters": {"user": "alice"}}
    data.update(overrides)
    return json.dumps(data)


def checksum(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_channels_are_created_read_updated_listed_and_deleted(aws, account, audit_store):
    ct = aws("cloudtrail")
    created = new_channel(aws, audit_store)
    arn = created["ChannelArn"]
    assert arn.startswith(f"arn:aws:cloudtrail:us-east-1:{account}:channel/")
    assert created["Tags"] == [{"Key": "team", "Value": "audit"}] and created["Source"] == "Custom"
    got = ct.get_channel(Channel=arn)
    assert got["Destinations"] == created["Destinations"] and got["SourceConfig"]["ApplyToAllRegions"] is False
    assert ct.get_channel(Channel=arn.rsplit("/", 1)[1])["Name"] == created["Name"]  # the id alone names it too
    renamed = unique("renamed")
    assert ct.update_channel(Channel=arn, Name=renamed)["Name"] == renamed
    assert error_of(ct.create_channel, Name=renamed, Source="Custom",
                    Destinations=created["Destinations"]) == ("ChannelAlreadyExistsException", 400)
    other = new_channel(aws, audit_store)["ChannelArn"]
    listed, token = [], None
    while True:
        listing = ct.list_channels(MaxResults=1, **({"NextToken": token} if token else {}))
        assert len(listing["Channels"]) == 1
        listed += [c["ChannelArn"] for c in listing["Channels"]]
        token = listing.get("NextToken")
        if not token:
            break
    assert {arn, other} <= set(listed) and len(listed) == len(set(listed))
    assert error_of(ct.list_channels, NextToken="nothing-like-it").code == "InvalidNextTokenException"
    ct.delete_channel(Channel=arn)
    ct.delete_channel(Channel=other)
    assert error_of(ct.get_channel, Channel=arn) == ("ChannelNotFoundException", 400)
    assert error_of(ct.get_channel, Channel="arn:aws:cloudtrail:us-east-1:1:trail/x").code == \
        "ChannelARNInvalidException"


def test_channel_input_is_checked(aws, account, audit_store):
    ct = aws("cloudtrail")
    good = [{"Type": "EVENT_DATA_STORE", "Location": audit_store}]
    assert error_of(ct.create_channel, Name=unique("c"), Source="NotAPartner", Destinations=good).code == \
        "InvalidSourceException"
    assert error_of(ct.create_channel, Name=unique("c"), Source="Custom",
                    Destinations=[{"Type": "EVENT_DATA_STORE", "Location": "arn:aws:s3:::bucket"}]).code == \
        "EventDataStoreARNInvalidException"
    assert error_of(ct.create_channel, Name=unique("c"), Source="Custom",
                    Destinations=[{"Type": "EVENT_DATA_STORE", "Location": store_arn(account_key())}]).code == \
        "EventDataStoreARNInvalidException"  # another account's store
    assert error_of(ct.create_channel, Name=unique("c"), Source="Custom",
                    Destinations=[{"Type": "AWS_SERVICE", "Location": "config.amazonaws.com"}]).code == \
        "InvalidParameterException"
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert error_of(ct.create_channel, Name=unique("c"), Source="Custom", Destinations=good, Tags=many).code == \
        "TagsLimitExceededException"


def test_put_audit_events_takes_good_entries_and_lists_bad_ones(aws, account, audit_store):
    arn = new_channel(aws, audit_store)["ChannelArn"]
    data = aws("cloudtrail-data")
    good = event_data(account)
    result = data.put_audit_events(channelArn=arn, auditEvents=[
        {"id": "good-1", "eventData": good, "eventDataChecksum": checksum(good)},
        {"id": "good-2", "eventData": event_data(account, eventName="Logout")},
        {"id": "bad-checksum", "eventData": good, "eventDataChecksum": checksum(good + " ")},
        {"id": "not-json", "eventData": "{not json"},
        {"id": "missing-uid", "eventData": event_data(account, UID=None)},
        {"id": "other-account", "eventData": event_data(account_key())},
        {"id": "bad-time", "eventData": event_data(account, eventTime="yesterday")},
        {"id": "no-principal", "eventData": event_data(account, userIdentity={"type": "CustomUser"})},
    ])
    assert [s["id"] for s in result["successful"]] == ["good-1", "good-2"]
    assert all(len(s["eventID"]) == 36 for s in result["successful"])
    failed = {f["id"]: f["errorCode"] for f in result["failed"]}
    assert failed == {"bad-checksum": "InvalidChecksum", "not-json": "InvalidEventData",
                      "missing-uid": "InvalidEventData", "other-account": "InvalidRecipientAccountId",
                      "bad-time": "InvalidEventData", "no-principal": "InvalidEventData"}
    status = aws("cloudtrail").get_channel(Channel=arn)["IngestionStatus"]
    assert status["LatestIngestionSuccessEventID"] == result["successful"][-1]["eventID"]
    assert status["LatestIngestionSuccessTime"] and status["LatestIngestionErrorCode"] == "InvalidEventData"
    duplicate = [{"id": "same", "eventData": good}, {"id": "same", "eventData": good}]
    assert error_of(data.put_audit_events, channelArn=arn, auditEvents=duplicate) == ("DuplicatedAuditEventId", 400)
    assert error_of(data.put_audit_events, channelArn=arn[:-4] + "dead",
                    auditEvents=[{"id": "x", "eventData": good}]) == ("ChannelNotFound", 400)
    assert error_of(data.put_audit_events, channelArn="arn:aws:sns:us-east-1:1:topic",
                    auditEvents=[{"id": "x", "eventData": good}]).code == "InvalidChannelARN"


def test_resource_policies_let_another_account_put_with_its_external_id(aws, account, audit_store, endpoint):
    ct = aws("cloudtrail")
    arn = new_channel(aws, audit_store)["ChannelArn"]
    partner = account_key()
    partner_data = make_client(endpoint, "cloudtrail-data", key=partner)
    entry = [{"id": "p1", "eventData": event_data(account)}]
    assert error_of(partner_data.put_audit_events, channelArn=arn, auditEvents=entry).code == \
        "ChannelInsufficientPermission"
    assert error_of(ct.get_resource_policy, ResourceArn=arn).code == "ResourcePolicyNotFoundException"
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{partner}:root"},
        "Action": "cloudtrail-data:PutAuditEvents", "Resource": arn,
        "Condition": {"StringEquals": {"cloudtrail:ExternalID": "shared-secret"}}}]})
    assert ct.put_resource_policy(ResourceArn=arn, ResourcePolicy=policy)["ResourcePolicy"] == policy
    assert ct.get_resource_policy(ResourceArn=arn)["ResourcePolicy"] == policy
    assert error_of(partner_data.put_audit_events, channelArn=arn, auditEvents=entry,
                    externalId="wrong-one").code == "ChannelInsufficientPermission"
    taken = partner_data.put_audit_events(channelArn=arn, auditEvents=entry, externalId="shared-secret")
    assert [s["id"] for s in taken["successful"]] == ["p1"]
    ct.delete_resource_policy(ResourceArn=arn)
    assert error_of(partner_data.put_audit_events, channelArn=arn, auditEvents=entry,
                    externalId="shared-secret").code == "ChannelInsufficientPermission"


def test_resource_policies_are_validated(aws, account, audit_store):
    ct = aws("cloudtrail")
    arn = new_channel(aws, audit_store)["ChannelArn"]

    def policy(**statement) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
             "Action": "cloudtrail-data:PutAuditEvents", "Resource": arn, **statement}]})
    assert error_of(ct.put_resource_policy, ResourceArn=arn, ResourcePolicy="{nope").code == \
        "ResourcePolicyNotValidException"
    assert error_of(ct.put_resource_policy, ResourceArn=arn, ResourcePolicy=policy(Action="s3:GetObject")).code == \
        "ResourcePolicyNotValidException"
    many = {"AWS": [f"arn:aws:iam::{100000000000 + i}:root" for i in range(51)]}
    assert error_of(ct.put_resource_policy, ResourceArn=arn, ResourcePolicy=policy(Principal=many)).code == \
        "ResourcePolicyNotValidException"
    trail = f"arn:aws:cloudtrail:us-east-1:{account}:trail/some-trail"
    assert error_of(ct.put_resource_policy, ResourceArn=trail, ResourcePolicy=policy()).code == \
        "ResourceTypeNotSupportedException"
    assert error_of(ct.put_resource_policy, ResourceArn="not-an-arn", ResourcePolicy=policy()).code == \
        "ResourceARNNotValidException"
    gone = arn[:-4] + "dead"
    assert error_of(ct.put_resource_policy, ResourceArn=gone, ResourcePolicy=policy()).code == \
        "ResourceNotFoundException"
    assert error_of(ct.get_resource_policy, ResourceArn=store_arn(account)).code == "ResourceNotFoundException"


def test_put_audit_events_are_data_events_a_trail_logs_when_selected(aws, account, audit_store, endpoint, server):
    ct = aws("cloudtrail")
    arn = new_channel(aws, audit_store)["ChannelArn"]
    bucket = trail_bucket(aws("s3"), account)
    name = unique("trail")
    ct.create_trail(Name=name, S3BucketName=bucket)
    ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=[
        {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                            {"Field": "resources.type", "Equals": ["AWS::CloudTrail::Channel"]}]}])
    ct.start_logging(Name=name)
    aws("cloudtrail-data").put_audit_events(channelArn=arn,
                                            auditEvents=[{"id": "d1", "eventData": event_data(account)}])
    server.runtime.events.flush()  # the call's record is on the bus before the clock moves the delivery
    advance_clock(endpoint, 6)
    puts = [r for r in all_records(aws("s3"), bucket) if r["eventName"] == "PutAuditEvents"]
    assert len(puts) == 1 and puts[0]["eventSource"] == "cloudtrail-data.amazonaws.com"
    assert puts[0]["managementEvent"] is False and puts[0]["eventCategory"] == "Data"
    assert puts[0]["resources"] == [{"accountId": account, "type": "AWS::CloudTrail::Channel", "ARN": arn}]
    ct.stop_logging(Name=name)
    lookup = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutAuditEvents"}])
    assert lookup["Events"] == []  # data events never show in the event history


def test_a_channel_s_audit_events_are_queried_in_its_event_data_store(aws, account, audit_store):
    arn = new_channel(aws, audit_store)["ChannelArn"]
    taken = aws("cloudtrail-data").put_audit_events(channelArn=arn, auditEvents=[
        {"id": "one", "eventData": event_data(account)}])["successful"][0]["eventID"]
    ct, store_id = aws("cloudtrail"), audit_store.rsplit("/", 1)[1]
    query_id = ct.start_query(
        QueryStatement=f"SELECT eventCategory FROM {store_id} WHERE eventID = '{taken}'")["QueryId"]
    deadline = time.monotonic() + 60
    while (described := ct.describe_query(EventDataStore=store_id, QueryId=query_id))["QueryStatus"] in \
            ("QUEUED", "RUNNING") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert described["QueryStatus"] == "FINISHED", described
    assert ct.get_query_results(QueryId=query_id)["QueryResultRows"] == [[{"eventCategory": "ActivityAuditLog"}]]
