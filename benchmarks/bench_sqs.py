"""SQS: Send/Receive/Delete calls per second (one client, and 32 at once), the latency from SendMessage to a
long-polling receiver, and SNS fanning out to 10 queues, nimbus vs moto."""
from __future__ import annotations

import json
import statistics
import threading
import time

import boto3
from botocore.config import Config as BotoConfig

from benchmarks.harness import rate, running

CLIENTS = 32
QUEUES = 10


def _client(target, service: str):
    return boto3.client(service, endpoint_url=target.endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=BotoConfig(retries={"max_attempts": 1}, max_pool_connections=CLIENTS, read_timeout=60))


def _cycle(sqs, url: str) -> None:
    """One message's life: three calls."""
    sqs.send_message(QueueUrl=url, MessageBody="benchmark message")
    for message in sqs.receive_message(QueueUrl=url).get("Messages", []):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _single(target, seconds: float) -> dict:
    sqs = _client(target, "sqs")
    url = sqs.create_queue(QueueName="single")["QueueUrl"]
    send = rate(lambda: sqs.send_message(QueueUrl=url, MessageBody="benchmark message"), seconds)
    sqs.purge_queue(QueueUrl=url)
    cycles = rate(lambda: _cycle(sqs, url), seconds, warmup=10)
    return {"sqs_SendMessage_per_s": send, "sqs_send_receive_delete_calls_per_s_1_client": 3 * cycles}


def _concurrent(target, seconds: float) -> dict:
    url = _client(target, "sqs").create_queue(QueueName="shared")["QueueUrl"]
    counts = [0] * CLIENTS
    stop = time.perf_counter() + seconds

    def work(index: int) -> None:
        sqs = _client(target, "sqs")
        while time.perf_counter() < stop:
            _cycle(sqs, url)
            counts[index] += 3

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {f"sqs_send_receive_delete_calls_per_s_{CLIENTS}_clients": sum(counts) / (time.perf_counter() - start)}


def _latency(target, samples: int = 20) -> dict:
    sqs = _client(target, "sqs")
    url = sqs.create_queue(QueueName="latency")["QueueUrl"]
    delays: list[float] = []
    for _ in range(samples):
        got: dict = {}

        def receive() -> None:
            messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])
            got["at"] = time.perf_counter()
            for message in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

        receiver = threading.Thread(target=receive)
        receiver.start()
        time.sleep(0.2)  # the receiver is waiting
        sent = time.perf_counter()
        sqs.send_message(QueueUrl=url, MessageBody="now")
        receiver.join(30)
        delays.append(got["at"] - sent)
    return {"sqs_send_to_long_poll_median_ms": statistics.median(delays) * 1000}


def _fan_out(target, messages: int = 50) -> dict:
    sns, sqs = _client(target, "sns"), _client(target, "sqs")
    topic = sns.create_topic(Name="fan-out")["TopicArn"]
    urls = []
    for index in range(QUEUES):
        url = sqs.create_queue(QueueName=f"fan-out-{index}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        urls.append(url)
    start = time.perf_counter()
    for index in range(messages):
        sns.publish(TopicArn=topic, Message=f"message {index}")
    delivered, deadline = 0, start + 120
    while delivered < messages * QUEUES and time.perf_counter() < deadline:
        for url in urls:
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                delivered += 1
    return {f"sns_fan_out_{QUEUES}_queues_deliveries_per_s": delivered / (time.perf_counter() - start)}


def run(seconds: float) -> list[dict]:
    rows = []
    for name in ("nimbus", "moto"):
        with running(name) as target:
            rows.append({"server": name, **_single(target, seconds), **_concurrent(target, seconds),
                         **_latency(target), **_fan_out(target)})
    return rows
