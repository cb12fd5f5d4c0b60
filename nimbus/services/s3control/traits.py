"""S3 Control signs as ``s3``: its ``/v20180820/`` paths, which name the account in ``x-amz-account-id``,
are told from S3's (a bucket could be named ``v20180820``)."""
from __future__ import annotations

from nimbus.core.traits import ServiceTraits
from nimbus.protocol.http import HttpRequest


def owns_request(request: HttpRequest) -> bool:
    return request.path.startswith("/v20180820/") and "x-amz-account-id" in request.headers


TRAITS = ServiceTraits(error_family="s3", owns_request=owns_request)
