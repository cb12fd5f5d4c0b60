"""A front worker builds the CloudTrail record of each management call it answers and ships it with the event
(workers/prebuilt.py): the primary stores it as it came, and it is the record the primary would have built."""
from __future__ import annotations

import json
import os
import pickle
import socket
import stat
import struct
import threading
import time
from datetime import UTC, datetime

import pytest

from nimbus.core.events import API_CALL, ApiCallEvent
from nimbus.core.usage import USAGE, UsageRecord
from nimbus.services.cloudtrail.lake.ingest import events_ns as lake_events_ns
from nimbus.services.cloudtrail.lake.ingest import lake_for
from nimbus.workers.event_link import events_socket
from nimbus.workers.prebuilt import RecordPrebuilder
from nimbus.workers.shipping import last_uses_only, read_batch, write_batch
from tests.support import make_client, start_server, unique, workers_listening

WANTED = 4  # calls answered by each process


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("prebuilt-workers"), workers=2) as running:
        yield workers_listening(running)


class _Seen:
    """The API-call events the primary's bus hands its subscribers, by user agent."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.events: dict[str, ApiCallEvent] = {}
        self._lock = threading.Lock()

    def __enter__(self):
        self.runtime.events.subscribe(API_CALL, self.add)
        return self

    def __exit__(self, *_):
        self.runtime.events.unsubscribe(API_CALL, self.add)

    def add(self, event: ApiCallEvent) -> None:
        with self._lock:
            self.events[event.user_agent] = event

    def by_who_answered(self, prefix: str) -> tuple[list[ApiCallEvent], list[ApiCallEvent]]:
        """(answered by a worker: they come with a record, answered by the primary)."""
        self.runtime.events.flush()
        with self._lock:
            mine = [event for agent, event in self.events.items() if prefix in agent]
        return [e for e in mine if e.prebuilt is not None], [e for e in mine if e.prebuilt is None]


def _from_both(pair, seen: _Seen, call) -> tuple[list[ApiCallEvent], list[ApiCallEvent]]:
    """Calls on new connections (the kernel spreads them over both processes) until each process answered some."""
    prefix = unique("prebuilt")
    deadline = time.monotonic() + 60
    while True:
        for _ in range(WANTED):
            call(f"{prefix}-{unique('call')}")
        from_worker, from_primary = seen.by_who_answered(prefix)
        if len(from_worker) >= WANTED and len(from_primary) >= WANTED:
            return from_worker, from_primary
        assert time.monotonic() < deadline, (len(from_worker), len(from_primary))


def _lookup(pair, name: str) -> dict[str, dict]:
    """LookupEvents' records of ``name``, by user agent."""
    cloudtrail = make_client(pair.endpoint, "cloudtrail")
    pages = cloudtrail.get_paginator("lookup_events").paginate(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])
    records = (json.loads(event["CloudTrailEvent"]) for page in pages for event in page["Events"])
    return {record["userAgent"]: record for record in records}


def _unique_members(record: dict) -> dict:
    """The record without what differs from call to call (ids, time, the agent that named the call)."""
    return {name: value for name, value in record.items()
            if name not in ("eventID", "requestID", "eventTime", "userAgent")}


def _lake_records(pair, store_arn: str) -> dict[str, dict]:
    """What the event data store holds, by user agent."""
    lake = lake_for(pair.runtime)
    lake.flush()
    store_id = store_arn.rsplit("/", 1)[1]
    documents = pair.runtime.store.scan(lake_events_ns("000000000000", "us-east-1", store_id))
    return {record["userAgent"]: record for _, record in documents}


def test_a_worker_ships_the_record_the_primary_would_have_built(pair):
    store_arn = make_client(pair.endpoint, "cloudtrail").create_event_data_store(
        Name=unique("prebuilt-lake"))["EventDataStoreArn"]
    key = make_client(pair.endpoint, "kms").create_key()["KeyMetadata"]["KeyId"]

    def encrypt(agent: str) -> None:
        make_client(pair.endpoint, "kms", user_agent_extra=agent).encrypt(KeyId=key, Plaintext=b"secret")

    with _Seen(pair.runtime) as seen:
        from_worker, from_primary = _from_both(pair, seen, encrypt)
    # What nothing in the primary reads once the record is built stays in the worker.
    assert all(event.request_parameters is None and event.authorization is None for event in from_worker)
    for recorded in (_lookup(pair, "Encrypt"), _lake_records(pair, store_arn)):
        worker_record, primary_record = recorded[from_worker[0].user_agent], recorded[from_primary[0].user_agent]
        assert worker_record["requestParameters"]["keyId"] == key
        assert worker_record["resources"][0]["ARN"].endswith(key)
        assert _unique_members(worker_record) == _unique_members(primary_record)


