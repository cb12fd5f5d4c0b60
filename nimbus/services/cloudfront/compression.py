"""Compression at the edge, as CloudFront documents it ("Serve compressed files"): gzip and Brotli as the
behaviour's cache policy enables them (legacy cache settings: gzip alone), when the behaviour's ``Compress``
is on, the viewer's ``Accept-Encoding`` allows it (Brotli first when both are), the origin sent no
``Content-Encoding``, the content type is one CloudFront compresses and the object is 1,000 to
10,000,000 bytes. A compressed object's strong ``ETag`` becomes weak, and ``Vary: Accept-Encoding`` is
added. Each encoding is its own cache entry, as the cache key's ``Accept-Encoding`` normalisation makes it."""
from __future__ import annotations

import gzip

import cramjam

from nimbus.protocol.http import HttpRequest

MIN_BYTES, MAX_BYTES = 1_000, 10_000_000
COMPRESSIBLE_TYPES = frozenset((
    "application/dash+xml", "application/eot", "application/font", "application/font-sfnt",
    "application/javascript", "application/json", "application/opentype", "application/otf", "application/pdf",
    "application/pkcs7-mime", "application/protobuf", "application/rss+xml", "application/truetype",
    "application/ttf", "application/vnd.apple.mpegurl", "application/vnd.mapbox-vector-tile",
    "application/vnd.ms-fontobject", "application/wasm", "application/xhtml+xml", "application/xml",
    "application/x-font-opentype", "application/x-font-truetype", "application/x-font-ttf",
    "application/x-httpd-cgi", "application/x-javascript", "application/x-mpegurl", "application/x-opentype",
    "application/x-otf", "application/x-perl", "application/x-ttf", "font/eot", "font/opentype", "font/otf",
    "font/ttf", "image/svg+xml", "text/css", "text/csv", "text/html", "text/javascript", "text/js",
    "text/plain", "text/richtext", "text/tab-separated-values", "text/xml", "text/x-component",
    "text/x-java-source", "text/x-script", "vnd.apple.mpegurl"))


def viewer_encoding(request: HttpRequest, behaviour: dict, enabled: tuple[str, ...]) -> str | None:
    """The encoding this viewer gets from this behaviour, if any: ``br``, ``gzip`` or None. ``enabled``: the
    encodings the behaviour's cache policy enables (a legacy behaviour: gzip alone)."""
    if not behaviour.get("Compress"):
        return None
    accepted = set()
    for part in request.headers.get("accept-encoding", "").split(","):
        name, _, parameters = part.strip().partition(";")
        if parameters.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            accepted.add(name.strip().lower())
    return next((e for e in ("br", "gzip") if e in accepted and e in enabled), None)


def compressed(headers: list[tuple[str, str]], body: bytes,
               encoding: str) -> tuple[list[tuple[str, str]], bytes] | None:
    """The object as ``encoding`` compresses it, or None when CloudFront would send it as it is."""
    named = {k.lower(): v for k, v in headers}
    content_type = named.get("content-type", "").split(";")[0].strip().lower()
    if "content-encoding" in named or content_type not in COMPRESSIBLE_TYPES:
        return None
    if not MIN_BYTES <= len(body) <= MAX_BYTES:
        return None
    packed = gzip.compress(body, mtime=0) if encoding == "gzip" else bytes(cramjam.brotli.compress(body))
    out = [(k, _weak(v) if k.lower() == "etag" else v) for k, v in headers if k.lower() != "vary"]
    vary = [v for k, v in headers if k.lower() == "vary"]
    out += [("Content-Encoding", encoding), ("Vary", ", ".join([*vary, "Accept-Encoding"]))]
    return out, packed


def _weak(etag: str) -> str:
    return etag if etag.startswith("W/") else f"W/{etag}"
