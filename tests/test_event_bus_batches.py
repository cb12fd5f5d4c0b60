"""The event bus hands a batch subscriber each take of records as one list, in publishing order, and CloudTrail's
engine records a take's calls together: one call it cannot record does not lose the others'."""
from __future__ import annotations

import dataclasses

from nimbus.core.event_ids import cloudtrail_event_id
from nimbus.core.events import API_CALL, RESOURCE_CHANGE, EventBus
from nimbus.services.cloudtrail.engine import engine_for
from tests.support import unique


def test_a_batch_subscriber_sees_every_record_once_in_order_before_the_flush_returns(server):
    bus = EventBus(server.runtime.scheduler)
    batches: list[list] = []
    singles: list = []
    changes: list = []

    def broken(events):
        raise RuntimeError("a broken subscriber")

    bus.subscribe_batch(API_CALL, broken)
    bus.subscribe_batch(API_CALL, batches.append)
    bus.subscribe(API_CALL, singles.append)
    bus.subscribe_batch(RESOURCE_CHANGE, changes.append)
    try:
        for number in range(500):
            bus.publish(API_CALL, number)
            if number % 100 == 0:
                bus.publish(RESOURCE_CHANGE, f"change {number}")
        bus.flush()
        assert [number for batch in batches for number in batch] == list(range(500))
        assert all(type(batch) is list and batch for batch in batches)
        assert singles == list(range(500))  # a per-record subscriber beside them still gets each one
        assert [change for batch in changes for change in batch] == [f"change {n}" for n in range(0, 500, 100)]
        bus.unsubscribe(API_CALL, batches.append)
        bus.publish(API_CALL, "after")
        bus.flush()
        assert [number for batch in batches for number in batch] == list(range(500))
        assert singles[-1] == "after"
    finally:
        bus.close()


def test_the_engine_records_the_rest_of_a_take_when_one_call_fails(server, aws):
    seen: list = []
    server.runtime.events.subscribe(API_CALL, seen.append)
    try:
        aws("sts").get_caller_identity()
        server.runtime.events.flush()
    finally:
        server.runtime.events.unsubscribe(API_CALL, seen.append)
    called = next(event for event in seen if event.operation == "GetCallerIdentity")
    unknown = dataclasses.replace(called, service="no-such-service", request_id=unique("req"))
    recorded = dataclasses.replace(called, request_id=unique("req"))
    engine_for(server.runtime).on_calls([unknown, recorded])
    found = aws("cloudtrail").lookup_events(LookupAttributes=[
        {"AttributeKey": "EventId", "AttributeValue": cloudtrail_event_id(recorded.request_id)}])["Events"]
    assert [event["EventName"] for event in found] == ["GetCallerIdentity"]
    assert aws("cloudtrail").lookup_events(LookupAttributes=[
        {"AttributeKey": "EventId", "AttributeValue": cloudtrail_event_id(unknown.request_id)}])["Events"] == []