def test_an_s3_call_keeps_its_parameters_for_s3s_access_logs(pair):
    prebuild = RecordPrebuilder(pair.runtime.services)
    s3_call = _event(None, service="s3", operation="GetBucketLocation", request_parameters={"Bucket": "b"})
    kms_call = _event(None, service="kms", operation="DescribeKey", request_parameters={"KeyId": "k"})
    prebuild(s3_call)
    prebuild(kms_call)
    assert s3_call.prebuilt is not None and s3_call.request_parameters == {"Bucket": "b"}
    assert kms_call.prebuilt is not None and kms_call.request_parameters is None
    assert '"requestParameters":{"keyId":"k"}' in kms_call.prebuilt[0]


def test_a_worker_leaves_data_events_to_the_primary(pair):
    s3 = make_client(pair.endpoint, "s3")
    bucket = unique("prebuilt-data")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"body")

    def get_object(agent: str) -> None:
        make_client(pair.endpoint, "s3", user_agent_extra=agent).get_object(Bucket=bucket, Key="k")["Body"].read()

    with _Seen(pair.runtime) as seen:
        prefix = unique("data")
        for _ in range(4 * WANTED):
            get_object(f"{prefix}-{unique('call')}")
        from_worker, from_primary = seen.by_who_answered(prefix)
    assert not from_worker and len(from_primary) == 4 * WANTED


def _event(prebuilt, **changes) -> ApiCallEvent:
    fields = dict(time=datetime.now(UTC), request_id="r", account_id="000000000000", region="us-east-1",
                  principal={}, access_key_id=None, source_ip="127.0.0.1", user_agent="a", service="sts",
                  operation="GetCallerIdentity", request_parameters=None, response=None, error_code=None,
                  error_message=None, read_only=True, internal=False, prebuilt=prebuilt)
    return ApiCallEvent(**{**fields, **changes})


@pytest.mark.parametrize("prebuilt", [(b"{}", {}), ("{}",), ["{}", {}], ("{}", "not a dict"), ("{}", {}, "more")])
def test_a_prebuilt_record_that_is_not_one_is_refused(prebuilt):
    with pytest.raises(ValueError, match="not a batch of event records"):
        read_batch(write_batch([(API_CALL, _event(prebuilt))]))


def test_a_prebuilt_record_of_plain_values_is_read():
    prebuilt = ('{"eventName":"GetCallerIdentity"}', {"eventName": "GetCallerIdentity", "readOnly": True,
                                                       "resources": b"[]"})
    ((topic, event),) = read_batch(write_batch([(API_CALL, _event(prebuilt))]))
    assert (topic, event.prebuilt) == (API_CALL, prebuilt)


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker),)


def test_a_batch_that_would_run_code_is_refused(tmp_path):
    marker = tmp_path / "ran"
    read_batch(write_batch([(API_CALL, _event(None))]))  # the record classes are known from then on
    with pytest.raises(pickle.UnpicklingError, match="is not an event record"):
        read_batch(write_batch([(API_CALL, _event(("{}", {"eventName": _RunsCode(marker)})))]))
    with pytest.raises(pickle.UnpicklingError, match="builtins.eval is not an event record"):
        read_batch(pickle.dumps([(API_CALL, _Eval())]))
    assert not marker.exists()


class _Eval:
    def __reduce__(self):
        return eval, ("1",)


def test_the_event_link_is_the_owners_alone_and_answers_each_frame(pair):
    path = events_socket(pair.config.data_dir)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as link:
        link.settimeout(30)
        link.connect(path)
        not_records = b"not a pickle"
        link.sendall(struct.pack("<Q", len(not_records)) + not_records)
        assert link.recv(1) == b"\x00"  # refused, and the link goes on
        batch = write_batch([(API_CALL, _event(None))])
        link.sendall(struct.pack("<Q", len(batch)) + batch)
        assert link.recv(1) == b"\x01"
        link.sendall(struct.pack("<Q", 1 << 40))  # no batch is a terabyte: the link is closed
        assert link.recv(1) == b""


def _use(key: str, operation: str, at: float) -> tuple[str, UsageRecord]:
    return USAGE, UsageRecord("kms", "000000000000", "us-east-1", key, operation, at, f"r-{at}")


def test_a_worker_ships_only_the_last_use_of_each_key_in_a_batch():
    call = (API_CALL, _event(None))
    batch = [_use("a", "Encrypt", 1), call, _use("b", "Decrypt", 2), _use("a", "Decrypt", 3), call,
             _use("a", "GenerateDataKey", 4)]
    assert last_uses_only(batch) == [call, _use("b", "Decrypt", 2), call, _use("a", "GenerateDataKey", 4)]
    assert last_uses_only(batch[:3]) == batch[:3]


def test_records_published_together_arrive_in_order_among_the_others(pair):
    bus, seen = pair.runtime.events, []
    uses = [_use(f"own-{index}", "Use", index)[1] for index in range(5)]
    bus.subscribe(USAGE, seen.append)
    try:
        bus.publish(USAGE, uses[0])
        bus.publish_many([(USAGE, uses[1]), (USAGE, uses[2])])
        bus.publish(USAGE, uses[3])
        bus.publish_many([(USAGE, uses[4])])
        bus.flush()
    finally:
        bus.unsubscribe(USAGE, seen.append)
    assert [use for use in seen if use.resource.startswith("own-")] == uses
