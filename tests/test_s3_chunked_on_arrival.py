"""A SigV4 streaming (aws-chunked) upload large enough to be spooled is decoded as it arrives: its data is hashed,
encrypted and written once, and the spool kept as the object's blob, as a plain upload's is. Its chunk signatures,
framing, trailer signature and trailing checksum are then checked before a provider takes a byte, and every fault
is answered as the same fault in a body read from memory is."""
from __future__ import annotations

import base64
import hashlib
import os
import zlib

import pytest

from tests.support import (
    SIGNED,
    SIGNED_TRAILER,
    UNSIGNED_TRAILER,
    Chunked,
    error_of,
    make_client,
    open_to_anyone,
    start_server,
    unique,
)

SPOOLED = 9 * 1024 * 1024 + 4321  # past the gateway's 8 MiB spool threshold
KINDS = [SIGNED, SIGNED_TRAILER, UNSIGNED_TRAILER]


@pytest.fixture(scope="module")
def open_bucket(s3, bucket):
    open_to_anyone(s3, bucket, ("s3:PutObject",), "/arrived-*")
    return bucket


def upload(endpoint, bucket: str, size: int, kind: str, pieces: int = 3) -> Chunked:
    data = os.urandom(size)
    step = -(-size // pieces)
    chunks = [data[at:at + step] for at in range(0, size, step)]
    return Chunked(endpoint, "s3", "PUT", f"/{bucket}/{unique('arrived-')}", chunks, kind)


def segments(server, bucket: str, key: str) -> list[dict]:
    return server.runtime.services.get("s3").provider.store.get(("s3", "objects", bucket), key)["Segments"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_spooled_streaming_upload_is_kept_as_it_arrived(endpoint, server, s3, open_bucket, kind):
    request = upload(endpoint, open_bucket, SPOOLED, kind)
    data = b"".join(request.chunks)
    response = request.send(request.body())
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    key = request.url.rsplit("/", 1)[1]
    [segment] = segments(server, open_bucket, key)
    assert "key" in segment  # the spool itself became the blob: the body was written once, decoded
    got = s3.get_object(Bucket=open_bucket, Key=key, ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    if kind != SIGNED:
        assert got["ChecksumCRC32"] == base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _swap_chunks(request: Chunked) -> bytes:
    chain = request.signatures()
    return request.body([(request.chunks[1], chain[1]), (request.chunks[0], chain[0]), *zip(
        request.chunks[2:], chain[2:], strict=False)])


def _alter_last_byte(request: Chunked) -> bytes:
    chunks = [*request.chunks[:-1], request.chunks[-1][:-1] + bytes([request.chunks[-1][-1] ^ 1])]
    chain = request.signatures()
    return request.body(list(zip(chunks, chain, strict=False)))


def _cut_inside_a_chunk(request: Chunked) -> bytes:
    body = request.body()
    return body[:body.index(request.chunks[1]) + len(request.chunks[1]) // 2]


def _longer_than_declared(request: Chunked) -> bytes:
    body = request.body()
    end = body.index(request.chunks[0]) + len(request.chunks[0])
    return body[:end] + b"XY" + body[end + 2:]


def _bad_chunk_header(request: Chunked) -> bytes:
    body = request.body()
    return b"zz" + body[body.index(b";"):]


# (how the body is spoilt, the kinds it applies to, the fault AWS names)
FAULTS = {
    "swapped chunks": (_swap_chunks, SIGNED_TRAILER, ("SignatureDoesNotMatch", 403)),
    "altered data, signed": (_alter_last_byte, SIGNED, ("SignatureDoesNotMatch", 403)),
    "altered data, trailing checksum": (_alter_last_byte, UNSIGNED_TRAILER, ("BadDigest", 400)),
    "cut inside a chunk": (_cut_inside_a_chunk, SIGNED, ("IncompleteBody", 400)),
    "no final blank line": (lambda r: r.body()[:-2], UNSIGNED_TRAILER, ("IncompleteBody", 400)),
    "bytes after the end": (lambda r: r.body() + b"more", SIGNED_TRAILER, ("IncompleteBody", 400)),
    "chunk longer than declared": (_longer_than_declared, UNSIGNED_TRAILER, ("IncompleteBody", 400)),
    "bad chunk header": (_bad_chunk_header, SIGNED, ("IncompleteBody", 400)),
    "trailer without a colon": (lambda r: r.body().replace(b"x-amz-checksum-crc32:", b"x-amz-checksum-crc32="),
                                UNSIGNED_TRAILER, ("MalformedTrailerError", 400)),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_spooled_body_is_refused_as_one_read_from_memory(endpoint, s3, open_bucket, fault):
    spoil, kind, expected = FAULTS[fault]
    answers = []
    for size in (3000, SPOOLED):
        request = upload(endpoint, open_bucket, size, kind)
        response = request.send(spoil(request))
        code = response.text.split("<Code>", 1)[-1].split("</Code>", 1)[0]
        answers.append((code, response.status_code))
        key = request.url.rsplit("/", 1)[1]
        assert error_of(s3.head_object, Bucket=open_bucket, Key=key).status == 404
    assert answers == [expected, expected]


def test_a_spooled_streaming_body_of_a_non_streaming_operation_is_decoded_once(tmp_path):
    # With no memory budget every PUT body is spooled: a bucket policy's too, which the operation reads whole.
    with start_server(tmp_path, max_buffered_body_bytes=1) as own:
        s3 = make_client(own.endpoint, "s3")
        name = unique("arrived")
        s3.create_bucket(Bucket=name)
        document = (b'{"Version": "2012-10-17", "Statement": [{"Sid": "Arrived", "Effect": "Allow", "Principal": '
                    b'{"AWS": "arn:aws:iam::000000000000:root"}, "Action": "s3:GetObject", "Resource": '
                    b'"arn:aws:s3:::' + name.encode() + b'/*"}]}')
        for kind in KINDS:
            request = Chunked(own.endpoint, "s3", "PUT", f"/{name}?policy", [document[:40], document[40:]], kind)
            assert request.send(request.body()).ok
            assert '"Arrived"' in s3.get_bucket_policy(Bucket=name)["Policy"]
            s3.delete_bucket_policy(Bucket=name)
            response = request.send(_swap_chunks(request) if kind != UNSIGNED_TRAILER else _alter_last_byte(request))
            assert response.status_code in (400, 403), response.text
            assert error_of(s3.get_bucket_policy, Bucket=name).code == "NoSuchBucketPolicy"
