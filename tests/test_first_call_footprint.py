"""A service's first call does not load the SQL engine (Arrow, DuckDB and sqlglot: about a second of imports and
most of a hundred MiB) that only its queries need: S3 Select, Logs Insights, CloudTrail Lake, Config's advanced
queries and Kinesis Analytics' SQL applications each load it with the first call that runs one. Nor does
CloudFormation's load cfn-lint (and its sympy: seconds), which ValidateTemplate alone runs."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("duckdb", "pyarrow", "sqlglot")

PROBE = """
import json, sys
from nimbus.config import Config
from nimbus.server import ServerThread
from tests.support import make_client

with ServerThread(Config(port=0, data_dir=sys.argv[1])) as server:
    s3 = make_client(server.endpoint, "s3")
    s3.create_bucket(Bucket="first-calls")
    s3.put_object(Bucket="first-calls", Key="rows.csv", Body=b"a,b\\n1,2\\n3,4\\n")
    s3.get_object(Bucket="first-calls", Key="rows.csv")["Body"].read()
    s3.list_objects_v2(Bucket="first-calls")
    logs = make_client(server.endpoint, "logs")
    logs.create_log_group(logGroupName="first-calls")
    logs.describe_log_groups()
    make_client(server.endpoint, "cloudtrail").lookup_events(MaxResults=5)
    make_client(server.endpoint, "cloudtrail").list_event_data_stores()
    make_client(server.endpoint, "config").describe_configuration_recorders()
    make_client(server.endpoint, "kinesisanalytics").list_applications()
    make_client(server.endpoint, "cloudformation").list_stacks()
    make_client(server.endpoint, "cloudcontrol").list_resources(TypeName="AWS::Logs::LogGroup")
    heavy = {"duckdb", "pyarrow", "sqlglot", "cfnlint", "sympy"}
    before = sorted(name for name in sys.modules if name.split(".")[0] in heavy)
    answer = s3.select_object_content(
        Bucket="first-calls", Key="rows.csv", ExpressionType="SQL", Expression="SELECT s.b FROM S3Object s",
        InputSerialization={"CSV": {"FileHeaderInfo": "USE"}}, OutputSerialization={"CSV": {}})
    rows = b"".join(event["Records"]["Payload"] for event in answer["Payload"] if "Records" in event)
    after = sorted({name.split(".")[0] for name in sys.modules} & heavy)
    print(json.dumps({"before": before, "after": after, "rows": rows.decode()}))
"""


def test_calls_load_the_sql_engine_only_for_a_query(tmp_path):
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "data")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert loaded == {"before": [], "after": sorted(ENGINES), "rows": "2\n4\n"}
