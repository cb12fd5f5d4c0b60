"""Credentials at rest and the well-known key: a private data dir, sealed secrets, a generated root key."""
from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys

from nimbus.core.secrets import root_key
from tests.support import error_of, make_client, root_client, start_server, unique


def modes(directory) -> dict[str, int]:
    """Every directory and file under ``directory`` (itself too): path → permission bits."""
    found = {str(directory): stat.S_IMODE(os.stat(directory).st_mode)}
    for folder, directories, files in os.walk(directory):
        for name in directories + files:
            path = os.path.join(folder, name)
            found[path] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def use_every_kind_of_file(endpoint: str) -> None:
    """Calls that make services write their own files: objects, shard logs, KMS keys, credentials."""
    s3 = make_client(endpoint, "s3")
    s3.create_bucket(Bucket="files")
    s3.put_object(Bucket="files", Key="k", Body=b"x" * 1024)
    kinesis = make_client(endpoint, "kinesis")
    kinesis.create_stream(StreamName="files", ShardCount=1)
    make_client(endpoint, "kms").create_key()
    iam = make_client(endpoint, "iam")
    iam.create_user(UserName="files")
    iam.create_access_key(UserName="files")
    make_client(endpoint, "sts").get_session_token()


def test_the_data_dir_is_private_to_nimbus_s_user(tmp_path):
    with start_server(tmp_path) as running:
        use_every_kind_of_file(running.endpoint)
        found = modes(running.config.data_dir)
    assert any(path.endswith("master.key") for path in found) and len(found) > 6, found
    loose = {path: oct(mode) for path, mode in found.items()
             if mode != (0o700 if os.path.isdir(path) else 0o600)}
    assert not loose


def test_a_data_dir_an_older_nimbus_left_readable_is_tightened(tmp_path):
    data = tmp_path / "data"
    (data / "kms").mkdir(parents=True)
    (data / "kms" / "master.key").write_bytes(os.urandom(32))
    for path, mode in ((data, 0o755), (data / "kms", 0o755), (data / "kms" / "master.key", 0o644)):
        path.chmod(mode)
    with start_server(tmp_path) as running:
        make_client(running.endpoint, "kms").create_key()
    assert {oct(mode) for path, mode in modes(data).items() if not os.path.isdir(path)} == {oct(0o600)}
    assert {oct(mode) for path, mode in modes(data).items() if os.path.isdir(path)} == {oct(0o700)}


def stored_documents(data_dir: str) -> str:
    with sqlite3.connect(os.path.join(data_dir, "state.sqlite3")) as db:
        return "\n".join(value for (value,) in db.execute("SELECT value FROM documents"))


def test_secret_keys_and_session_tokens_are_stored_sealed(tmp_path):
    with start_server(tmp_path) as running:
        iam = make_client(running.endpoint, "iam")
        iam.create_user(UserName="sealed")
        key = iam.create_access_key(UserName="sealed")["AccessKey"]
        user_sts = make_client(running.endpoint, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        session = user_sts.get_session_token()["Credentials"]
        iam.update_access_key(UserName="sealed", AccessKeyId=key["AccessKeyId"], Status="Inactive")
        iam.update_access_key(UserName="sealed", AccessKeyId=key["AccessKeyId"], Status="Active")
        stored = stored_documents(running.config.data_dir)
        assert key["AccessKeyId"] in stored and session["AccessKeyId"] in stored
        for secret in (key["SecretAccessKey"], session["SecretAccessKey"], session["SessionToken"]):
            assert secret not in stored
    with start_server(tmp_path) as again:  # the same master key unseals them after a restart
        arn = make_client(again.endpoint, "sts", key=key["AccessKeyId"],
                          secret=key["SecretAccessKey"]).get_caller_identity()["Arn"]
        assert arn.endswith(":user/sealed")
        session_sts = make_client(again.endpoint, "sts", key=session["AccessKeyId"],
                                  secret=session["SecretAccessKey"], token=session["SessionToken"])
        assert session_sts.get_caller_identity()["Arn"] == arn


def test_strict_auth_refuses_the_well_known_key_and_takes_the_generated_root_key(tmp_path):
    with start_server(tmp_path, strict_auth=True) as running:
        assert error_of(make_client(running.endpoint, "sts").get_caller_identity) == ("InvalidClientTokenId", 403)
        identity = root_client(running, "sts").get_caller_identity()
        assert identity["Arn"] == "arn:aws:iam::000000000000:root"
        bucket = unique("strict")
        root_client(running, "s3").create_bucket(Bucket=bucket)
        assert error_of(make_client(running.endpoint, "s3").head_bucket, Bucket=bucket).status == 403


def test_default_mode_keeps_the_well_known_key_and_also_takes_the_generated_one(tmp_path):
    with start_server(tmp_path) as running:
        assert make_client(running.endpoint, "sts").get_caller_identity()["Account"] == "000000000000"
        assert root_client(running, "sts").get_caller_identity()["Arn"] == "arn:aws:iam::000000000000:root"


def test_the_root_key_survives_restarts_and_nimbus_credentials_prints_it(tmp_path):
    data = str(tmp_path / "data")
    with start_server(tmp_path, strict_auth=True):
        first = root_key(data)
    with start_server(tmp_path, strict_auth=True) as again:
        assert root_key(data) == first
        assert root_client(again, "sts").get_caller_identity()["Account"] == "000000000000"
    printed = subprocess.run([sys.executable, "-m", "nimbus.cli", "credentials", "--data-dir", data],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    assert printed.split() == ["export", f"AWS_ACCESS_KEY_ID={first[0]}", "export", f"AWS_SECRET_ACCESS_KEY={first[1]}"]
    config = subprocess.run([sys.executable, "-m", "nimbus.cli", "credentials", "--format", "config"],
                            env={**os.environ, "NIMBUS_DATA_DIR": data},
                            capture_output=True, text=True, timeout=60, check=True).stdout
    assert f"aws_secret_access_key = {first[1]}" in config and config.startswith("[nimbus]")
