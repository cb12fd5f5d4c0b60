"""The basics: unique names, a boto3 call's error, servers and clients of a test's own, signed requests,
the virtual clock and stored documents."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from nimbus.config import Config
from nimbus.core.documents import VERSION_FIELD
from nimbus.core.secrets import root_key
from nimbus.server import ServerThread
from nimbus.store import open_store

AWS_CLI = Path(sys.executable).with_name("aws")
_CLI_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def _run_cli(endpoint: str, args: tuple[str, ...]) -> subprocess.CompletedProcess:
    command = [str(AWS_CLI), *args, "--endpoint-url", endpoint, "--output", "json"]
    return subprocess.run(command, env={**os.environ, **_CLI_ENV}, capture_output=True, text=True, timeout=60)


def aws_cli(endpoint: str, *args: str) -> dict:
    """The real AWS CLI's JSON answer to ``aws <args>`` against ``endpoint`` as test/test."""
    out = _run_cli(endpoint, args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else {}


def aws_cli_error(endpoint: str, *args: str) -> str:
    """What the AWS CLI prints when ``aws <args>`` fails (it must)."""
    out = _run_cli(endpoint, args)
    assert out.returncode != 0
    return out.stderr
ACCOUNT = "000000000000"  # the account of the default test/test credentials


def unique(prefix: str) -> str:
    """A resource name no other test uses: they all share one server."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def account_key() -> str:
    """A fresh 12-digit access key id: nimbus treats it as its own account, so tests never see each
    other's resources or history."""
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


class AwsError(tuple):
    """How a boto3 call failed: equal to ``(code, HTTP status)``; ``message`` is AWS's wording."""

    code = property(itemgetter(0))
    status = property(itemgetter(1))

    def __new__(cls, code: str, status: int, message: str):
        error = super().__new__(cls, (code, status))
        error.message = message
        return error

    @property
    def worded(self) -> tuple[str, str]:
        """``(code, message)``, for tests that pin AWS's exact wording."""
        return self.code, self.message


def error_of(call, *args, **kwargs) -> AwsError:
    """The error a boto3 call fails with (the test fails if it succeeds or fails otherwise)."""
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    response = raised.value.response
    return AwsError(response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"],
                    response["Error"].get("Message", ""))


# parse_request's catch-all words every unexpected exception so (and chains it as the cause); the
# errors parsers mean to raise are never chained.
CATCH_ALL_MESSAGE = "The request could not be parsed ("


def assert_not_catch_all(error: Exception) -> None:
    """Fail if a ServiceError is a parser bug that the catch-all turned into an AWS-shaped error."""
    assert error.__cause__ is None, f"a parser bug behind {error!r}: {error.__cause__!r}"
    assert CATCH_ALL_MESSAGE not in str(getattr(error, "message", error)), error


# --- servers and clients --------------------------------------------------------------------------

def start_server(tmp_path: Path, **settings) -> ServerThread:
    """A server of a test's own (``with start_server(...) as own:``), for settings the shared one lacks."""
    config = Config(port=0, data_dir=str(tmp_path / "data"), **settings)
    return ServerThread(config)


def make_client(endpoint: str, service: str, region: str = "us-east-1", key: str = "test",
                secret: str = "test", token: str | None = None, **config):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=BotoConfig(retries={"max_attempts": 1}, **config),
    )


def session_client(endpoint: str, credentials: dict, service: str, **kwargs):
    """A client signing with temporary credentials as STS answers them (``Credentials``)."""
    return make_client(endpoint, service, key=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"],
                       token=credentials["SessionToken"], **kwargs)


def root_client(running: ServerThread, service: str, **kwargs):
    """A client of a server of the test's own as its default account's root, with the key nimbus generated
    (what ``nimbus credentials`` prints): under --strict-auth the well-known test/test is refused."""
    key, secret = root_key(running.config.data_dir)
    return make_client(running.endpoint, service, key=key, secret=secret, **kwargs)


def send_signed(endpoint: str, service: str, body: bytes | str, headers: dict, key="test", secret="test",
                region="us-east-1", method="POST", path="/") -> requests.Response:
    """Send a SigV4-signed request of exactly these bytes, for bodies no SDK would send."""
    request = AWSRequest(method=method, url=endpoint + path, data=body, headers=headers)
    SigV4Auth(Credentials(key, secret), service, region).add_auth(request)
    prepared = request.prepare()
    return requests.request(method, prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=10)


