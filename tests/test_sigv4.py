"""SigV4 verification against requests signed by botocore/boto3 themselves."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from nimbus.gateway.sigv4 import SIGNATURE_MISMATCH, AuthError, read_signature, verify_signature
from nimbus.protocol.http import HttpRequest

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLETOKEN+/="
ENDPOINT = "http://localhost:4566"
SIGNED_AT = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
ODD_KEY = "a b/ü+~%.txt"


@pytest.fixture(autouse=True)
def frozen_signing_clock(monkeypatch):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: SIGNED_AT.replace(tzinfo=None))


def to_http(method: str, url: str, headers=(), body=b"") -> HttpRequest:
    """What the server sees: raw path and query, a Host header, the body bytes."""
    parts = urlsplit(url)
    items = [(name, value.decode() if isinstance(value, bytes) else value) for name, value in headers]
    if not any(name.lower() == "host" for name, _ in items):
        items.append(("Host", parts.netloc))
    if hasattr(body, "read"):
        body = body.read()
    return HttpRequest(method, parts.path or "/", parts.query, items, body or b"", scheme=parts.scheme)


def from_aws_request(request: AWSRequest) -> HttpRequest:
    prepared = request.prepare()
    return to_http(prepared.method, prepared.url, prepared.headers.items(), prepared.body)


def sign(method, url, service, headers=None, body=b"", signer=SigV4Auth, token=None, region="us-east-1",
         secret=SECRET) -> HttpRequest:
    request = AWSRequest(method=method, url=url, headers=headers or {}, data=body)
    signer(Credentials(AKID, secret, token), service, region).add_auth(request)
    return from_aws_request(request)


class _Captured(Exception):
    pass


def client_request(service: str, call, endpoint=ENDPOINT, config=None, token=None) -> HttpRequest:
    """The request a real boto3 client sends, caught just before it leaves."""
    client = boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", config=config,
                          aws_access_key_id=AKID, aws_secret_access_key=SECRET, aws_session_token=token)

    def intercept(request, **kwargs):
        raise _Captured(request)

    client.meta.events.register("before-send", intercept)
    with pytest.raises(_Captured) as caught:
        call(client)
    sent = caught.value.args[0]
    return to_http(sent.method, sent.url, sent.headers.items(), sent.body)


def presigned(service_url: str, method="GET", headers=()) -> HttpRequest:
    return to_http(method, service_url, headers)


def s3_presigned_url(operation="get_object", params=None, expires=3600, token=None) -> str:
    # Without asking for s3v4, botocore presigns this endpoint with the legacy SigV2.
    client = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id=AKID,
                          aws_secret_access_key=SECRET, aws_session_token=token,
                          config=Config(signature_version="s3v4"))
    return client.generate_presigned_url(operation, Params=params or {"Bucket": "bucket", "Key": ODD_KEY},
                                         ExpiresIn=expires)


def sts_presigned_request(expires=60) -> HttpRequest:
    # How EKS tokens and similar "prove who you are" URLs are built.
    request = AWSRequest(method="GET", url="https://sts.amazonaws.com/",
                         params={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
                         headers={"x-k8s-aws-id": "my-cluster"})
    SigV4QueryAuth(Credentials(AKID, SECRET), "sts", "us-east-1", expires=expires).add_auth(request)
    return to_http("GET", request.url, [("x-k8s-aws-id", "my-cluster"), ("Host", "sts.amazonaws.com")])


def verify(request: HttpRequest, secret=SECRET, now=SIGNED_AT):
    info = read_signature(request)
    assert info is not None
    verify_signature(request, info, secret, now)
    return info


def rejection(request: HttpRequest, secret=SECRET, now=SIGNED_AT) -> AuthError:
    with pytest.raises(AuthError) as caught:
        verify(request, secret, now)
    return caught.value


def sts_post(**kwargs) -> HttpRequest:
    return sign("POST", ENDPOINT + "/", "sts", body=b"Action=GetCallerIdentity&Version=2011-06-15",
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, **kwargs)


def kms_request() -> HttpRequest:
    return client_request("kms", lambda kms: kms.describe_key(KeyId="alias/my key"))


# --- valid requests -------------------------------------------------------------------------------

def test_sts_query_post_verifies():
    info = verify(sts_post())
    assert (info.access_key_id, info.region, info.service) == (AKID, "us-east-1", "sts")
    assert info.date == SIGNED_AT
    assert not info.presigned and info.expires is None and info.session_token is None
    assert "host" in info.signed_headers and "x-amz-date" in info.signed_headers


def test_kms_json_from_boto3_verifies():
    request = kms_request()
    assert request.headers["x-amz-target"] == "TrentService.DescribeKey"
    assert verify(request).service == "kms"


def test_rest_json_path_is_double_encoded_like_boto3():
    arn = "arn:aws:lambda:us-east-1:000000000000:function:f"
    request = client_request("lambda", lambda aws: aws.invoke(FunctionName=arn, Payload=b"{}"))
    assert "%3A" in request.path
    verify(request)


@pytest.mark.parametrize("key", [ODD_KEY, "plain.txt", "dir/%2F/x", "  spaces  ", "日本/ü=?&#.bin"])
def test_s3_put_and_get_with_odd_keys_verify(key):
    put = client_request("s3", lambda s3: s3.put_object(Bucket="bucket", Key=key, Body=b"hello"))
    info = verify(put)
    assert info.service == "s3"
    assert info.payload_hash == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    verify(client_request("s3", lambda s3: s3.get_object(Bucket="bucket", Key=key)))


def test_s3_query_parameters_verify():
    listing = client_request("s3", lambda s3: s3.list_objects_v2(Bucket="bucket", Prefix="a b/ü+", Delimiter="/"))
    assert "prefix=" in listing.query_string
    verify(listing)
    uploads = client_request("s3", lambda s3: s3.create_multipart_upload(Bucket="bucket", Key=ODD_KEY))
    assert uploads.query_string == "uploads"  # a bare key, signed as "uploads="
    verify(uploads)


def test_empty_and_repeated_query_values_verify():
    url = ENDPOINT + "/?b=2&a=&b=1&c=x%20y&d=%E2%9C%93"
    verify(sign("GET", url, "execute-api"))


def test_query_is_canonicalized_not_taken_as_sent():
    # Some SDKs send form-style "+" for spaces and escape "~" yet sign the canonical encoding.
    request = sign("GET", ENDPOINT + "/?q=a%20b~c&Action=Search", "execute-api")
    request.query_string = "Action=Search&q=a+b%7Ec"
    verify(request)


def test_s3_unsigned_payload_verifies():
    config = Config(s3={"payload_signing_enabled": False}, request_checksum_calculation="when_required")
    request = client_request("s3", lambda s3: s3.put_object(Bucket="bucket", Key=ODD_KEY, Body=b"data"),
                             endpoint="https://localhost:4566", config=config)
    assert request.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    request.body = b"anything goes when the payload is unsigned"
    verify(request)


def test_s3_streaming_payload_verifies():
    # Over https with payload signing off, botocore uploads aws-chunked with a trailing checksum.
    request = client_request("s3", lambda s3: s3.put_object(Bucket="bucket", Key=ODD_KEY, Body=b"hello"),
                             endpoint="https://localhost:4566", config=Config(s3={"payload_signing_enabled": False}))
    assert request.headers["x-amz-content-sha256"].startswith("STREAMING-")
    verify(request)


def test_session_token_is_read_and_signed():
    info = verify(client_request("kms", lambda kms: kms.list_keys(), token=TOKEN))
    assert info.session_token == TOKEN
    assert "x-amz-security-token" in info.signed_headers
    s3 = verify(client_request("s3", lambda s3: s3.get_object(Bucket="bucket", Key=ODD_KEY), token=TOKEN))
    assert s3.session_token == TOKEN


def test_date_header_instead_of_x_amz_date_verifies():
    request = sign("GET", ENDPOINT + "/", "sts", headers={"Date": "Mon, 01 Jan 2024 11:00:00 GMT"})
    assert "x-amz-date" not in request.headers
    assert verify(request).date == SIGNED_AT


def test_repeated_header_and_untrimmed_whitespace_verify():
    request = AWSRequest(method="GET", url=ENDPOINT + "/", headers={"X-Custom": "  spaced    out  value "})
    request.headers["X-Multi"] = "one"
    request.headers["X-Multi"] = "two"  # botocore's headers keep both values
    SigV4Auth(Credentials(AKID, SECRET), "sts", "us-east-1").add_auth(request)
    # Taken from the signed headers: botocore's own sender would collapse the repeat.
    received = to_http("GET", request.url, request.headers.items())
    assert received.headers["x-multi"] == "one, two"
    verify(received)


def test_headers_botocore_would_not_sign_still_verify():
    class SignsUserAgent(SigV4Auth):  # like SDKs that sign every header they send
        def headers_to_sign(self, request):
            headers = super().headers_to_sign(request)
            headers["user-agent"] = request.headers["User-Agent"]
            return headers

    request = sign("GET", ENDPOINT + "/", "sts", headers={"User-Agent": "curl/8"}, signer=SignsUserAgent)
    assert "user-agent" in verify(request).signed_headers


def test_s3_presigned_url_verifies():
    url = s3_presigned_url()
    info = verify(presigned(url))
    assert info.presigned and info.expires == 3600 and info.payload_hash is None
    assert info.signed_headers == ["host"]


def test_s3_presigned_put_with_session_token_verifies():
    url = s3_presigned_url("put_object", {"Bucket": "bucket", "Key": "k"}, token=TOKEN)
    request = to_http("PUT", url, body=b"any body: presigned payloads are unsigned")
    assert verify(request).session_token == TOKEN


def test_sts_presigned_url_verifies():
    info = verify(sts_presigned_request())
    assert (info.service, info.presigned, info.expires) == ("sts", True, 60)


def test_presigned_url_verifies_until_it_expires():
    request = presigned(s3_presigned_url(expires=60))
    verify(request, now=SIGNED_AT + timedelta(seconds=60))
    assert rejection(request, now=SIGNED_AT + timedelta(seconds=61)).code == "AccessDenied"


# --- rejected requests ---------------------------------------------------------------------------

def assert_mismatch(error: AuthError):
    assert (error.code, error.status, error.message) == ("SignatureDoesNotMatch", 403, SIGNATURE_MISMATCH)


def test_tampered_body_fails():
    request = kms_request()
    request.body = request.body.replace(b"alias/my key", b"alias/your-key")
    assert_mismatch(rejection(request))


def test_tampered_header_fails():
    request = kms_request()
    request.headers["x-amz-target"] = "TrentService.ScheduleKeyDeletion"
    assert_mismatch(rejection(request))


def test_tampered_path_and_query_fail():
    put = client_request("s3", lambda s3: s3.put_object(Bucket="bucket", Key=ODD_KEY, Body=b"hello"))
    put.path = put.path.replace("%20", "+")
    assert_mismatch(rejection(put))
    listing = client_request("s3", lambda s3: s3.list_objects_v2(Bucket="bucket", Prefix="a"))
    listing.query_string = listing.query_string.replace("prefix=a", "prefix=b")
    assert_mismatch(rejection(listing))


def test_wrong_secret_fails():
    request = sts_post()
    verify(request)  # the right secret's key is now cached; the wrong one must not reuse it
    assert_mismatch(rejection(request, secret="not-the-secret"))


def test_wrong_region_scope_fails():
    request = sts_post()
    request.headers["authorization"] = request.headers["authorization"].replace("/us-east-1/", "/eu-west-1/")
    assert read_signature(request).region == "eu-west-1"
    assert_mismatch(rejection(request))


def test_scope_region_is_the_signers_own():
    assert verify(sts_post(region="eu-central-1")).region == "eu-central-1"


def test_s3_mismatch_carries_debugging_fields():
    error = rejection(client_request("s3", lambda s3: s3.get_object(Bucket="bucket", Key=ODD_KEY)), secret="x")
    assert_mismatch(error)
    assert error.fields["AWSAccessKeyId"] == AKID
    assert error.fields["CanonicalRequest"].startswith("GET\n/bucket/a%20b/%C3%BC%2B~%25.txt\n")
    assert error.fields["StringToSign"].startswith("AWS4-HMAC-SHA256\n20240101T120000Z\n")


def test_tampered_presigned_url_fails():
    url = s3_presigned_url()
    assert_mismatch(rejection(presigned(url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200"))))
    assert_mismatch(rejection(presigned(url, method="DELETE")))


@pytest.mark.parametrize("skew", [timedelta(minutes=16), -timedelta(minutes=16)])
def test_stale_or_future_date_fails(skew):
    request = kms_request()
    verify(request, now=SIGNED_AT + skew / 16 * 14)
    error = rejection(request, now=SIGNED_AT + skew)
    assert (error.code, error.status) == ("RequestExpired", 400)
    assert "20240101T120000Z" in error.message


def test_s3_stale_date_is_time_too_skewed():
    request = client_request("s3", lambda s3: s3.get_object(Bucket="bucket", Key="k"))
    error = rejection(request, now=SIGNED_AT + timedelta(hours=1))
    assert (error.code, error.status) == ("RequestTimeTooSkewed", 403)
    assert error.fields["MaxAllowedSkewMilliseconds"] == "900000"


def test_expired_presigned_urls_fail():
    s3 = rejection(presigned(s3_presigned_url(expires=60)), now=SIGNED_AT + timedelta(minutes=5))
    assert (s3.code, s3.status, s3.message) == ("AccessDenied", 403, "Request has expired")
    sts = rejection(sts_presigned_request(expires=60), now=SIGNED_AT + timedelta(minutes=5))
    assert (sts.code, sts.status) == ("RequestExpired", 400)


def test_presigned_expiry_beyond_a_week_is_invalid():
    error = rejection(presigned(s3_presigned_url(expires=604801)))
    assert (error.code, error.status) == ("AuthorizationQueryParametersError", 400)
    verify(presigned(s3_presigned_url(expires=604800)))


def test_s3_content_sha256_mismatch_fails():
    request = client_request("s3", lambda s3: s3.put_object(Bucket="bucket", Key="k", Body=b"hello"))
    request.body = b"HELLO"
    error = rejection(request)
    assert (error.code, error.status) == ("XAmzContentSHA256Mismatch", 400)
    assert error.fields["S3ComputedContentSHA256"] != error.fields["ClientComputedContentSHA256"]


def test_non_s3_content_sha256_mismatch_fails():
    request = sign("POST", ENDPOINT + "/", "kms", body=b"{}", headers={"X-Amz-Content-SHA256": "0" * 64})
    assert_mismatch(rejection(request))


# --- reading the signature -----------------------------------------------------------------------

def test_unsigned_requests_have_no_signature():
    assert read_signature(HttpRequest("GET", "/bucket/key", headers={"Host": "localhost"})) is None
    assert read_signature(HttpRequest("GET", "/bucket", "list-type=2&prefix=x")) is None
    form = HttpRequest("POST", "/", body=b"Action=ListUsers", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert read_signature(form) is None


GOOD_CREDENTIAL = f"Credential={AKID}/20240101/us-east-1/sts/aws4_request"


@pytest.mark.parametrize("authorization, code", [
    ("", "IncompleteSignature"),
    ("AWS4-HMAC-SHA256", "IncompleteSignature"),
    ("Bearer abc.def", "IncompleteSignature"),
    (f"AWS {AKID}:c2lnbmF0dXJl", "IncompleteSignature"),
    (f"AWS4-HMAC-SHA256 {GOOD_CREDENTIAL}, Signature=abc", "IncompleteSignature"),
    ("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts, SignedHeaders=host, Signature=abc",
     "IncompleteSignature"),
    ("AWS4-HMAC-SHA256 Credential=AKID/2024-1-1/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc",
     "IncompleteSignature"),
    ("AWS4-HMAC-SHA256 Credential=AKID/20240101//sts/aws4_request, SignedHeaders=host, Signature=abc",
     "IncompleteSignature"),
    ("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, SignedHeaders=host",
     "AuthorizationHeaderMalformed"),
    ("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=abc",
     "AuthorizationHeaderMalformed"),
    ("AWS4-HMAC-SHA256 ,,,=,==", "IncompleteSignature"),
])
def test_malformed_authorization_header_raises_auth_error(authorization, code):
    request = HttpRequest("GET", "/", headers={"Host": "localhost", "X-Amz-Date": "20240101T120000Z",
                                               "Authorization": authorization})
    with pytest.raises(AuthError) as caught:
        read_signature(request)
    assert (caught.value.code, caught.value.status) == (code, 400)


@pytest.mark.parametrize("date_headers", [{}, {"X-Amz-Date": "2024-01-01T12:00:00Z"},
                                          {"X-Amz-Date": "20241301T120000Z"}, {"Date": "yesterday"}])
def test_missing_or_bad_date_raises_auth_error(date_headers):
    authorization = f"AWS4-HMAC-SHA256 {GOOD_CREDENTIAL}, SignedHeaders=host;x-amz-date, Signature=abc"
    request = HttpRequest("GET", "/", headers={"Host": "localhost", "Authorization": authorization, **date_headers})
    with pytest.raises(AuthError) as caught:
        read_signature(request)
    assert caught.value.code == "IncompleteSignature"


@pytest.mark.parametrize("drop, change", [
    ("X-Amz-Signature", None), ("X-Amz-Credential", None), ("X-Amz-Date", None), ("X-Amz-Expires", None),
    (None, ("X-Amz-Expires=3600", "X-Amz-Expires=-5")),
    (None, ("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256")),
])
def test_malformed_presigned_query_raises_auth_error(drop, change):
    parts = urlsplit(s3_presigned_url())
    query = "&".join(p for p in parts.query.split("&") if not drop or not p.startswith(drop + "="))
    if change:
        query = query.replace(*change)
    request = HttpRequest("GET", parts.path, query, {"Host": parts.netloc})
    with pytest.raises(AuthError) as caught:
        read_signature(request)
    # without the credential the service, and so S3's own code, is unknown
    expected = "IncompleteSignature" if drop == "X-Amz-Credential" else "AuthorizationQueryParametersError"
    assert (caught.value.code, caught.value.status) == (expected, 400)


def test_header_and_query_signature_together_are_rejected():
    request = presigned(s3_presigned_url())
    request.headers["Authorization"] = sts_post().headers["authorization"]
    with pytest.raises(AuthError) as caught:
        read_signature(request)
    assert (caught.value.code, caught.value.status) == ("InvalidArgument", 400)
