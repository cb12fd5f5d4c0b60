"""A fresh server holds no engine, library or model until something needs one (issue 19: idle RSS under
60 MiB): duckdb, Arrow and cfn-guard; cryptography (the vault, SigV4A, STS's keys), signxml and lxml (SAML);
awscrt's native library (CRC64NVME checksums; botocore imports awscrt, nimbus.lazy_native defers the library);
CloudWatch's alarm evaluators until the store holds an alarm; Config's engine until the store holds Config state
or Config is called; and of the botocore models, only those of the
services called (routing reads the routing index, not every model)."""
from __future__ import annotations

import base64
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from awscrt import checksums as crt_checksums

from nimbus.core.secrets import ROOT_KEY_FILE, new_admin_token, read_admin_token, root_key
from nimbus.server import free_port
from tests.support import advance_clock, kill_9, make_client, serve_subprocess

HEAVY = ("duckdb", "libarrow", "cfn_guard", "cryptography", "lxml", "signxml", "/_awscrt.")
EVALUATORS = ("nimbus.services.cloudwatch.evaluator", "nimbus.services.cloudwatch.log_alarm_eval")
# Imported when first needed, not by a start: the forwarding (h11) only a front worker does; Config's engine
# (no Config state, no Config call); S3's browser form uploads (S3's routes only ask whether a request is one).
UNTIL_USED = ("h11", "nimbus.services.config.engine", "nimbus.services.s3.post_upload")
ROOT = Path(__file__).resolve().parents[1]

# A server in a fresh interpreter, the calls given, then what that interpreter loaded: its modules, the models
# nimbus read, the providers it started, and the calls' answers.
PROBE = """
import json, sys
from nimbus.config import Config
from nimbus.protocol import models
from nimbus.server import ServerThread
from tests.support import advance_clock, make_client

with ServerThread(Config(port=0, data_dir=sys.argv[1])) as server:
    endpoint, answers = server.endpoint, {}
CALLS
    registry = server.runtime.services
    print(json.dumps({"answers": answers, "modules": sorted(sys.modules),
                      "models": models.service_model.cache_info().currsize,
                      "providers": [name for name in registry.names if registry.is_loaded(name)]}))
"""


def _probe(tmp_path, calls: str) -> dict:
    script = PROBE.replace("CALLS", "\n".join("    " + line for line in calls.strip().splitlines()))
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _mapped(pid: int) -> str:
    with open(f"/proc/{pid}/maps") as maps:
        return maps.read()


@contextmanager
def _serving(tmp_path) -> Iterator[tuple[str, int]]:
    """``nimbus serve`` in a process of its own: its endpoint and pid."""
    port = free_port()
    process = serve_subprocess(str(tmp_path / "data"), port)
    try:
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_an_idle_server_loads_no_sql_engine_cryptography_or_xml_signature(tmp_path):
    with _serving(tmp_path) as (endpoint, pid):
        assert make_client(endpoint, "sts").get_caller_identity()["Account"]
        # Ticks every background engine (CloudTrail Lake re-queues unfinished queries on its first one).
        advance_clock(endpoint, 120)
        assert make_client(endpoint, "sts").get_caller_identity()["Account"]
        mapped = _mapped(pid)
        assert [name for name in HEAVY if name in mapped] == []


def test_the_crt_library_loads_with_its_first_use(tmp_path):
    with _serving(tmp_path) as (endpoint, pid):
        s3 = make_client(endpoint, "s3")
        s3.create_bucket(Bucket="crc")
        assert "/_awscrt." not in _mapped(pid)
        put = s3.put_object(Bucket="crc", Key="k", Body=b"abc", ChecksumAlgorithm="CRC64NVME")
        assert put["ChecksumCRC64NVME"] == base64.b64encode(crt_checksums.crc64nvme(b"abc").to_bytes(8, "big")).decode()
        assert "/_awscrt." in _mapped(pid)


def test_the_alarm_evaluators_wait_for_an_alarm(tmp_path):
    loaded = _probe(tmp_path, """
answers["account"] = make_client(endpoint, "sts").get_caller_identity()["Account"]
advance_clock(endpoint, 120)  # CloudWatch's background ticks, with no alarm to evaluate
""")
    assert loaded["answers"]["account"] == "000000000000"
    assert [name for name in EVALUATORS if name in loaded["modules"]] == []
    assert [name for name in UNTIL_USED if name in loaded["modules"]] == []


