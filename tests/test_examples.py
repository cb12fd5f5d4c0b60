"""Each script in examples/ runs against the shared server and shows what its notes promise."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.support import account_key

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def run_example(endpoint, monkeypatch, capsys):
    """Import an example and run its main() as a fresh account; returns its result and what it printed."""
    def run(name: str):
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", account_key())
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        monkeypatch.syspath_prepend(str(EXAMPLES))
        module = importlib.import_module(name)
        result = module.main()
        return result, capsys.readouterr().out
    return run


def steps_printed(printed: str, count: int) -> bool:
    return all(f"{step}. " in printed for step in range(1, count + 1))


def test_envelope_encryption(run_example):
    result, printed = run_example("envelope_encryption")
    assert result["roundtrip"] and result["context_enforced"]
    assert steps_printed(printed, 7)


def test_cloudtrail_audit(run_example):
    result, printed = run_example("cloudtrail_audit")
    assert result["who"].endswith(":root") and result["failed_call"] == "NotFoundException"
    assert result["encryption"] == "AES256" and result["notified"] and result["logs_events"] == 1
    assert steps_printed(printed, 9)


def test_kinesis_realtime(run_example):
    result, printed = run_example("kinesis_realtime")
    assert len(result["placed"]) == 2 and sum(result["placed"].values()) == 200 and result["ordered"]
    assert result["open_shards"] == 4 and result["read"] == 400
    assert result["from_stream"] == 400 and result["clicks"] == 50
    assert steps_printed(printed, 6)


def test_versioned_template(run_example):
    result, printed = run_example("versioned_template")
    assert result["versions"] == 2 and result["replaced"] == ["AppLogs"]
    assert result["changes"] == {"AppLogs": "True", "Alerts": "False"}
    assert list(result["log_groups"].values()) == [14] and next(iter(result["log_groups"])).endswith("/v2")
    assert result["title"] == "App alerts (v2)" and result["same_topic"]
    assert steps_printed(printed, 6)


def test_config_inventory(run_example):
    result, printed = run_example("config_inventory")
    assert result["discovered"] and result["statuses"] == ["ResourceDiscovered", "OK", "OK"]
    assert [names[0].startswith(prefix) for names, prefix in zip(result["related"][1:], ("analytics", "reporting"),
                                                                     strict=True)] == [True, True]
    assert result["related"][0] == [] and result["snapshot_items"] >= 3
    assert steps_printed(printed, 5)


def test_config_compliance(run_example):
    result, printed = run_example("config_compliance")
    assert (result["before"], result["remediation"], result["after"]) == ("NON_COMPLIANT", "SUCCEEDED", "COMPLIANT")
    assert result["pack"] == {"s3-bucket-server-side-encryption-enabled": "COMPLIANT",
                              "s3-bucket-ssl-requests-only": "NON_COMPLIANT"}
    assert steps_printed(printed, 5)


def test_trusted_advisor(run_example):
    result, printed = run_example("trusted_advisor")
    assert (result["before"], result["after"], result["refresh"]) == ("error", "ok", "enqueued")
    assert steps_printed(printed, 5)


def test_streaming_sql(run_example):
    result, printed = run_example("streaming_sql")
    assert result["status"] == "RUNNING" and result["columns"] == ["ticker_symbol", "price"]
    assert result["counts"] == {"AMZN": 3, "WMT": 2, "IBM": 1}
    assert steps_printed(printed, 5)


@pytest.mark.skipif(not (EXAMPLES.parent / ".flink" / "bin" / "python").exists(), reason="make install makes .flink/")
def test_flink_streaming_sql(run_example):
    rows, printed = run_example("flink_streaming_sql")
    # windows of ten seconds from 22:13:20 UTC (their minutes and hours follow the job's time zone)
    assert sorted((r["window_start"][-6:-4], r["ticker"], r["ticks"], r["total"]) for r in rows) == [
        ("20", "AMZN", 1, 10.0), ("20", "MSFT", 1, 5.0), ("30", "AMZN", 1, 1.0), ("40", "AMZN", 2, 300.0)]
    assert steps_printed(printed, 4)


def test_emr_clusters(run_example):
    result, printed = run_example("emr_clusters")
    assert result["counts"] == {"/cart": "1", "/checkout": "1", "/index": "3"}
    assert sorted((s["user"], s["session"], s["clicks"]) for s in result["sessions"]) == [
        ("ann", 1, 2), ("ann", 2, 1), ("bob", 1, 1)]
    assert result["transient_reason"] == {"Code": "ALL_STEPS_COMPLETED", "Message": "Steps completed"}
    assert result["persistent_state"] == "TERMINATED"
    assert steps_printed(printed, 5)


def test_daily_pipeline(run_example, postgres, monkeypatch):
    host, port, user = postgres
    monkeypatch.setenv("DAILY_PIPELINE_POSTGRES", f"{host}:{port}:{user}")
    result, printed = run_example("daily_pipeline")
    assert steps_printed(printed, 5)
    assert result["rows"] == [("2024-01-01", "/index.html", 200), ("2024-01-01", "/missing", 404),
                              ("2024-01-02", "/about.html", 200), ("2024-01-02", "/index.html", 200),
                              ("2024-01-02", "/login", 302)]
    assert len(result["failed"]) == 1 and "Transform" in result["failed"][0]
    assert sorted(alarm.split(" into ")[0] for alarm in result["alarms"]) == [
        "Loaded the web logs of 2024-01-01", "Loaded the web logs of 2024-01-02"]


def test_cloudtrail_vs_cloudwatch(run_example):
    result, printed = run_example("cloudtrail_vs_cloudwatch")
    assert result["incoming"] == 250 and result["state"] == "ALARM" and result["notified"] == "ALARM"
    assert all(arn.endswith(":root") for arn in result["who"].values())
    assert steps_printed(printed, 6)
