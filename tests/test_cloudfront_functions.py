"""CloudFront Functions through boto3 and at the edge: the DEVELOPMENT and LIVE stages, TestFunction's
result (output, logs, compute utilization, errors), AWS's limits, and viewer-request and viewer-response
functions that rewrite a URI, redirect and add headers, run in V8; a throwing or runaway function is a 503."""
from __future__ import annotations

import json

import pytest
import requests

from tests.support import distribution_config, error_of, legacy_behaviour, public_origin_bucket, s3_origin, unique

REWRITE = b"""
function handler(event) {
  var request = event.request;
  console.log('asked for ' + request.uri);
  if (request.uri.endsWith('/')) { request.uri += 'index.html'; }
  if (request.uri === '/old') {
    return {statusCode: 302, statusDescription: 'Found', headers: {location: {value: '/new'}}};
  }
  request.querystring.lang = {value: 'en'};
  return request;
}
"""
STAMP = b"""
async function handler(event) {
  const response = event.response;
  response.headers['x-served-for'] = {value: event.request.uri + ' ' + event.response.statusCode};
  return response;
}
"""


def viewer_event(uri: str, event_type: str = "viewer-request") -> bytes:
    event = {"version": "1.0", "context": {"eventType": event_type}, "viewer": {"ip": "198.51.100.7"},
             "request": {"method": "GET", "uri": uri, "querystring": {}, "headers": {}, "cookies": {}}}
    if event_type == "viewer-response":
        event["response"] = {"statusCode": 200, "statusDescription": "OK", "headers": {}, "cookies": {}}
    return json.dumps(event).encode()


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront")


def published(cloudfront, code: bytes, runtime: str = "cloudfront-js-2.0") -> str:
    """A new function, published: its ARN."""
    name = unique("fn")
    etag = cloudfront.create_function(Name=name, FunctionConfig={"Comment": "", "Runtime": runtime},
                                      FunctionCode=code)["ETag"]
    return cloudfront.publish_function(Name=name, IfMatch=etag)["FunctionSummary"]["FunctionMetadata"]["FunctionARN"]


def test_stages_and_test_function(cloudfront):
    name = unique("fn")
    config = {"Comment": "rewrite", "Runtime": "cloudfront-js-1.0"}
    created = cloudfront.create_function(Name=name, FunctionConfig=config, FunctionCode=REWRITE)
    summary = created["FunctionSummary"]
    assert (summary["Status"], summary["FunctionMetadata"]["Stage"]) == ("UNPUBLISHED", "DEVELOPMENT")
    assert summary["FunctionMetadata"]["FunctionARN"].endswith(f":function/{name}")
    assert error_of(cloudfront.create_function, Name=name, FunctionConfig=config, FunctionCode=REWRITE) \
        == ("FunctionAlreadyExists", 409)
    assert cloudfront.get_function(Name=name)["FunctionCode"].read() == REWRITE
    assert error_of(cloudfront.describe_function, Name=name, Stage="LIVE") == ("NoSuchFunctionExists", 404)

    tested = cloudfront.test_function(Name=name, IfMatch=created["ETag"], EventObject=viewer_event("/docs/"))
    result = tested["TestResult"]
    assert json.loads(result["FunctionOutput"])["request"]["uri"] == "/docs/index.html"
    assert result["FunctionExecutionLogs"] == ["asked for /docs/"]
    assert 1 <= int(result["ComputeUtilization"]) <= 100 and "FunctionErrorMessage" not in result
    redirect = cloudfront.test_function(Name=name, IfMatch=created["ETag"], EventObject=viewer_event("/old"))
    assert json.loads(redirect["TestResult"]["FunctionOutput"])["response"]["statusCode"] == 302

    etag = cloudfront.update_function(Name=name, IfMatch=created["ETag"], FunctionConfig=config,
                                      FunctionCode=b"function handler(e) { throw new Error('nope'); }")["ETag"]
    failed = cloudfront.test_function(Name=name, IfMatch=etag, EventObject=viewer_event("/"))["TestResult"]
    assert failed["FunctionErrorMessage"] == "Error: nope" and "FunctionOutput" not in failed
    live = cloudfront.publish_function(Name=name, IfMatch=etag)["FunctionSummary"]
    assert (live["Status"], live["FunctionMetadata"]["Stage"]) == ("UNASSOCIATED", "LIVE")
    names = [f["Name"] for f in cloudfront.list_functions(Stage="LIVE")["FunctionList"]["Items"]]
    assert name in names
    assert error_of(cloudfront.delete_function, Name=name, IfMatch="EOLD") == ("PreconditionFailed", 412)
    cloudfront.delete_function(Name=name, IfMatch=etag)
    assert error_of(cloudfront.describe_function, Name=name) == ("NoSuchFunctionExists", 404)


