"""GetObjectTorrent: a real BitTorrent metainfo file of the object (bencoded, SHA-1 of each 256 KiB piece),
and the refusals (SSE-KMS objects, directory buckets)."""
from __future__ import annotations

import hashlib

from tests.support import aws_cli, error_of, unique

PIECE = 256 * 1024


def bdecode(data: bytes, at: int = 0):
    """A minimal BitTorrent decoder, to read what nimbus wrote the way a client would."""
    kind = data[at:at + 1]
    if kind == b"i":
        end = data.index(b"e", at)
        return int(data[at + 1:end]), end + 1
    if kind in (b"l", b"d"):
        items, at = [], at + 1
        while data[at:at + 1] != b"e":
            item, at = bdecode(data, at)
            items.append(item)
        return (dict(zip(items[::2], items[1::2], strict=True)) if kind == b"d" else items), at + 1
    colon = data.index(b":", at)
    length = int(data[at:colon])
    return data[colon + 1:colon + 1 + length], colon + 1 + length


def test_torrent_of_an_object(s3, bucket):
    body = bytes(range(256)) * 4096 + b"tail"  # four full pieces and a short one
    s3.put_object(Bucket=bucket, Key="dir/film.bin", Body=body)
    got = s3.get_object_torrent(Bucket=bucket, Key="dir/film.bin")
    meta, end = bdecode(got["Body"].read())
    assert end > 0 and meta[b"announce"].startswith(b"http://")
    info = meta[b"info"]
    assert info[b"length"] == len(body) and info[b"name"] == b"film.bin" and info[b"piece length"] == PIECE
    expected = b"".join(hashlib.sha1(body[i:i + PIECE]).digest() for i in range(0, len(body), PIECE))
    assert info[b"pieces"] == expected and len(info[b"pieces"]) == 5 * 20
    assert info[b"x-amz-bucket"] == bucket.encode() and info[b"x-amz-key"] == b"dir/film.bin"


def test_torrent_refusals(s3, bucket, kms):
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    s3.put_object(Bucket=bucket, Key="secret", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id)
    assert error_of(lambda: s3.get_object_torrent(Bucket=bucket, Key="secret")) == ("InvalidRequest", 400)
    assert error_of(lambda: s3.get_object_torrent(Bucket=bucket, Key="missing")) == ("NoSuchKey", 404)


def test_torrent_through_the_cli(s3, endpoint, tmp_path):
    name = unique("torrent")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="small.txt", Body=b"small")
    out = tmp_path / "small.torrent"
    aws_cli(endpoint, "s3api", "get-object-torrent", "--bucket", name, "--key", "small.txt", str(out))
    meta, _ = bdecode(out.read_bytes())
    assert meta[b"info"][b"pieces"] == hashlib.sha1(b"small").digest()
