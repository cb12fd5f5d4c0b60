"""SNS Publish and CloudWatch Logs writes and reads, nimbus vs moto."""
from __future__ import annotations

import time

from benchmarks.harness import rate, running


def _sns(target) -> dict:
    sns = target.client("sns")
    topic = sns.create_topic(Name="bench")["TopicArn"]
    # SMS: both servers confirm it at once and record, not send, what it gets.
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")
    attributes = {"kind": {"DataType": "String", "StringValue": "order"}}
    return {"sns_Publish_per_s": rate(lambda: sns.publish(TopicArn=topic, Message="hello", MessageAttributes=attributes),
                                      _sns.seconds)}


def _logs(target) -> dict:
    logs = target.client("logs")
    logs.create_log_group(logGroupName="/bench")
    logs.create_log_stream(logGroupName="/bench", logStreamName="s")

    def put():
        now = int(time.time() * 1000)
        logs.put_log_events(logGroupName="/bench", logStreamName="s",
                            logEvents=[{"timestamp": now, "message": f"INFO request {i} ok"} for i in range(100)])
    put_rate = rate(put, _sns.seconds, warmup=10)

    def get():
        logs.get_log_events(logGroupName="/bench", logStreamName="s", startFromHead=True, limit=100)

    def filtered():
        logs.filter_log_events(logGroupName="/bench", filterPattern="request", limit=100)
    return {"logs_PutLogEvents_100_per_s": put_rate,
            "logs_GetLogEvents_100_per_s": rate(get, _sns.seconds),
            "logs_FilterLogEvents_100_per_s": rate(filtered, _sns.seconds, warmup=5)}


def run(seconds: float) -> list[dict]:
    _sns.seconds = seconds
    rows = []
    for name in ("nimbus", "moto"):
        with running(name) as target:
            rows.append({"server": name, **_sns(target), **_logs(target)})
    return rows