def serve_subprocess(data_dir: str, port: int, **popen) -> subprocess.Popen:
    """``nimbus serve`` as its own process, for tests that kill -9 it; returns once it answers.
    ``popen`` goes to subprocess.Popen (``env``, ``preexec_fn``)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nimbus.cli", "serve", "--port", str(port), "--data-dir", data_dir],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **popen,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            # 200 only: the front worker of a nimbus killed a moment ago may answer 503 until it exits.
            if requests.get(f"http://127.0.0.1:{port}/_nimbus/health", timeout=1).status_code == 200:
                return process
        except (requests.ConnectionError, requests.Timeout):  # a slow start under load: ask again
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(process.stderr.read().decode())


def kill_9(process: subprocess.Popen) -> None:
    """End a ``serve_subprocess`` server as a crash would: SIGKILL, no shutdown of any kind."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def signed(endpoint: str, service: str, method: str = "POST", path: str = "/", body: bytes = b"",
           headers: dict | None = None, key: str = "test", secret: str = "test",
           signer=SigV4Auth) -> tuple[str, dict[str, str]]:
    """``(url, headers)`` of a request signed by botocore's own signer, for tests that send it by hand (and
    then change or add to what was signed)."""
    request = AWSRequest(method=method, url=endpoint + path, data=body, headers=headers or {})
    signer(Credentials(key, secret), service, "us-east-1").add_auth(request)
    return request.url, dict(request.headers.items())


# --- the virtual clock ----------------------------------------------------------------------------

def advance_clock(endpoint: str, seconds: float) -> datetime:
    """Move the server's virtual clock; returns its new time. Services deliver what fell due
    (CloudTrail files, Firehose buffers) before the call returns, which on a loaded machine can take a
    while: hence the long timeout."""
    reply = requests.post(f"{endpoint}/_nimbus/clock", json={"advance_seconds": seconds}, timeout=120)
    reply.raise_for_status()
    return datetime.fromtimestamp(reply.json()["epoch"], tz=UTC)


def virtual_now(endpoint: str) -> datetime:
    """The server's virtual time (other tests move it forward by hours)."""
    epoch = requests.get(f"{endpoint}/_nimbus/clock", timeout=10).json()["epoch"]
    return datetime.fromtimestamp(epoch, tz=UTC)



# --- stored documents -----------------------------------------------------------------------------

def unversion(data_dir: str, namespace: tuple[str, ...], key: str | None = None,
              renames: dict[str, str] | None = None, shape=None) -> dict[str, dict]:
    """Turn documents a server wrote (one, or the whole namespace without ``key``) back into the
    version-0 shape nimbus stored before schema versions: ``renames`` maps today's field names to the
    old ones, ``shape(doc)`` undoes nested changes. Returns the old documents by key."""
    store = open_store(data_dir)
    old_docs = {}
    try:
        docs = [(key, store.get(namespace, key))] if key is not None else store.scan(namespace)
        assert docs, (namespace, key)
        for name, doc in docs:
            assert doc is not None and doc.pop(VERSION_FIELD) >= 1, (namespace, name, doc)
            old = {(renames or {}).get(field, field): value for field, value in doc.items()}
            old_docs[name] = shape(old) if shape else old
            store.put(namespace, name, old_docs[name])
    finally:
        store.close()
    return old_docs


def stored(data_dir: str, namespace: tuple[str, ...], key: str) -> dict | None:
    """A document as the store holds it (the server that wrote it stopped)."""
    store = open_store(data_dir)
    try:
        return store.get(namespace, key)
    finally:
        store.close()


def on_loopback(client):
    """A cloudfront-keyvaluestore client that works locally. botocore puts the account in front of the
    endpoint's host; the request is signed for <account>.localhost (a name nimbus answers as, which curl
    resolves but Python's resolver does not) and sent to 127.0.0.1 with that Host."""
    def sign_for_localhost(request, **_):
        url = urlsplit(request.url)
        request.url = urlunsplit(url._replace(netloc=f"{url.hostname.split('.')[0]}.localhost:{url.port}"))

    def send_to_loopback(request, **_):
        url = urlsplit(request.url)
        request.url = urlunsplit(url._replace(netloc=f"127.0.0.1:{url.port}"))

    client.meta.events.register("before-sign", sign_for_localhost)
    client.meta.events.register("before-send", send_to_loopback)
    return client
