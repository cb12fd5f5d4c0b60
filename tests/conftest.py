"""Fixtures: a real nimbus server on a free port with a temporary data dir, and boto3 clients for it."""
from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config as BotoConfig

from nimbus.config import Config
from nimbus.protocol.models import BUNDLED_MODELS
from nimbus.server import ServerThread

# Keep boto3 away from any real AWS profile or endpoint on the machine.
for _var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
    os.environ.pop(_var, None)
os.environ["AWS_ACCESS_KEY_ID"] = "test"
os.environ["AWS_SECRET_ACCESS_KEY"] = "test"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
# boto3 finds the models nimbus ships that botocore no longer does (OpsWorks).
os.environ.setdefault("AWS_DATA_PATH", str(BUNDLED_MODELS))


def start_server(tmp_path: Path, **settings) -> ServerThread:
    config = Config(port=0, data_dir=str(tmp_path / "data"), **settings)
    return ServerThread(config)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("nimbus")) as running:
        yield running


@pytest.fixture(scope="session")
def endpoint(server) -> str:
    return server.endpoint


def advance_clock(endpoint: str, seconds: float) -> dict:
    """Move the server's virtual clock. Services deliver what fell due (CloudTrail files, Firehose
    buffers) before the call returns, which on a loaded machine can take a while: hence the long timeout."""
    reply = requests.post(f"{endpoint}/_nimbus/clock", json={"advance_seconds": seconds}, timeout=120)
    reply.raise_for_status()
    return reply.json()


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


@pytest.fixture(scope="session")
def client(endpoint):
    """``client("sts")``: a boto3 client for the shared test server."""
    def factory(service: str, **kwargs):
        return make_client(endpoint, service, **kwargs)
    return factory
