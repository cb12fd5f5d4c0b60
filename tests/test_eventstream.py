"""Event-stream output: nimbus's frames parse with botocore's own event-stream reader."""
from __future__ import annotations

import json

import pytest
from botocore.eventstream import EventStream, EventStreamBuffer
from botocore.exceptions import EventStreamError
from botocore.parsers import EventStreamJSONParser

from nimbus.protocol import eventstream, models
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.serializers import serialize_response


def test_frames_decode_with_botocore():
    buffer = EventStreamBuffer()
    buffer.add_data(eventstream.event_message("Hello", b'{"a":1}') + eventstream.exception_message("Bad", b"{}"))
    messages = list(buffer)
    assert messages[0].headers == {":message-type": "event", ":event-type": "Hello",
                                   ":content-type": "application/json"}
    assert json.loads(messages[0].payload) == {"a": 1}
    assert messages[1].headers[":exception-type"] == "Bad"


class _Raw:
    """What botocore's EventStream reads: a raw body with ``stream()``."""

    def __init__(self, chunks):
        self._chunks = chunks

    def stream(self):
        yield from self._chunks

    def close(self):
        pass


def test_json_operation_with_an_event_stream_output_streams_events_then_a_modeled_error():
    operation = models.operation_model("kinesis", "SubscribeToShard")

    def events():
        yield {"SubscribeToShardEvent": {"Records": [{"SequenceNumber": "1", "Data": b"hi", "PartitionKey": "k"}],
                                         "ContinuationSequenceNumber": "1", "MillisBehindLatest": 0}}
        raise ServiceError("ResourceNotFoundException", "gone")

    response = serialize_response(operation, {"EventStream": events()}, "json", "req-1")
    assert response.headers["content-type"] == "application/vnd.amazon.eventstream"
    chunks = list(response.body)
    output_shape = operation.output_shape
    stream_shape = output_shape.members["EventStream"]
    parser = EventStreamJSONParser()
    stream = EventStream(_Raw(chunks[1:]), stream_shape, parser, "SubscribeToShard")
    received = iter(stream)
    first = next(received)
    assert first["SubscribeToShardEvent"]["Records"][0]["Data"] == b"hi"
    with pytest.raises(EventStreamError) as error:
        next(received)
    assert error.value.response["Error"] == {"Code": "ResourceNotFoundException", "Message": "gone"}
    initial = EventStreamBuffer()
    initial.add_data(chunks[0])
    assert next(iter(initial)).headers[":event-type"] == "initial-response"
