"""Undoing the content codings a client may wrap around the body before any protocol reads it."""
from __future__ import annotations

import io
import zlib

from ..http import Headers
from .chunk_framing import ArrivedChunks, ChunkFraming, decodable_on_arrival
from .chunked import ChunkedReader
from .common import Malformed

# A compressed body may not inflate beyond this; guards against gzip bombs.
_MAX_INFLATED = 64 * 1024 * 1024


def _gunzip(body: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=31)  # 31: expect a gzip header and trailer
    try:
        data = inflater.decompress(body, _MAX_INFLATED)
    except zlib.error:
        raise Malformed("The request body is not valid gzip") from None
    if inflater.unconsumed_tail:
        raise Malformed("The decompressed request body is too large")
    if not inflater.eof:
        raise Malformed("The gzip request body is truncated")
    return data


def _codings(headers) -> list[str]:
    return [c.strip() for c in headers.get("content-encoding", "").split(",") if c.strip()]


def _streaming(headers) -> bool:
    return headers.get("x-amz-content-sha256", "").startswith("STREAMING-")


def arrival_framing(headers) -> ChunkFraming | None:
    """For a body about to be spooled: the aws-chunked decoder to run as it arrives, if it is a SigV4
    streaming body (whose payload hash is not the body's) and its trailing checksums are ones the spool takes."""
    if _streaming(headers) and decodable_on_arrival(headers.get("x-amz-trailer", "")):
        return ChunkFraming()
    return None


def _aws_chunked(request, raw) -> ChunkedReader | ArrivedChunks:
    """Decode ``aws-chunked`` (SigV4 streaming bodies) as it is read: chunk and trailer signatures, the
    trailing checksum and ``x-amz-decoded-content-length`` are all checked (see chunked.py). A spool the
    gateway decoded as it arrived is checked the same way (chunk_framing.py)."""
    headers = request.headers
    declared = headers.get("x-amz-decoded-content-length", "")
    length = int(declared) if declared.isdigit() else None
    if request.chunk_framing is not None:  # ``raw`` holds the decoded data: its spool, or that read to memory
        return ArrivedChunks(raw, request.chunk_framing, request.chunk_verifier, length,
                             headers.get("x-amz-trailer", ""))
    return ChunkedReader(raw, request.chunk_verifier, length, headers.get("x-amz-trailer", ""))


def decode_body(operation_model, request) -> tuple[bytes, Headers]:
    """The body with SDK-added codings removed, and the headers as the client's caller set them.

    ``aws-chunked`` and request compression are added by the SDK, not by the
    caller, so they are stripped from Content-Encoding (S3 stores that header
    as the object's ContentEncoding) and chunk trailers become headers.
    Other codings (``gzip`` on an S3 upload) belong to the caller's data and stay.
    """
    headers = request.headers
    if request.body_file is not None:
        return _decode_stream(request)
    body = request.body
    codings = _codings(headers)
    streaming = _streaming(headers)
    if not codings and not streaming:
        return body, headers

    kept = list(codings)
    trailers: list[tuple[str, str]] = []
    if streaming or "aws-chunked" in kept:
        reader = _aws_chunked(request, io.BytesIO(body))
        body = reader.read()  # to its end: nothing unchecked reaches a provider
        trailers = list(reader.trailers.items())
        kept = [c for c in kept if c != "aws-chunked"]
    if kept and kept[-1].lower() == "gzip" and operation_model.request_compression:
        body = _gunzip(body)
        kept.pop()
    if kept == codings and not trailers:
        return body, headers

    headers = Headers(headers)
    headers.pop("content-encoding", None)
    if kept:
        headers["content-encoding"] = ", ".join(kept)
    for name, value in trailers:
        headers[name] = value
    # The caller's ContentLength is that of the decoded data (S3's x-amz-decoded-content-length).
    headers["content-length"] = str(len(body))
    return body, headers


def _decode_stream(request):
    """A streaming payload (S3 uploads): the body stays a file, aws-chunked decoded as it is read."""
    headers = request.headers
    request.body_file.seek(0)
    codings = _codings(headers)
    if not _streaming(headers) and "aws-chunked" not in codings:
        return request.body_file, headers
    body = _aws_chunked(request, request.body_file)
    headers = Headers(headers)
    headers.pop("content-encoding", None)
    kept = [c for c in codings if c != "aws-chunked"]
    if kept:
        headers["content-encoding"] = ", ".join(kept)
    if body.decoded_length is not None:
        headers["content-length"] = str(body.decoded_length)
    return body, headers
