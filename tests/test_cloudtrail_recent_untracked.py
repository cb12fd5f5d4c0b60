"""Records held in memory for delivery are nothing Python's garbage collector keeps tracking (tens of thousands are
held: each tracked object made every full collection longer), and read back as the records they were."""
from __future__ import annotations

import gc
import json
import uuid
from datetime import UTC, datetime

from nimbus.core.events import ApiCallEvent
from nimbus.services.cloudtrail.recent import RecentRecords
from nimbus.services.cloudtrail.record_template import templated_record

ACCOUNT = "111122223333"
NS = ("cloudtrail", ACCOUNT, "eu-west-1", "events")


def _record(number: int):
    arn = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k{number}"
    return templated_record(ApiCallEvent(
        time=datetime(2026, 12, 7, 3, 0, number, tzinfo=UTC), request_id=str(uuid.uuid4()), account_id=ACCOUNT,
        region="eu-west-1", principal={"type": "Root", "account_id": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root"},
        access_key_id=None, source_ip="10.0.0.1", user_agent="agent", service="kms", operation="DescribeKey",
        request_parameters={"KeyId": arn}, response=None, error_code=None, error_message=None, read_only=True,
        internal=False, host="localhost"), "kms")


def test_held_records_are_untracked_once_collected_and_read_back_whole():
    records = [_record(number) for number in range(3)]
    recent = RecentRecords(keep_ms=60_000)
    recent.add_many(NS, [(f"{9 - number:014d}-000000", number * 1000, record) for number, record in enumerate(records)])
    # A collection untracks a tuple whose members it has already untracked: the member tuples first, then this.
    # A LazyRecord or a dict inside would keep it tracked through every collection.
    gc.collect()
    gc.collect()
    held = recent._by_ns[NS][1]
    assert held and not any(gc.is_tracked(entry) for entry in held)
    found, newest = recent.since(NS, f"{9:014d}-000000~")  # type: ignore[misc]  # from before the oldest
    assert newest == f"{9 - 2:014d}-000000"
    for (_, again), record in zip(found, records):
        assert again.text == record.text
        for name in ("eventName", "eventTime", "readOnly", "resources", "userIdentity", "eventCategory"):
            assert again.get(name) == record[name] == json.loads(record.text)[name], name
        assert again["resources"] == [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": record["resources"][0]["ARN"]}]


def test_resources_with_a_lone_surrogate_read_back_as_json_reads_them():
    record = templated_record(ApiCallEvent(
        time=datetime(2026, 12, 7, 3, 0, 0, tzinfo=UTC), request_id=str(uuid.uuid4()), account_id=ACCOUNT,
        region="eu-west-1", principal={"type": "Root", "account_id": ACCOUNT}, access_key_id=None,
        source_ip="10.0.0.1", user_agent="agent", service="kms", operation="DescribeKey",
        request_parameters={"KeyId": "alias/\ud800"}, response=None, error_code=None, error_message=None,
        read_only=True, internal=False), "kms")
    assert record["resources"] == json.loads(record.text)["resources"]
    assert record["resources"][0]["ARN"].endswith("\ud800")
