"""GetObjectTorrent: an object's BitTorrent metainfo file, as S3 serves it (bencoded, 256 KiB pieces, each
piece's SHA-1, the tracker S3 names, and the bucket and key in the info dictionary)."""
from __future__ import annotations

import hashlib
import posixpath

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.archive import check_readable
from nimbus.services.s3.encryption import KMS_ALGORITHMS
from nimbus.services.s3.state import S3State

PIECE_LENGTH = 256 * 1024
MAX_TORRENT_OBJECT = 5 * 1024 ** 3  # S3 makes torrents of objects under 5 GB only
TRACKER = "http://torrent.amazonaws.com:6969/announce"


def bencode(value) -> bytes:
    """BitTorrent's encoding: integers, byte strings, lists, dictionaries with sorted keys."""
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
    return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"


def piece_hashes(chunks) -> bytes:
    """The SHA-1 of every PIECE_LENGTH bytes of the object, concatenated."""
    hashes, piece = [], bytearray()
    for chunk in chunks:
        piece += chunk
        while len(piece) >= PIECE_LENGTH:
            hashes.append(hashlib.sha1(piece[:PIECE_LENGTH]).digest())
            del piece[:PIECE_LENGTH]
    if piece:
        hashes.append(hashlib.sha1(piece).digest())
    return b"".join(hashes)


class TorrentOps(S3State):
    def get_object_torrent(self, ctx: RequestContext, params: dict) -> dict:
        bucket, record = self._read_version(ctx, params, "s3:GetObject")
        check_readable(bucket, record, ctx.clock.time())
        if record["Size"] >= MAX_TORRENT_OBJECT:
            raise ServiceError("InvalidRequest", "Torrents are only available for objects smaller than 5 GB.",
                               status=400)
        if record.get("SSE") in KMS_ALGORITHMS:
            raise ServiceError("InvalidRequest", "Torrents are not available for objects encrypted with AWS KMS "
                               "keys (SSE-KMS).", status=400)
        chunks = self.blobs.read(record["Segments"]) if record["Size"] else []
        info = {"length": record["Size"], "name": posixpath.basename(record["Key"]) or record["Key"],
                "piece length": PIECE_LENGTH, "pieces": piece_hashes(chunks),
                "x-amz-bucket": bucket["Name"], "x-amz-key": record["Key"]}
        ctx.response.headers["content-type"] = "application/x-bittorrent"
        return {"Body": bencode({"announce": TRACKER, "announce-list": [[TRACKER]], "info": info})}
