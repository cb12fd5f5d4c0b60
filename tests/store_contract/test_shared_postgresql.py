"""Two ``nimbus serve`` processes on one PostgreSQL database are one cloud: what is created through
one is there through the other."""
from __future__ import annotations

import shutil
import uuid

import pytest

from nimbus.server import free_port
from tests.postgres_plugin import create_database
from tests.support import make_client, serve_subprocess, unique


@pytest.fixture
def two_servers(postgres, tmp_path, monkeypatch):
    monkeypatch.setenv("NIMBUS_STORE_URL", create_database(postgres, f"shared_{uuid.uuid4().hex[:12]}"))
    processes, endpoints = [], []
    try:
        for name in ("a", "b"):  # each its own data dir: only the store and the master key are shared
            if name == "b":  # secrets in the store are sealed under the master key: every node needs it
                (tmp_path / "b" / "kms").mkdir(parents=True)
                shutil.copy(tmp_path / "a" / "kms" / "master.key", tmp_path / "b" / "kms" / "master.key")
            port = free_port()
            processes.append(serve_subprocess(str(tmp_path / name), port))
            endpoints.append(f"http://127.0.0.1:{port}")
        yield endpoints
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=30)


def test_iam_users_and_sns_topics_created_on_one_are_listed_on_the_other(two_servers):
    a, b = two_servers
    user = unique("shared-user")
    make_client(a, "iam").create_user(UserName=user)
    assert user in [entry["UserName"] for entry in make_client(b, "iam").list_users()["Users"]]

    topic = make_client(b, "sns").create_topic(Name=unique("shared-topic"))["TopicArn"]
    assert topic in [entry["TopicArn"] for entry in make_client(a, "sns").list_topics()["Topics"]]


def test_an_access_key_made_on_one_signs_requests_to_the_other(two_servers):
    a, b = two_servers
    user = unique("shared-signer")
    iam = make_client(a, "iam")
    arn = iam.create_user(UserName=user)["User"]["Arn"]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    sts = make_client(b, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == arn
