"""What the edge itself answers with: CloudFront's HTML error page and the headers every response carries
(``X-Cache``, ``Via``, ``X-Amz-Cf-Pop``, ``X-Amz-Cf-Id``)."""
from __future__ import annotations

import base64
import functools
import hashlib
import os

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


def edge_headers(domain: str, outcome: str) -> dict[str, str]:
    return {"x-cache": f"{outcome} from cloudfront", "via": _via(domain),
            "x-amz-cf-pop": POP, "x-amz-cf-id": base64.urlsafe_b64encode(os.urandom(42)).decode()}


def error_page(status: int, reason: str) -> HttpResponse:
    body = _ERROR_PAGE.format(status=status, reason=reason).encode()
    headers = {"content-type": "text/html", "content-length": str(len(body)), "server": "CloudFront",
               **edge_headers("nimbus", "Error")}
    return HttpResponse(status, Headers(headers), body)
