"""Output members a provider wrote as JSON text itself, spliced into an awsJson body as they are.

For large, regular outputs (a GetRecords page of 1,000 records) the provider can write the member's
JSON straight from its stored bytes, far cheaper than building a dict per item for the generic walk and
encoder. It must write exactly the bytes the generic path would (a test per such provider compares them).
"""
from __future__ import annotations

from botocore.model import Shape

from nimbus.protocol.serializers.json_bytes import json_bytes


class EncodedMember:
    """A member's value as JSON text (ASCII, compact, as ``json_bytes`` writes it), in pieces whose
    concatenation is the text: the body joins them once, with the other members."""
    __slots__ = ("parts",)

    def __init__(self, parts: list[bytes]):
        self.parts = parts


def json_body(encode, shape: Shape, output: dict) -> bytes:
    """The body of ``output``: the generic encoding (``encode(shape, value)``, then ``json_bytes``) unless a
    member is EncodedMember; then each member is written in the output's order, the encoded ones as given.
    A member written alone gives the bytes it has in a whole body: ``json_bytes`` writes ``json``'s bytes."""
    if not any(type(value) is EncodedMember for value in output.values()):
        return json_bytes(encode(shape, output))
    members = shape.members
    chunks = [b"{"]
    for name, value in output.items():
        if type(value) is EncodedMember:
            chunks += [b",", json_bytes(members[name].serialization.get("name", name)), b":", *value.parts]
            continue
        piece = json_bytes(encode(shape, {name: value}))
        if piece != b"{}":
            chunks += [b",", piece[1:-1]]
    if len(chunks) > 1:
        chunks[1] = b""  # no comma before the first member
    chunks.append(b"}")
    return b"".join(chunks)
