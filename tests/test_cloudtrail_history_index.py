"""Event history's LookupEvents index and its 90 days, on a server of its own (the clock moves by months)."""
from __future__ import annotations

import pytest

from nimbus.services.cloudtrail.engine import engine_for
from nimbus.services.cloudtrail.history import (
    INDEX,
    MANAGEMENT,
    PRUNE_CHUNK,
    RETENTION_SECONDS,
    HistoryWriter,
    attribute_values,
    index_key,
    index_ns,
    index_rows,
)
from nimbus.store.sqlite import SqliteStore
from tests.support import account_key, advance_clock, make_client, start_server, unique


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("cloudtrail-index")) as running:
        yield running


@pytest.fixture
def aws(own):
    account = account_key()

    def factory(service):
        return make_client(own.endpoint, service, key=account)
    factory.account = account
    return factory


def rows(own, account: str) -> dict[str, int]:
    """Documents of the account's history and of its index."""
    engine_for(own.runtime).flush()
    store = own.runtime.store
    found = {MANAGEMENT: 0, INDEX: 0}
    for ns in store.namespaces(("cloudtrail", account)):
        if ns[3] in found:
            found[ns[3]] += len(store.scan(ns))
    return found


def by_name(ct, name: str, **kwargs) -> dict:
    return ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}], **kwargs)


def test_every_lookup_attribute_is_indexed(own, aws):
    key = aws("kms").create_key()["KeyMetadata"]
    aws("kms").encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    engine_for(own.runtime).flush()
    store = own.runtime.store
    event_key, record = next((k, r) for k, r in store.scan(("cloudtrail", aws.account, "us-east-1", MANAGEMENT))
                             if r["eventName"] == "Encrypt")
    values = {"EventId": record["eventID"], "EventName": "Encrypt", "ReadOnly": "true", "Username": "root",
              "ResourceType": "AWS::KMS::Key", "ResourceName": key["Arn"], "EventSource": "kms.amazonaws.com",
              "AccessKeyId": aws.account}
    assert set(values) == set(attribute_values(record))
    for attribute, value in values.items():
        assert store.get(index_ns(aws.account, "us-east-1", attribute), index_key(value, event_key)) == {}, attribute


def test_a_page_is_followed_by_a_token_only_when_more_events_match(own, aws):
    ct, sns = aws("cloudtrail"), aws("sns")
    aws("sts").get_caller_identity()  # an older event that does not match: no reason for another page
    for _ in range(3):
        sns.list_topics()
    whole = by_name(ct, "ListTopics", MaxResults=3)
    assert len(whole["Events"]) == 3 and "NextToken" not in whole
    first = by_name(ct, "ListTopics", MaxResults=2)
    rest = by_name(ct, "ListTopics", MaxResults=2, NextToken=first["NextToken"])
    assert len(rest["Events"]) == 1 and "NextToken" not in rest
    assert [e["EventId"] for e in first["Events"] + rest["Events"]] == [e["EventId"] for e in whole["Events"]]
    no_filter = ct.lookup_events(MaxResults=50)
    assert "NextToken" not in no_filter and len(no_filter["Events"]) >= 4


def test_events_and_their_index_are_pruned_after_90_days(own, aws):
    ct = aws("cloudtrail")
    topic = unique("old")
    aws("sns").create_topic(Name=topic)
    advance_clock(own.endpoint, 89 * 86400)
    assert len(by_name(ct, "CreateTopic")["Events"]) == 1
    assert rows(own, aws.account)[INDEX] > 0
    advance_clock(own.endpoint, 2 * 86400)  # CreateTopic is now 91 days old, the LookupEvents 2 days
    left = rows(own, aws.account)
    [(key, lookup)] = own.runtime.store.scan(("cloudtrail", aws.account, "us-east-1", MANAGEMENT))
    assert lookup["eventName"] == "LookupEvents"
    assert left == {MANAGEMENT: 1, INDEX: len(index_rows(aws.account, "us-east-1", key, lookup))}
    assert by_name(ct, "CreateTopic")["Events"] == []


def test_pruning_a_large_backlog_goes_a_share_per_tick(tmp_path):
    """A clock jump that ages many events at once prunes a bounded share per call, the rest on later ticks."""
    store = SqliteStore(str(tmp_path / "history.sqlite3"))
    writer = HistoryWriter(store)
    start = 1_000_000_000_000
    for number in range(PRUNE_CHUNK + 10):
        writer.add("111111111111", "us-east-1", MANAGEMENT, {
            "eventID": f"id-{number}", "eventName": "ListTopics", "readOnly": True, "eventSource": "sns.amazonaws.com",
            "userIdentity": {"type": "Root", "accessKeyId": "AKIA"}}, start + number)
    writer.flush()
    later = start / 1000 + RETENTION_SECONDS + 3600
    assert writer.prune(later, chunks=1) is False
    assert len(store.scan(("cloudtrail", "111111111111", "us-east-1", MANAGEMENT))) == 10
    assert writer.prune(later, chunks=1) is True
    assert not [ns for ns in store.namespaces(("cloudtrail", "111111111111")) if store.scan(ns)]
    store.close()
