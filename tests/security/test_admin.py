"""The /_nimbus/ admin endpoints: JSON only, no foreign origins, a bounded clock, a token under --strict-auth."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nimbus.core.secrets import read_admin_token, root_key
from tests.support import make_client, root_client, start_server, unique


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("admin")) as running:
        yield running


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("admin-strict"), strict_auth=True) as running:
        yield running


def offset(running) -> float:
    return requests.get(f"{running.endpoint}/_nimbus/clock", timeout=10).json()["offset_seconds"]


def test_a_form_or_text_post_cannot_reset_or_move_the_clock(own):
    bucket = unique("keep")
    make_client(own.endpoint, "s3").create_bucket(Bucket=bucket)
    before = offset(own)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        headers = {"Content-Type": content_type}
        assert requests.post(f"{own.endpoint}/_nimbus/reset", data="{}", headers=headers, timeout=10).status_code == 415
        assert requests.post(f"{own.endpoint}/_nimbus/clock", data='{"advance_seconds": 86400}', headers=headers,
                             timeout=10).status_code == 415
    assert requests.post(f"{own.endpoint}/_nimbus/reset", timeout=10).status_code == 415  # no type at all
    assert offset(own) == before
    make_client(own.endpoint, "s3").head_bucket(Bucket=bucket)


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost:1", "https://127.0.0.1"])
def test_a_web_page_on_another_origin_is_refused(own, origin):
    before = offset(own)
    reply = requests.post(f"{own.endpoint}/_nimbus/clock", json={"advance_seconds": 60}, timeout=10,
                          headers={"Origin": origin})
    assert reply.status_code == 403 and "error" in reply.json()
    assert requests.get(f"{own.endpoint}/_nimbus/health", headers={"Origin": origin}, timeout=10).status_code == 403
    assert offset(own) == before


def test_nimbus_s_own_origin_may_use_them(own):
    for origin in (f"http://127.0.0.1:{own.config.port}", f"http://localhost:{own.config.port}"):
        reply = requests.post(f"{own.endpoint}/_nimbus/clock", json={"advance_seconds": 1}, timeout=10,
                              headers={"Origin": origin})
        assert reply.status_code == 200


@pytest.mark.parametrize("body", [
    '{"advance_seconds": 1e300}', '{"advance_seconds": Infinity}', '{"advance_seconds": NaN}',
    '{"advance_seconds": -1}', '{"advance_seconds": 3155760001}', '{"advance_seconds": true}',
    '{"advance_seconds": "60"}', '{"advance_seconds": 1' + "0" * 400 + "}", "[]", "{}", "{nope",
])
def test_a_jump_must_be_a_number_of_seconds_up_to_a_hundred_years(own, body):
    before = offset(own)
    reply = requests.post(f"{own.endpoint}/_nimbus/clock", data=body, timeout=10,
                          headers={"Content-Type": "application/json"})
    assert reply.status_code == 400 and "advance_seconds" in reply.json()["error"]
    assert offset(own) == before
    assert make_client(own.endpoint, "sts").get_caller_identity()["Account"] == "000000000000"


def test_the_clock_runs_at_most_a_thousand_years_ahead(tmp_path):
    with start_server(tmp_path) as running:
        century = {"advance_seconds": 100 * 365.25 * 86400}
        for _ in range(10):
            assert requests.post(f"{running.endpoint}/_nimbus/clock", json=century, timeout=60).status_code == 200
        refused = requests.post(f"{running.endpoint}/_nimbus/clock", json={"advance_seconds": 86400}, timeout=60)
        assert refused.status_code == 400 and "1000 years" in refused.json()["error"]
        assert make_client(running.endpoint, "sts").get_caller_identity()["Account"] == "000000000000"


def test_strict_auth_needs_the_admin_token(strict):
    for path, payload in (("clock", {"advance_seconds": 1}), ("reset", {})):
        refused = requests.post(f"{strict.endpoint}/_nimbus/{path}", json=payload, timeout=10)
        assert refused.status_code == 403 and "admin token" in refused.json()["error"]
        wrong = requests.post(f"{strict.endpoint}/_nimbus/{path}", json=payload, timeout=10,
                              headers={"X-Nimbus-Admin-Token": "guess"})
        assert wrong.status_code == 403
    assert requests.get(f"{strict.endpoint}/_nimbus/clock", timeout=10).status_code == 403
    assert requests.get(f"{strict.endpoint}/_nimbus/health", timeout=10).status_code == 200
    token = read_admin_token(strict.config.data_dir)
    reply = requests.post(f"{strict.endpoint}/_nimbus/clock", json={"advance_seconds": 1}, timeout=10,
                          headers={"X-Nimbus-Admin-Token": token})
    assert reply.status_code == 200


def admin_signed(running, key: str, secret: str, payload: dict) -> requests.Response:
    request = AWSRequest(method="POST", url=f"{running.endpoint}/_nimbus/clock", data=json.dumps(payload),
                         headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key, secret), "nimbus", "us-east-1").add_auth(request)
    prepared = request.prepare()
    return requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=10)


def test_strict_auth_takes_a_root_signature_but_not_a_user_s(strict):
    key, secret = root_key(strict.config.data_dir)
    assert admin_signed(strict, key, secret, {"advance_seconds": 1}).status_code == 200
    assert admin_signed(strict, key, "wrong", {"advance_seconds": 1}).status_code == 403
    iam = root_client(strict, "iam")
    name = unique("admin-user")
    iam.create_user(UserName=name)
    user_key = iam.create_access_key(UserName=name)["AccessKey"]
    assert admin_signed(strict, user_key["AccessKeyId"], user_key["SecretAccessKey"],
                        {"advance_seconds": 1}).status_code == 403


def nimbus(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nimbus.cli", *args], capture_output=True, text=True, timeout=120)


def test_the_nimbus_command_uses_the_token_from_the_data_dir(strict):
    where = ["--endpoint", strict.endpoint, "--data-dir", strict.config.data_dir]
    before = offset_with_token(strict)
    advanced = nimbus("clock", "advance", "3600", *where)
    assert advanced.returncode == 0, advanced.stderr
    assert json.loads(advanced.stdout)["offset_seconds"] == before + 3600
    shown = nimbus("clock", "show", *where)
    assert json.loads(shown.stdout)["offset_seconds"] == before + 3600
    status = nimbus("status", *where)
    assert status.returncode == 0 and json.loads(status.stdout)["status"] == "running"
    without_token = nimbus("clock", "advance", "60", "--endpoint", strict.endpoint, "--data-dir", "/nonexistent")
    assert without_token.returncode == 1 and "403" in without_token.stderr
    bucket = unique("gone")
    root_client(strict, "s3").create_bucket(Bucket=bucket)
    assert nimbus("reset", *where).returncode == 0
    assert bucket not in [b["Name"] for b in root_client(strict, "s3").list_buckets()["Buckets"]]


def offset_with_token(running) -> float:
    headers = {"X-Nimbus-Admin-Token": read_admin_token(running.config.data_dir)}
    return requests.get(f"{running.endpoint}/_nimbus/clock", headers=headers, timeout=10).json()["offset_seconds"]
