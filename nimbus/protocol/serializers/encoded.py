"""Output members a provider wrote as JSON text itself, spliced into an awsJson body as they are.

For large, regular outputs (a GetRecords page of 1,000 records) the provider can write the member's
JSON straight from its stored bytes, far cheaper than building a dict per item for the generic walk and
encoder. It must write exactly the bytes the generic path would (a test per such provider compares them).
"""
from __future__ import annotations

from botocore.model import Shape

from nimbus.protocol.serializers.json_bytes import json_bytes


class EncodedJson:
    """A member's value as JSON text (ASCII, compact, as ``json_bytes`` writes it)."""
    __slots__ = ("text",)

    def __init__(self, text: bytes):
        self.text = text


def json_body(encode, shape: Shape, output: dict) -> bytes:
    """The body of ``output``: the generic encoding (``encode(shape, value)``, then ``json_bytes``) unless a
    member is EncodedJson; then each member is written in the output's order, the encoded ones as given.
    A member written alone gives the bytes it has in a whole body: ``json_bytes`` writes ``json``'s bytes."""
    if not any(type(value) is EncodedJson for value in output.values()):
        return json_bytes(encode(shape, output))
    members = shape.members
    parts = []
    for name, value in output.items():
        if type(value) is EncodedJson:
            parts.append(json_bytes(members[name].serialization.get("name", name)) + b":" + value.text)
            continue
        piece = json_bytes(encode(shape, {name: value}))
        if piece != b"{}":
            parts.append(piece[1:-1])
    return b"{" + b",".join(parts) + b"}"
