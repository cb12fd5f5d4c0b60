"""Data Pipeline: 1,000 backfilled hourly instances of a ShellCommandActivity, scheduled and run by a task
runner, against the wall time of the work itself (the same command run 1,000 times directly).

nimbus alone: moto's Data Pipeline stores definitions and never schedules or hands out a task. Measured:
the time from ActivatePipeline until the 1,000 instances exist, the time until a runner (the same code as
``nimbus taskrunner``) has run them all, and the work alone.
"""
from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta

import requests
from botocore import xform_name

from benchmarks.harness import running
from nimbus.services.datapipeline.runner import TaskRunner

INSTANCES = 1000
COMMAND = "echo benchmark > /dev/null"


def definition(start: datetime) -> list[dict]:
    def obj(object_id: str, **fields: str) -> dict:
        return {"id": object_id, "name": object_id,
                "fields": [{"key": k, "refValue": v[1:]} if v.startswith("@") else {"key": k, "stringValue": v}
                           for k, v in fields.items()]}
    end = start + timedelta(hours=INSTANCES)
    return [obj("Default", scheduleType="cron", workerGroup="bench", schedule="@Hourly"),
            obj("Hourly", type="Schedule", period="1 hour", startDateTime=start.strftime("%Y-%m-%dT%H:%M:%S"),
                endDateTime=end.strftime("%Y-%m-%dT%H:%M:%S")),
            obj("Work", type="ShellCommandActivity", command=COMMAND)]


def run(seconds: float) -> list[dict]:
    with running("nimbus") as target:
        dp = target.client("datapipeline")
        now = datetime.fromtimestamp(requests.get(f"{target.endpoint}/_nimbus/clock", timeout=10).json()["epoch"],
                                     tz=UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
        pipeline = dp.create_pipeline(name="bench", uniqueId="bench")["pipelineId"]
        dp.put_pipeline_definition(pipelineId=pipeline, pipelineObjects=definition(now - timedelta(hours=INSTANCES)))
        start = time.perf_counter()
        dp.activate_pipeline(pipelineId=pipeline)
        while len(dp.query_objects(pipelineId=pipeline, sphere="INSTANCE", limit=1,
                                   marker=str(INSTANCES - 1)).get("ids", [])) < 1:
            time.sleep(0.05)
        scheduled = time.perf_counter() - start
        clients = {"datapipeline": dp}
        runner = TaskRunner(lambda service, operation, params: getattr(
            clients.setdefault(service, target.client(service)), xform_name(operation))(**params), "bench")
        start = time.perf_counter()
        ran = 0
        while ran < INSTANCES:
            ran += runner.poll_once()
        all_run = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(INSTANCES):
        subprocess.run(["sh", "-c", COMMAND], check=True)
    alone = time.perf_counter() - start
    return [{"server": "nimbus", "schedule_1000_instances_s": round(scheduled, 2),
             "run_1000_tasks_s": round(all_run, 2), "work_alone_s": round(alone, 2),
             "overhead_per_task_ms": round((all_run - alone) / INSTANCES * 1000, 1)}]
