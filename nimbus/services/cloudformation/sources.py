"""Where a template comes from: the request's TemplateBody, or a TemplateURL naming an object in nimbus
S3 (path-style ``https://s3.amazonaws.com/<bucket>/<key>``, virtual-host ``https://<bucket>.s3.amazonaws.com/<key>``,
regional forms of both, or nimbus's own endpoint), read as the caller so S3's policies decide."""
from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .template import MAX_BODY, MAX_URL_BODY, validation_error


def s3_location(url: str) -> tuple[str, str]:
    """(bucket, key) of a TemplateURL; ValidationError for a URL that names no S3 object."""
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), unquote(parts.path).lstrip("/")
    if parts.scheme not in ("http", "https") or not host:
        raise validation_error("TemplateURL must be a supported URL.")
    for marker in (".s3.", ".s3-"):
        if marker in host and not host.startswith("s3.") and not host.startswith("s3-"):
            bucket, key = host.split(marker, 1)[0], path
            break
    else:
        bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise validation_error("TemplateURL must reference a valid S3 object to which you have access.")
    return bucket, key


def template_body(ctx: RequestContext, params: dict, required: bool = True) -> str | None:
    body, url = params.get("TemplateBody"), params.get("TemplateURL")
    if body is not None and url is not None:
        raise validation_error("Specify exactly one of TemplateBody or TemplateUrl.")
    if body is not None:
        if len(body.encode()) > MAX_BODY:
            raise validation_error(f"1 validation error detected: Value '{body[:20]}...' at 'templateBody' failed to "
                                   f"satisfy constraint: Member must have length less than or equal to {MAX_BODY}")
        return body
    if url is None:
        if required:
            raise validation_error("Either Template URL or Template Body must be specified.")
        return None
    return s3_text(ctx, url)


def s3_text(ctx: RequestContext, url: str) -> str:
    """The text of the nimbus S3 object a TemplateURL (or StackPolicyURL) names, read as the caller."""
    bucket, key = s3_location(url)
    wanted = {"Bucket": bucket, "Key": key}
    version = parse_qs(urlsplit(url).query).get("versionId")  # a version of a template in a versioned bucket
    if version:
        wanted["VersionId"] = version[0]
    try:
        output = ctx.runtime.client.call("s3", "GetObject", wanted,
                                         account_id=ctx.account_id, region=ctx.region, principal=ctx.principal)
    except ServiceError:
        raise validation_error("TemplateURL must reference a valid S3 object to which you have access.") from None
    data = output["Body"]
    data = data if isinstance(data, (bytes, bytearray)) else b"".join(data)
    if len(data) > MAX_URL_BODY:
        raise validation_error(f"Template may not exceed {MAX_URL_BODY} bytes in size.")
    try:
        return bytes(data).decode()
    except UnicodeDecodeError:
        raise validation_error("Template format error: the template is not UTF-8 text.") from None