def test_limits_and_bad_code(cloudfront):
    config = {"Comment": "", "Runtime": "cloudfront-js-2.0"}
    def create(code: bytes):
        return error_of(cloudfront.create_function, Name=unique("fn"), FunctionConfig=config, FunctionCode=code)

    assert create(b"function handler(event) {") == ("InvalidArgument", 400)
    assert create(b"var notAHandler = 1;") == ("InvalidArgument", 400)
    assert create(b"function handler(e) { return e.request; }\n" + b"//" * 5200) == ("FunctionSizeLimitExceeded", 413)
    name = unique("fn")
    etag = cloudfront.create_function(Name=name, FunctionConfig=config,
                                      FunctionCode=b"function handler(e) { for (;;) {} }")["ETag"]
    runaway = cloudfront.test_function(Name=name, IfMatch=etag, EventObject=viewer_event("/"))["TestResult"]
    assert runaway["ComputeUtilization"] == "100" and "compute" in runaway["FunctionErrorMessage"]


def test_functions_at_the_edge(cloudfront, aws, endpoint):
    s3 = aws("s3")
    bucket = public_origin_bucket(s3, "fn")
    s3.put_object(Bucket=bucket, Key="docs/index.html", Body=b"<h1>docs</h1>", ContentType="text/html")
    rewrite, stamp = published(cloudfront, REWRITE), published(cloudfront, STAMP)
    broken = published(cloudfront, b"function handler(e) { return e.request.nothing.here; }")
    runaway = published(cloudfront, b"function handler(e) { while (true) {} }")

    def with_functions(pattern: str | None, **events: str) -> dict:
        items = [{"EventType": e.replace("_", "-"), "FunctionARN": arn} for e, arn in events.items()]
        behaviour = {**legacy_behaviour("s3", query_string=True),
                     "FunctionAssociations": {"Quantity": len(items), "Items": items}}
        return behaviour if pattern is None else {**behaviour, "PathPattern": pattern}

    unpublished = unique("fn")
    cloudfront.create_function(Name=unpublished, FunctionConfig={"Comment": "", "Runtime": "cloudfront-js-2.0"},
                               FunctionCode=STAMP)
    bad = with_functions("/x/*", viewer_request=rewrite.replace(rewrite.rpartition("/")[2], unpublished))
    assert error_of(cloudfront.create_distribution, DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], legacy_behaviour("s3"), [bad])) == ("InvalidFunctionAssociation", 400)

    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], with_functions(None, viewer_request=rewrite, viewer_response=stamp),
        [with_functions("/broken/*", viewer_request=broken), with_functions("/slow/*", viewer_request=runaway)]
    ))["Distribution"]
    base = f"{endpoint}/_cloudfront/{distribution['Id']}"

    page = requests.get(f"{base}/docs/", timeout=30)
    assert (page.status_code, page.text) == (200, "<h1>docs</h1>")
    assert page.headers["X-Served-For"] == "/docs/index.html 200"
    # The function's query string is the cache key's: ?lang=en, whatever the viewer asked.
    assert requests.get(f"{base}/docs/?lang=fr", timeout=30).headers["X-Cache"] == "Hit from cloudfront"

    moved = requests.get(f"{base}/old", allow_redirects=False, timeout=30)
    assert (moved.status_code, moved.headers["Location"]) == (302, "/new")
    assert moved.headers["X-Cache"] == "FunctionGeneratedResponse from cloudfront"
    for path in ("/broken/a", "/slow/a"):
        failed = requests.get(f"{base}{path}", timeout=30)
        assert failed.status_code == 503 and "could not be satisfied" in failed.text

    name = rewrite.rpartition("/")[2]
    etag = cloudfront.describe_function(Name=name)["ETag"]
    assert cloudfront.describe_function(Name=name, Stage="LIVE")["FunctionSummary"]["Status"] == "DEPLOYED"
    assert error_of(cloudfront.delete_function, Name=name, IfMatch=etag) == ("FunctionInUse", 409)
