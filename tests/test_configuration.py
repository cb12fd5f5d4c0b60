"""One configuration source: NIMBUS_* variables reach Config, each server reads its own Config at run
time, and GET /_nimbus/health reports the settings (not secrets)."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import botocore.auth
import pytest
import requests
from botocore.exceptions import ClientError

from nimbus.config import PRIVATE_SETTINGS, Config, env_name
from tests.support import advance_clock, firehose_role, make_client, start_server


def test_every_setting_is_read_from_its_nimbus_variable(monkeypatch):
    monkeypatch.setenv("NIMBUS_KINESIS_TRANSITION_SECONDS", "3.5")
    monkeypatch.setenv("NIMBUS_ENFORCE_IAM", "true")
    monkeypatch.setenv("NIMBUS_FIREHOSE_CA_BUNDLE", "/etc/ca.pem")
    monkeypatch.setenv("NIMBUS_MAX_CLOCK_SKEW_SECONDS", "60")
    config = Config.from_env(port=1234)
    assert (config.kinesis_transition_seconds, config.enforce_iam, config.firehose_ca_bundle) == (3.5, True, "/etc/ca.pem")
    assert (config.max_clock_skew_seconds, config.port) == (60, 1234)
    assert env_name("kinesis_segment_bytes") == "NIMBUS_KINESIS_SEGMENT_BYTES"


def test_a_setting_that_is_not_a_number_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("NIMBUS_KINESIS_SEGMENT_BYTES", "lots")
    with pytest.raises(ValueError, match="NIMBUS_KINESIS_SEGMENT_BYTES"):
        Config.from_env()


def test_health_reports_the_server_s_own_settings(tmp_path):
    with start_server(tmp_path, kinesis_transition_seconds=7.0) as running:
        health = requests.get(f"{running.endpoint}/_nimbus/health", timeout=10).json()
    settings = health["settings"]
    assert settings["kinesis_transition_seconds"] == 7.0 and settings["cloudtrail_delivery_seconds"] == 5.0
    assert set(settings) == {f.name for f in dataclasses.fields(Config)} - PRIVATE_SETTINGS


def test_transition_times_are_each_server_s_own(tmp_path):
    with start_server(tmp_path, kinesis_transition_seconds=30.0, firehose_create_seconds=30.0) as running:
        kinesis, firehose = make_client(running.endpoint, "kinesis"), make_client(running.endpoint, "firehose")
        make_client(running.endpoint, "s3").create_bucket(Bucket="target")
        firehose_role(make_client(running.endpoint, "iam"))
        kinesis.create_stream(StreamName="slow", ShardCount=1)
        firehose.create_delivery_stream(DeliveryStreamName="slow", ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::000000000000:role/firehose", "BucketARN": "arn:aws:s3:::target"})

        def statuses():
            return (kinesis.describe_stream_summary(StreamName="slow")["StreamDescriptionSummary"]["StreamStatus"],
                    firehose.describe_delivery_stream(DeliveryStreamName="slow")["DeliveryStreamDescription"][
                        "DeliveryStreamStatus"])
        advance_clock(running.endpoint, 1)
        assert statuses() == ("CREATING", "CREATING")
        advance_clock(running.endpoint, 30)
        assert statuses() == ("ACTIVE", "ACTIVE")


def test_signature_skew_is_the_server_s_max_clock_skew(tmp_path, monkeypatch, endpoint):
    five_minutes_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=5)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: five_minutes_ago)
    assert make_client(endpoint, "sts").get_caller_identity()["Account"]  # within AWS's 15 minutes
    with start_server(tmp_path, max_clock_skew_seconds=60) as strict:
        with pytest.raises(ClientError) as refused:
            make_client(strict.endpoint, "sts").get_caller_identity()
    error = refused.value.response["Error"]
    assert error["Code"] == "RequestExpired" and "- 1 min." in error["Message"]


def test_every_setting_is_documented_with_its_variable():
    from pathlib import Path
    page = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    for field in dataclasses.fields(Config):
        if field.name not in PRIVATE_SETTINGS:
            assert f"| `{field.name}` | `{env_name(field.name)}`" in page, field.name
