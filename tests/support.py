"""Helpers every test module may use: unique names, a boto3 call's error, nimbus in a subprocess."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
import requests
from botocore.exceptions import ClientError


def unique(prefix: str) -> str:
    """A resource name no other test uses: they all share one server."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_of(call, *args, **kwargs) -> tuple[str, int]:
    """The AWS error code and HTTP status a boto3 call fails with."""
    with pytest.raises(ClientError) as error:
        call(*args, **kwargs)
    response = error.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def serve_subprocess(data_dir: str, port: int) -> subprocess.Popen:
    """``nimbus serve`` as its own process, for tests that kill -9 it; returns once it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nimbus.cli", "serve", "--port", str(port), "--data-dir", data_dir],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/_nimbus/health", timeout=1)
            return process
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(process.stderr.read().decode())


# parse_request's catch-all words every unexpected exception so (and chains it as the cause); the
# errors parsers mean to raise are never chained.
CATCH_ALL_MESSAGE = "The request could not be parsed ("


def assert_not_catch_all(error: Exception) -> None:
    """Fail if a ServiceError is a parser bug that the catch-all turned into an AWS-shaped error."""
    assert error.__cause__ is None, f"a parser bug behind {error!r}: {error.__cause__!r}"
    assert CATCH_ALL_MESSAGE not in str(getattr(error, "message", error)), error
