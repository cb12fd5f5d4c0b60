"""Browser uploads: a multipart/form-data POST to a bucket (boto3's ``generate_presigned_post``).

Such a request carries no signed headers: the form's ``policy`` (base64 JSON: an expiration and
conditions) is what the uploader's key signed, with SigV4 (``x-amz-signature``) or SigV2
(``signature``). The form is parsed within fixed bounds before any key is looked up; then the
signature, then the policy's conditions, and finally the upload runs as PutObject for the signer
through the dispatcher, so IAM, bucket policies and API-call records apply as to any other write.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

from nimbus.core.arns import DEFAULT_ACCOUNT, DEFAULT_REGION
from nimbus.core.context import RequestContext
from nimbus.core.identity import anonymous_principal, root_principal
from nimbus.gateway.sigv4 import SIGNATURE_MISMATCH, signing_key
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse
from nimbus.services.s3.post_policy import check_policy

# AWS reads at most 20 KB of form fields before the file.
MAX_FIELDS_BYTES = 20 * 1024
# Fields that are never matched against the policy's conditions.
_UNCHECKED = frozenset({"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"})
# Form fields that become PutObject members.
_MEMBERS = {"content-type": "ContentType", "cache-control": "CacheControl", "content-disposition":
            "ContentDisposition", "content-encoding": "ContentEncoding", "acl": "ACL",
            "x-amz-storage-class": "StorageClass", "x-amz-server-side-encryption": "ServerSideEncryption",
            "x-amz-server-side-encryption-aws-kms-key-id": "SSEKMSKeyId",
            "x-amz-website-redirect-location": "WebsiteRedirectLocation"}


def _invalid_policy(message: str) -> ServiceError:
    return ServiceError("InvalidPolicyDocument", f"Invalid Policy: {message}", status=400)


def read_form(request: HttpRequest, limit: int) -> tuple[dict[str, str], str, bytes]:
    """The fields before the file (lower-cased names), the file's name and its bytes."""
    boundary = _boundary(request.headers.get("content-type", ""))
    if request.body_size() > limit:
        raise ServiceError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                           status=400, MaxSizeAllowed=str(limit))
    if request.body_file is not None:
        request.body_file.seek(0)
        body = request.body_file.read()
    else:
        body = request.body
    fields: dict[str, str] = {}
    seen = 0
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.partition(b"\r\n\r\n")
        data = data[:-2] if data.endswith(b"\r\n") else data
        name, filename = _disposition(head)
        if name == "file":
            return fields, filename or "", data
        seen += len(part)
        if seen > MAX_FIELDS_BYTES:
            raise ServiceError("MaxPostPreDataLengthExceeded", "Your POST request fields preceeding the upload "
                               "file was too large.", status=400, MaxPostPreDataLength=str(MAX_FIELDS_BYTES))
        fields[name] = data.decode("utf-8", "replace")
    raise ServiceError("InvalidArgument", "POST requires exactly one file upload per request.", status=400,
                       ArgumentName="file", ArgumentValue="0")


def _boundary(content_type: str) -> bytes:
    for piece in content_type.split(";")[1:]:
        name, _, value = piece.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip('"').encode("latin-1")
    raise ServiceError("MalformedPOSTRequest", "The body of your POST request is not well-formed "
                       "multipart/form-data.", status=400)


def _disposition(head: bytes) -> tuple[str, str | None]:
    for line in head.decode("utf-8", "replace").split("\r\n"):
        label, _, value = line.partition(":")
        if label.strip().lower() != "content-disposition":
            continue
        params = {}
        for piece in value.split(";")[1:]:
            key, _, val = piece.strip().partition("=")
            params[key.lower()] = val.strip('"')
        return params.get("name", "").lower(), params.get("filename")
    raise ServiceError("MalformedPOSTRequest", "The body of your POST request is not well-formed "
                       "multipart/form-data.", status=400)


