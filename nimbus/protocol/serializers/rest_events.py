"""An event-stream payload of a REST operation (S3's SelectObjectContent), framed as botocore reads it.

The provider yields events as ``{event name: {member: value}}``; each event's ``eventpayload`` member
is the frame's payload (a blob as it is, a structure as the protocol's document). An error raised
while the stream runs ends it with an error frame, as AWS does once the 200 has been sent.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from botocore.model import Shape

from nimbus.protocol import eventstream
from nimbus.protocol.errors import ServiceError


def event_frames(stream_shape: Shape, events: Iterable[dict],
                 encode_document: Callable[[Shape, Any], bytes]) -> Iterator[bytes]:
    iterator = iter(events)
    try:
        for event in iterator:
            for name, members in event.items():
                headers = {":message-type": "event", ":event-type": name}
                payload = b""
                for member_name, member in stream_shape.members[name].members.items():
                    value = members.get(member_name)
                    if not member.serialization.get("eventpayload") or value is None:
                        continue
                    if member.type_name == "blob":
                        payload, headers[":content-type"] = value, "application/octet-stream"
                    else:
                        payload, headers[":content-type"] = encode_document(member, value), "text/xml"
                yield eventstream.encode_message(headers, payload)
    except ServiceError as error:
        yield eventstream.error_message(error.code, error.message)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
