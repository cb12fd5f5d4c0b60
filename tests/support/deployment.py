"""CloudFormation stacks and CloudFront distributions."""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.support.basics import advance_clock, unique
from tests.support.storage import new_bucket, open_to_anyone

# --- CloudFormation ------------------------------------------------------------------------------

def settled_stack(cf, name: str, timeout: float = 60.0, waiting: Callable[[], object] | None = None) -> dict:
    """The stack once its operation has ended (whatever the outcome), as DescribeStacks shows it;
    ``waiting`` runs between polls (to move the virtual clock for what the stack waits for)."""
    deadline = time.monotonic() + timeout
    while True:
        stack = cf.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        assert time.monotonic() < deadline, f"{name} still {stack['StackStatus']}"
        if waiting is not None:
            waiting()
        time.sleep(0.1)


def settled_as_clock_moves(cf, name: str, endpoint: str, seconds: float, timeout: float = 60.0) -> dict:
    """The stack once its operation has ended, moving the virtual clock ``seconds`` on until it has: for a
    timeout that starts when a background step begins, which a loaded machine may delay past one jump."""
    deadline = time.monotonic() + timeout
    while True:
        advance_clock(endpoint, seconds)
        time.sleep(0.5)
        stack = cf.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        assert time.monotonic() < deadline, f"{name} still {stack['StackStatus']}"


def stack_events(cf, name: str) -> list[tuple[str, str, str]]:
    """(logical id, status, reason) of every event, oldest first."""
    events = cf.describe_stack_events(StackName=name)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", "")) for e in reversed(events)]


def stack_resources(cf, name: str) -> dict[str, str]:
    """Logical id -> physical id of the stack's resources."""
    summaries = cf.list_stack_resources(StackName=name)["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in summaries}


def handler_api(aws, account: str, region: str = "us-east-1"):
    """A resource handler's ``Api`` whose calls go to the server through boto3 as ``aws`` (the test's account),
    their errors raised as the internal client raises them: for calling a handler's hooks (``read``) directly."""
    from botocore import xform_name
    from botocore.exceptions import ClientError

    from nimbus.protocol.errors import ServiceError
    from nimbus.services.cloudformation.handlers.base import Api

    def call(service: str, operation: str, params: dict) -> dict:
        try:
            answer = getattr(aws(service), xform_name(operation))(**params)
        except ClientError as error:
            raise ServiceError(error.response["Error"]["Code"], error.response["Error"]["Message"]) from None
        answer.pop("ResponseMetadata", None)
        return answer
    return Api(call, account, region, "stack", "Resource")


# --- CloudFront -----------------------------------------------------------------------------------

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"  # a managed origin request policy
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"  # managed response headers policies
SIMPLE_CORS = "60669652-455b-4ae9-85a4-c4c02393f86c"


def s3_origin(origin_id: str, bucket_name: str, path: str = "") -> dict:
    return {"Id": origin_id, "DomainName": f"{bucket_name}.s3.amazonaws.com", "OriginPath": path,
            "S3OriginConfig": {"OriginAccessIdentity": ""}}


def legacy_behaviour(origin_id: str, min_ttl: int = 0, default_ttl: int = 86400, max_ttl: int = 31536000,
                     query_string: bool = False, **extra) -> dict:
    """A cache behaviour with legacy cache settings (ForwardedValues and TTLs), no cache policy."""
    return {"TargetOriginId": origin_id, "ViewerProtocolPolicy": "allow-all", "MinTTL": min_ttl,
            "DefaultTTL": default_ttl, "MaxTTL": max_ttl,
            "ForwardedValues": {"QueryString": query_string, "Cookies": {"Forward": "none"}}, **extra}


def retire(cloudfront, distribution_id: str) -> None:
    """Disable and delete a distribution, so what it used may be deleted."""
    got = cloudfront.get_distribution_config(Id=distribution_id)
    disabled = cloudfront.update_distribution(Id=distribution_id, IfMatch=got["ETag"],
                                              DistributionConfig={**got["DistributionConfig"], "Enabled": False})
    cloudfront.delete_distribution(Id=distribution_id, IfMatch=disabled["ETag"])


def distribution_config(origins: list[dict], default: dict, behaviours: list[dict] = (), **extra) -> dict:
    """A DistributionConfig: the origins, the default behaviour and path behaviours in order."""
    config = {"CallerReference": unique("ref"), "Comment": "", "Enabled": True,
              "Origins": {"Quantity": len(origins), "Items": origins}, "DefaultCacheBehavior": default,
              **extra}
    if behaviours:
        config["CacheBehaviors"] = {"Quantity": len(behaviours), "Items": list(behaviours)}
    return config


def public_origin_bucket(s3, prefix: str = "edge") -> str:
    """A bucket whose objects anyone may read: what a distribution without an origin access identity or
    control can serve, since the edge then reads as an anonymous viewer, as in AWS."""
    name = new_bucket(s3, prefix)
    open_to_anyone(s3, name)
    return name


@contextlib.contextmanager
def recording_web_origin(cache_control: str = "max-age=300"):
    """A web server on 127.0.0.1 for a distribution's custom origin: it answers every GET with
    ``answer #<n>`` and records each request's path and (lower-cased) headers. Yields (port, seen)."""
    seen: list[tuple[str, dict]] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            body = f"answer #{len(seen)}".encode()
            self.send_response(200)
            self.send_header("Cache-Control", cache_control)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


# A viewer-request function that redirects the URIs its KeyValueStore holds to the values there.
KVS_REDIRECT = b"""import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  const request = event.request;
  if (await kvs.exists(request.uri)) {
    return {statusCode: 301, statusDescription: 'Moved', headers: {location: {value: await kvs.get(request.uri)}}};
  }
  return request;
}
"""


def public_key_config(name: str) -> dict:
    """A CloudFront PublicKeyConfig named ``name``, with a new RSA 2048 key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return {"CallerReference": name, "Name": name,
            "EncodedKey": key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()}