def _signer(runtime, fields: dict[str, str]):
    """(principal, account, region) of the key that signed the policy; anonymous without a policy."""
    if "policy" not in fields:
        return anonymous_principal(), DEFAULT_ACCOUNT, DEFAULT_REGION
    policy = fields["policy"].encode()
    if "x-amz-signature" in fields:
        credential = fields.get("x-amz-credential", "").split("/")
        if len(credential) != 5 or fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
            raise _invalid_policy("Policy Condition failed: [\"eq\", \"$x-amz-credential\"]")
        access_key, date, region = credential[0], credential[1], credential[2]
        provided = fields["x-amz-signature"]

        def expected(secret: str) -> str:
            return hmac.new(signing_key(secret, date, region, "s3"), policy, hashlib.sha256).hexdigest()
    elif "signature" in fields and "awsaccesskeyid" in fields:
        access_key, region, provided = fields["awsaccesskeyid"], DEFAULT_REGION, fields["signature"]

        def expected(secret: str) -> str:
            return base64.b64encode(hmac.new(secret.encode(), policy, hashlib.sha1).digest()).decode()
    else:
        raise ServiceError("InvalidArgument", "Bucket POST must contain a field named 'AWSAccessKeyId'.  If it "
                           "is specified, please check the order of the fields.", status=400,
                           ArgumentName="AWSAccessKeyId", ArgumentValue="")
    credential = runtime.credentials.lookup(access_key)
    if credential is None:
        if runtime.config.strict_auth:
            raise ServiceError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our "
                               "records.", status=403, AWSAccessKeyId=access_key)
        account = runtime.credentials.implied_account(access_key) or DEFAULT_ACCOUNT
        return root_principal(account, access_key), account, region
    if not hmac.compare_digest(expected(credential.secret_access_key).encode(), provided.encode()) \
            or credential.status != "Active":
        raise ServiceError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, status=403, AWSAccessKeyId=access_key)
    if credential.session_token is not None:
        if fields.get("x-amz-security-token") != credential.session_token:
            raise ServiceError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our "
                               "records.", status=403, AWSAccessKeyId=access_key)
        if credential.expiration is not None and runtime.clock.time() >= credential.expiration:
            raise ServiceError("ExpiredToken", "The provided token has expired.", status=400)
    return credential.principal, credential.principal.account_id, region


def _now_as_signed(runtime, fields: dict[str, str]) -> float:
    """"Now" in the signer's frame of time, as for presigned URLs: the policy's expiration is a real time,
    and the form ages through the virtual clock's jumps since it was signed (a SigV2 form carries no
    signing time: it ages by real time)."""
    signed_at = time.time()
    try:
        stamp = datetime.strptime(fields.get("x-amz-date", ""), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        # x-amz-date drops the fraction of its second: a jump made earlier in that second preceded the signing.
        signed_at = stamp + 0.999
    except ValueError:
        pass
    return signed_at + runtime.clock.time() - runtime.clock.virtual_at(signed_at)


def _put_params(bucket: str, key: str, fields: dict[str, str], data: bytes) -> dict:
    params = {"Bucket": bucket, "Key": key, "Body": io.BytesIO(data), "ContentLength": len(data)}
    params.update({member: fields[name] for name, member in _MEMBERS.items() if fields.get(name)})
    if fields.get("expires"):
        try:
            params["Expires"] = datetime.strptime(fields["expires"], "%a, %d %b %Y %H:%M:%S %Z")
        except ValueError:
            pass  # S3 keeps an unreadable Expires as it came; nimbus drops it
    metadata = {name[len("x-amz-meta-"):]: value for name, value in fields.items() if name.startswith("x-amz-meta-")}
    if metadata:
        params["Metadata"] = metadata
    return params


def handle_form_upload(provider, request: HttpRequest) -> HttpResponse:
    runtime = provider.runtime
    bucket = request.decoded_path.lstrip("/").split("/", 1)[0]
    fields, filename, data = read_form(request, runtime.config.max_body_bytes)
    principal, account, region = _signer(runtime, fields)
    if "key" not in fields:
        raise ServiceError("InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is specified, "
                           "please check the order of the fields.", status=400, ArgumentName="key",
                           ArgumentValue="")
    key = fields["key"].replace("${filename}", filename)
    if "policy" in fields:
        checked = {name: value for name, value in fields.items()
                   if name not in _UNCHECKED and not name.startswith("x-ignore-")}
        check_policy(fields["policy"], {**checked, "bucket": bucket, "key": key}, len(data),
                     _now_as_signed(runtime, fields))
    service = runtime.services.get("s3")
    operation = service.model.operation_model("PutObject")
    ctx = RequestContext(runtime=runtime, request_id=uuid.uuid4().hex, service="s3", operation="PutObject",
                         account_id=account, region=region, principal=principal, protocol="rest-xml",
                         source_ip=request.source_ip, user_agent=request.headers.get("user-agent", ""),
                         request=request, service_model=service.model, operation_model=operation)
    output = runtime.dispatcher.invoke(ctx, params=_put_params(bucket, key, fields, data))
    return _answer(request, bucket, key, output["ETag"], fields)


def _answer(request: HttpRequest, bucket: str, key: str, etag: str, fields: dict[str, str]) -> HttpResponse:
    location = f"http://{request.host}/{bucket}/{quote(key)}"
    headers = Headers({"etag": etag, "location": location})
    redirect = fields.get("success_action_redirect") or fields.get("redirect")
    if redirect:
        joiner = "&" if "?" in redirect else "?"
        target = redirect + joiner + urlencode({"bucket": bucket, "key": key, "etag": etag})
        return HttpResponse(303, Headers({**headers, "location": target, "content-length": "0"}), b"")
    status = fields.get("success_action_status")
    if status == "201":
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>{escape(location)}</Location>'
                f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(key)}</Key><ETag>{escape(etag)}</ETag>"
                "</PostResponse>").encode()
        return HttpResponse(201, Headers({**headers, "content-type": "application/xml",
                                          "content-length": str(len(body))}), body)
    return HttpResponse(200 if status == "200" else 204, Headers({**headers, "content-length": "0"}), b"")
