"""S3 website endpoints as origins (``<bucket>.s3-website-<region>.amazonaws.com`` or
``<bucket>.s3-website.<region>.amazonaws.com``): CloudFront reaches them as any anonymous HTTP client, so
the edge asks nimbus's own S3 website endpoint, which answers index documents, error documents and
redirects from the bucket's website configuration exactly as it answers a browser. No model operation
describes a website request, so this goes to S3's website handler rather than through the internal client."""
from __future__ import annotations

import re

from nimbus.protocol.http import Headers, HttpRequest, HttpResponse

WEBSITE_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9.\-]*?\.s3-website[.\-][a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com$",
                            re.IGNORECASE)


def from_website(runtime, domain: str, method: str, path: str) -> HttpResponse:
    request = HttpRequest(method=method, path=path or "/", headers=Headers({"host": domain}),
                          source_ip="127.0.0.1")
    answer = runtime.services.get("s3").provider.handle_raw(request)
    if method == "HEAD":
        answer.body = b""
    return answer
