"""Range requests answered from the whole object the edge holds (CloudFront gets the whole object from the
origin on a miss, then serves the viewer's ranges): one satisfiable ``bytes=`` range is a 206 with
``Content-Range``, several a 206 ``multipart/byteranges``, none satisfiable a 416 with
``Content-Range: bytes */<size>``; a header that is not a valid byte range set is ignored (the whole object)."""
from __future__ import annotations

import re
import secrets

_SPEC = re.compile(r"^(\d*)-(\d*)$")


def byte_ranges(header: str, size: int) -> list[tuple[int, int]] | None:
    """The satisfiable (first, last) ranges of the header, in its order; None when it is not a valid range
    set (RFC 9110: then the whole object is sent)."""
    unit, _, specs = header.replace(" ", "").partition("=")
    if unit.lower() != "bytes" or not specs:
        return None
    ranges = []
    for spec in specs.split(","):
        match = _SPEC.match(spec)
        if match is None or match.group(1) == match.group(2) == "":
            return None
        first, last = match.group(1), match.group(2)
        if first == "":  # the last N bytes
            if int(last) and size:
                ranges.append((max(size - int(last), 0), size - 1))
            continue
        if last and int(last) < int(first):
            return None
        if int(first) < size:
            ranges.append((int(first), min(int(last), size - 1) if last else size - 1))
    return ranges


def ranged(status: int, headers: dict[str, str], body: bytes, header: str | None) -> tuple[int, bytes]:
    """The status and body for the viewer's Range header; ``headers`` are updated to match."""
    if status != 200 or header is None:
        return status, body
    ranges = byte_ranges(header, len(body))
    if ranges is None:
        return status, body
    if not ranges:
        headers["content-range"] = f"bytes */{len(body)}"
        headers["content-length"] = "0"
        return 416, b""
    if len(ranges) == 1:
        first, last = ranges[0]
        headers["content-range"] = f"bytes {first}-{last}/{len(body)}"
        headers["content-length"] = str(last - first + 1)
        return 206, body[first:last + 1]
    boundary = f"CloudFront:{secrets.token_hex(16).upper()}"
    content_type = headers.get("content-type", "binary/octet-stream")
    parts = [f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: bytes {first}-{last}/{len(body)}"
             f"\r\n\r\n".encode() + body[first:last + 1] + b"\r\n" for first, last in ranges]
    multipart = b"".join(parts) + f"--{boundary}--\r\n".encode()
    headers["content-type"] = f"multipart/byteranges; boundary={boundary}"
    headers["content-length"] = str(len(multipart))
    return 206, multipart
