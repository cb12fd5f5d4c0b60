"""Range requests answered from the whole object the edge holds (CloudFront gets the whole object from the
origin on a miss, then serves the viewer's range): one ``bytes=`` range is a 206 with ``Content-Range``,
an unsatisfiable one a 416 with ``Content-Range: bytes */<size>``; anything else is the whole object."""
from __future__ import annotations

import re

_ONE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """(first, last) of a satisfiable range, None for no usable range (serve all), False if unsatisfiable."""
    match = _ONE_RANGE.match((header or "").replace(" ", ""))
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # the last N bytes
        length = int(last)
        return (max(size - length, 0), size - 1) if length and size else False
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None  # not a valid range at all: RFC 9110 says ignore it
    return (start, end) if start < size else False


def ranged(status: int, headers: dict[str, str], body: bytes, header: str | None) -> tuple[int, bytes]:
    """The status and body for the viewer's Range header; ``headers`` are updated to match."""
    if status != 200 or header is None:
        return status, body
    wanted = byte_range(header, len(body))
    if wanted is None:
        return status, body
    if wanted is False:
        headers["content-range"] = f"bytes */{len(body)}"
        headers["content-length"] = "0"
        return 416, b""
    first, last = wanted
    headers["content-range"] = f"bytes {first}-{last}/{len(body)}"
    headers["content-length"] = str(last - first + 1)
    return 206, body[first:last + 1]
