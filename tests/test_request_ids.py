"""Request ids are random version 4 UUIDs, written as str(uuid.uuid4()) writes them."""
from __future__ import annotations

import uuid

from nimbus.gateway.handler import request_id_v4


def test_request_ids_are_version_4_uuids_in_canonical_text():
    ids = {request_id_v4() for _ in range(2000)}
    assert len(ids) == 2000
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_an_answer_carries_a_fresh_request_id(client):
    sts = client("sts")
    first = sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
    second = sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
    assert first != second and uuid.UUID(first).version == 4
