"""Headers every response carries: the request id, in the spelling each service family uses."""
from __future__ import annotations

import base64
import functools
import hashlib

from botocore.model import ServiceModel

from nimbus.protocol.http import Headers


@functools.cache
def is_s3(service_model: ServiceModel) -> bool:
    """S3 and S3 Control (signing name s3) share S3's request-id headers and error shape."""
    metadata = service_model.metadata
    return metadata.get("signingName", metadata.get("endpointPrefix")) == "s3"


def host_id(request_id: str) -> str:
    """S3's x-amz-id-2 / HostId: opaque to clients, stable for a request id."""
    return base64.b64encode(hashlib.sha256(request_id.encode()).digest()).decode("ascii")


def base_headers(service_model: ServiceModel, request_id: str, content_type: str | None = None) -> Headers:
    headers = Headers()
    if is_s3(service_model):
        headers["x-amz-request-id"] = request_id
        headers["x-amz-id-2"] = host_id(request_id)
    else:
        headers["x-amzn-requestid"] = request_id
    if content_type:
        headers["content-type"] = content_type
    return headers


def add_headers(headers: Headers, extra: dict[str, str]) -> None:
    # Not dict.update: that would bypass Headers' lower-casing of names.
    for name, value in extra.items():
        headers[name] = value
