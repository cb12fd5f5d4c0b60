"""Fixtures: one real nimbus server and one virtual clock per session (on a free port with a temporary
data dir), boto3 clients for it, and the fixtures several services' tests share. Plain helpers are in
the package tests/support/ (imported as tests.support); no test module imports a fixture by name."""
from __future__ import annotations

import os

import pytest
from botocore import auth as botocore_auth

from nimbus.protocol.models import BUNDLED_MODELS
from tests.support import Endpoint, account_key, firehose_role, make_client, new_bucket, start_server

pytest_plugins = ["tests.postgres_plugin"]

# Keep boto3 away from any real AWS profile or endpoint on the machine.
for _var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
    os.environ.pop(_var, None)
os.environ["AWS_ACCESS_KEY_ID"] = "test"
os.environ["AWS_SECRET_ACCESS_KEY"] = "test"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
# boto3 finds the models nimbus ships that botocore no longer does (OpsWorks).
os.environ.setdefault("AWS_DATA_PATH", str(BUNDLED_MODELS))
# awscrt is installed for SigV4A alone (botocore signs cloudfront-keyvaluestore with it); its presence
# would move every SigV4 signature to the CRT's signer, so the suite keeps botocore's own, as before.
botocore_auth.AUTH_TYPE_MAPS.update({"v4": botocore_auth.SigV4Auth, "v4-query": botocore_auth.SigV4QueryAuth,
                                     "s3v4": botocore_auth.S3SigV4Auth, "s3v4-query": botocore_auth.S3SigV4QueryAuth})


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    # NIMBUS_TEST_WORKERS=2: the shared server with a front worker beside it (docs/performance.md, --workers).
    workers = int(os.environ.get("NIMBUS_TEST_WORKERS", "1"))
    with start_server(tmp_path_factory.mktemp("nimbus"), workers=workers) as running:
        yield running


@pytest.fixture(scope="session")
def endpoint(server) -> str:
    return server.endpoint


@pytest.fixture(scope="session")
def client(endpoint):
    """``client("sts")``: a boto3 client for the shared test server."""
    def factory(service: str, **kwargs):
        return make_client(endpoint, service, **kwargs)
    return factory


@pytest.fixture(scope="module")
def account():
    """A fresh account for a test module, so its tests never see other modules' resources or history."""
    return account_key()


@pytest.fixture(scope="module")
def aws(client, account):
    """``aws("kms")``: a client of the shared server, as the module's own account."""
    return lambda service, **kw: client(service, key=account, **kw)


@pytest.fixture(scope="module")
def s3(client):
    return client("s3")


@pytest.fixture(scope="module")
def bucket(s3):
    """A bucket of the test module's own."""
    return new_bucket(s3, "bkt")


@pytest.fixture(scope="module")
def kms(client):
    return client("kms")


@pytest.fixture(scope="module")
def kinesis(client):
    return client("kinesis")


@pytest.fixture(scope="module")
def firehose(client):
    firehose_role(client("iam"))  # what FIREHOSE_ROLE names: Firehose must be able to assume it
    return client("firehose")


@pytest.fixture
def receiver():
    """A real HTTP endpoint that records what SNS (or Firehose) posts to it."""
    running = Endpoint()
    yield running
    running.close()
