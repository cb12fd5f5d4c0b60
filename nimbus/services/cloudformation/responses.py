"""Where the outside world answers a stack: presigned S3 PUT URLs into buckets CloudFormation itself owns, as
AWS's custom resources (``ResponseURL``) and wait condition handles (the signal URL) are.

The buckets belong to an account of nimbus's own (no customer account sees them), versioned so that every
signal PUT to one handle URL is kept. The URLs are signed with a key of that account, kept sealed in the
credential store like any other; they age on the virtual clock as every presigned URL does. The stack
reads the answers back through the internal client, as that account, polling until its deadline on the
virtual clock.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nimbus.core.identity import Credential, root_principal
from nimbus.protocol.errors import ServiceError

RESPONSES_ACCOUNT = "999999999999"  # CloudFormation's own: a member of no customer's organisation
_SIGNING_KEY_ID = "AKIANIMBUSCLOUDFORMATION"
POLL_SECONDS = 0.25  # real time between two looks at a pending answer
MAX_ANSWER = 4096  # bytes: AWS refuses longer custom resource responses and wait condition signals
_lock = threading.Lock()
_NOTHING_SEEN = object()


class Stopped(Exception):
    """The provider closed (a reset or shutdown) while a resource was waiting for its answer."""


def response_bucket(region: str) -> str:
    """AWS's own name for custom resources' responses in a region."""
    return f"cloudformation-custom-resource-response-{region.replace('-', '')}"


def signal_bucket(region: str) -> str:
    """AWS's own name for wait condition signals in a region."""
    return f"cloudformation-waitcondition-{region}"


class Answers:
    """One region's answer buckets, as the runtime that serves them sees them."""

    def __init__(self, runtime: Any, region: str, endpoint: str):
        self.runtime, self.region, self.endpoint = runtime, region, endpoint.rstrip("/")

    def call(self, operation: str, params: dict) -> dict:
        return self.runtime.client.call("s3", operation, params, account_id=RESPONSES_ACCOUNT, region=self.region,
                                        principal=root_principal(RESPONSES_ACCOUNT, _SIGNING_KEY_ID))

    def _ready(self, bucket: str) -> None:
        with _lock:
            try:
                self.call("CreateBucket", {"Bucket": bucket} if self.region == "us-east-1" else {
                    "Bucket": bucket, "CreateBucketConfiguration": {"LocationConstraint": self.region}})
            except ServiceError as error:
                if error.code != "BucketAlreadyOwnedByYou":
                    raise
            self.call("PutBucketVersioning", {"Bucket": bucket, "VersioningConfiguration": {"Status": "Enabled"}})

    def _signing_key(self) -> Credentials:
        credentials = self.runtime.credentials
        with _lock:
            known = credentials.lookup(_SIGNING_KEY_ID)
            if known is None:
                known = Credential(_SIGNING_KEY_ID, secrets.token_urlsafe(30),
                                   root_principal(RESPONSES_ACCOUNT, _SIGNING_KEY_ID))
                credentials.put(known)
        return Credentials(known.access_key_id, known.secret_access_key)

    def put_url(self, bucket: str, key: str, expires: int) -> str:
        """A presigned PUT URL for ``key`` in ``bucket`` (made and versioned first), path-style on nimbus's
        endpoint as the client reached it."""
        self._ready(bucket)
        request = AWSRequest(method="PUT", url=f"{self.endpoint}/{bucket}/{quote(key, safe='/')}")
        S3SigV4QueryAuth(self._signing_key(), "s3", self.region, expires=expires).add_auth(request)
        return request.url

    def bodies(self, bucket: str, key: str) -> list[bytes]:
        """Everything PUT to ``key``, oldest first; of each, at most MAX_ANSWER + 1 bytes (an answer that long is
        refused whatever follows, and a URL's holder cannot make the stack read more)."""
        listed = self.call("ListObjectVersions", {"Bucket": bucket, "Prefix": key})
        found = []
        for version in reversed([v for v in listed.get("Versions", []) if v["Key"] == key]):  # S3 lists newest first
            if not version.get("Size"):
                found.append(b"")
                continue
            output = self.call("GetObject", {"Bucket": bucket, "Key": key, "VersionId": version["VersionId"],
                                             "Range": f"bytes=0-{MAX_ANSWER}"})
            data = output["Body"]
            found.append(bytes(data) if isinstance(data, (bytes, bytearray)) else b"".join(data))
        return found

    def forget(self, bucket: str, key: str) -> None:
        """Remove every version of ``key``: an answer read is not kept."""
        try:
            listed = self.call("ListObjectVersions", {"Bucket": bucket, "Prefix": key})
        except ServiceError:
            return
        for version in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
            if version["Key"] == key:
                self.call("DeleteObject", {"Bucket": bucket, "Key": key, "VersionId": version["VersionId"]})

    def latest(self, bucket: str, key: str) -> str | None:
        """The version id of what was last PUT to ``key`` (None: nothing yet): an object-level read, cheap
        to repeat, which no trail records unless it selects data events."""
        try:
            return self.call("HeadObject", {"Bucket": bucket, "Key": key}).get("VersionId", "")
        except ServiceError as error:
            if error.status == 404 or "NotFound" in error.code or error.code == "NoSuchKey":
                return None
            raise

    def wait(self, bucket: str, key: str, deadline: float, stopped: Callable[[], bool],
             settled: Callable[[list[bytes]], Any]) -> Any:
        """Poll what was PUT to ``key`` until ``settled(bodies)`` is not None (that value), or the virtual
        clock reaches ``deadline`` (None). Only this resource's worker waits: the stack's other resources
        and every other stack go on. The bodies are read again only when a new version arrives."""
        seen: list[object] = [_NOTHING_SEEN]

        def look() -> Any:
            version = self.latest(bucket, key)
            if version == seen[0]:
                return None
            seen[0] = version
            return settled(self.bodies(bucket, key) if version is not None else [])
        return poll(self.runtime.clock, deadline, stopped, look)


def poll(clock: Any, deadline: float, stopped: Callable[[], bool], look: Callable[[], Any]) -> Any:
    """``look()`` every POLL_SECONDS until it answers something other than None (that answer), or the virtual
    clock reaches ``deadline`` (None); Stopped once the provider closes."""
    while True:
        if stopped():
            raise Stopped()
        outcome = look()
        if outcome is not None:
            return outcome
        if clock.time() >= deadline:
            return None
        time.sleep(POLL_SECONDS)


def located(url: str) -> tuple[str, str] | None:
    """(bucket, key) of a path-style URL that ``put_url`` made, or None."""
    bucket, _, key = unquote(urlsplit(url).path).lstrip("/").partition("/")
    return (bucket, key) if bucket and key else None