def test_a_call_loads_its_own_model_only_even_when_routing_searches_every_service(tmp_path):
    # CloudWatch signs as "monitoring", no package's name; Managed Flink (kinesisanalyticsv2) signs as its v1,
    # kinesisanalytics, and is found by its target prefix; an unsigned query Action names no service at all.
    # Each used to load every served model to route; now each loads the one it calls.
    loaded = _probe(tmp_path, """
answers["metrics"] = make_client(endpoint, "cloudwatch").list_metrics()["Metrics"]
answers["applications"] = make_client(endpoint, "kinesisanalyticsv2").list_applications()["ApplicationSummaries"]
import requests
unsigned = requests.post(endpoint, data={"Action": "GetCallerIdentity", "Version": "2011-06-15"})
answers["unsigned"] = [unsigned.status_code, "<GetCallerIdentityResult>" in unsigned.text]
""")
    assert loaded["answers"] == {"metrics": [], "applications": [], "unsigned": [200, True]}
    assert loaded["providers"] == ["cloudwatch", "kinesisanalyticsv2", "sts"]
    assert loaded["models"] == 3


def test_a_first_call_reads_its_model_without_listing_every_model_directory(tmp_path):
    # botocore's loader checks a service is among all it could load by listing all ~460 model directories (25 ms
    # of the first answer); nimbus's reads the one service's directory.
    loaded = _probe(tmp_path, """
import os
sts = make_client(endpoint, "sts")  # the client's own loader lists what it lists before the count starts
listed, listdir = [], os.listdir
os.listdir = lambda path=".": listed.append(path) or listdir(path)
answers["account"] = sts.get_caller_identity()["Account"]
os.listdir = listdir
answers["listed"] = len(listed)
""")
    assert loaded["answers"]["account"] == "000000000000"
    assert loaded["answers"]["listed"] < 10


def test_a_restarted_server_evaluates_its_stored_alarms_before_any_cloudwatch_call(tmp_path):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    data_dir = str(tmp_path / "data")
    process = serve_subprocess(data_dir, port)
    try:
        cw = make_client(endpoint, "cloudwatch")
        cw.put_metric_alarm(AlarmName="stored", Namespace="Restart", MetricName="Load", Statistic="Maximum",
                            Period=60, EvaluationPeriods=5, DatapointsToAlarm=1, Threshold=10,
                            ComparisonOperator="GreaterThanThreshold")
        cw.put_metric_data(Namespace="Restart", MetricData=[{"MetricName": "Load", "Value": 50}])
        cw.set_alarm_state(AlarmName="stored", StateValue="OK", StateReason="before the restart")
    finally:
        kill_9(process)
    process = serve_subprocess(data_dir, port)
    try:
        advance_clock(endpoint, 60)  # the first evaluation, by the background engine alone
        history = make_client(endpoint, "cloudwatch").describe_alarm_history(
            AlarmName="stored", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
        assert "to ALARM" in history[0]["HistorySummary"]
    finally:
        kill_9(process)


def test_the_packages_a_start_imports_come_with_their_bytecode(tmp_path):
    # uv installs no bytecode unless asked (the Makefile asks), and under PYTHONDONTWRITEBYTECODE Python never
    # caches what it compiles: each start would compile botocore, uvicorn and the rest from source again.
    loaded = _probe(tmp_path, """
answers["account"] = make_client(endpoint, "sts").get_caller_identity()["Account"]
""")
    site_packages = sysconfig.get_paths()["purelib"]
    sources = [spec.origin for spec in map(_spec, loaded["modules"])
               if spec is not None and spec.origin and spec.origin.startswith(site_packages)
               and spec.origin.endswith(".py")]
    assert len(sources) > 100  # botocore, urllib3, uvicorn...
    assert [source for source in sources if not Path(importlib.util.cache_from_source(source)).exists()] == []


def _spec(name: str):
    module = sys.modules.get(name)
    if module is not None:
        return getattr(module, "__spec__", None)
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def test_a_start_syncs_the_secrets_it_keeps_but_not_its_admin_token(tmp_path, monkeypatch):
    # The admin token is written at every start and means nothing once its server is gone: no fsync for it.
    synced: list[str] = []
    fsync = os.fsync

    def observed(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", observed)
    token = new_admin_token(str(tmp_path))
    root_key(str(tmp_path))
    assert read_admin_token(str(tmp_path)) == token
    assert [Path(path).name for path in synced] == [Path(ROOT_KEY_FILE).name]


def test_what_start_up_made_is_out_of_the_collectors_sight(tmp_path):
    loaded = _probe(tmp_path, """
import gc
answers["frozen"] = gc.get_freeze_count()
""")
    assert loaded["answers"]["frozen"] > 10_000  # the modules, models and state a start leaves
