"""What the edge itself answers with: CloudFront's HTML error page and the headers every response carries
(``X-Cache``, ``Via``, ``X-Amz-Cf-Pop``, ``X-Amz-Cf-Id``)."""
from __future__ import annotations

import binascii
import functools
import hashlib
import random

from nimbus.protocol.http import Headers, HttpResponse

POP = "NIM1-C1"  # the one edge location nimbus has
_ERROR_PAGE = ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
               '"http://www.w3.org/TR/html4/loose.dtd">\n<HTML><HEAD><META HTTP-EQUIV="Content-Type" '
               'CONTENT="text/html; charset=iso-8859-1">\n<TITLE>ERROR: The request could not be satisfied</TITLE>\n'
               '</HEAD><BODY>\n<H1>{status} ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n'
               '<HR noshade size="1px">\n{reason}\n<BR clear="all">\n</BODY></HTML>\n')


@functools.lru_cache(maxsize=1024)
def _via(domain: str) -> str:
    server = hashlib.md5(domain.encode(), usedforsecurity=False).hexdigest()
    return f"1.1 {server}.cloudfront.net (CloudFront)"


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def request_id() -> bytes:
    """A new ``X-Amz-Cf-Id``: 56 URL-safe base64 characters as CloudFront's. It names a request and
    protects nothing, so a fast pseudo-random source (no system call per request) serves."""
    return binascii.b2a_base64(random.randbytes(42), newline=False).translate(_URL_SAFE)


def edge_headers(domain: str, outcome: str) -> dict[str, str]:
    return {"x-cache": f"{outcome} from cloudfront", "via": _via(domain),
            "x-amz-cf-pop": POP, "x-amz-cf-id": request_id().decode("ascii")}


def error_page(status: int, reason: str) -> HttpResponse:
    body = _ERROR_PAGE.format(status=status, reason=reason).encode()
    headers = {"content-type": "text/html", "content-length": str(len(body)), "server": "CloudFront",
               **edge_headers("nimbus", "Error")}
    return HttpResponse(status, Headers(headers), body)
