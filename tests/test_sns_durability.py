"""kill -9: what Publish acknowledged is delivered after a restart, with its retry state (attempt count,
next attempt on the virtual clock), exactly once once the endpoint accepts it."""
from __future__ import annotations

import json
import os
import signal
import time

import pytest
import requests

from nimbus.core.ports import free_port
from tests.support import Endpoint, advance_clock, body, make_client, recorded, serve_subprocess, verify_sns_signature


class Nimbus:
    """nimbus in a subprocess, restarted on the same port and data dir (so signed URLs stay valid)."""

    def __init__(self, data_dir: str):
        self.data_dir = data_dir
        self.endpoint = f"http://127.0.0.1:{free_port()}"
        self.process = None

    def start(self) -> None:
        self.process = serve_subprocess(self.data_dir, int(self.endpoint.rsplit(":", 1)[1]))

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def nimbus(tmp_path):
    running = Nimbus(str(tmp_path / "data"))
    running.start()
    yield running
    if running.process.poll() is None:
        running.kill()


def _confirmed_topic(sns, receiver: Endpoint, **subscription_attributes) -> tuple[str, str]:
    topic = sns.create_topic(Name="durable-deliveries")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url, Attributes=subscription_attributes)
    confirmation = body(receiver.wait_for(1, "SubscriptionConfirmation")[0])
    arn = sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])["SubscriptionArn"]
    return topic, arn


def _pending(endpoint: str, url: str) -> list[dict]:
    return requests.get(f"{endpoint}/_nimbus/sns/deliveries", params={"endpoint": url}, timeout=10).json()["pending"]


def _wait_pending(endpoint: str, url: str, attempts: int) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pending = _pending(endpoint, url)
        if pending and pending[0]["attempt"] == attempts:
            return pending[0]
        time.sleep(0.02)
    raise AssertionError(f"no stored delivery after {attempts} attempts: {_pending(endpoint, url)}")


def test_a_delivery_waiting_for_its_retry_survives_kill_9_and_arrives_once(nimbus, receiver):
    endpoint = nimbus.endpoint
    sns = make_client(endpoint, "sns")
    topic, sub_arn = _confirmed_topic(sns, receiver)
    receiver.statuses = [500]
    message_id = sns.publish(TopicArn=topic, Message="survives", Subject="kill -9")["MessageId"]
    receiver.wait_for(1, "Notification")
    stored = _wait_pending(endpoint, receiver.url, 1)  # one retry used, the next due in 20 s
    assert stored["message_id"] == message_id and stored["subscription_arn"] == sub_arn
    nimbus.kill()

    nimbus.start()
    time.sleep(0.5)
    assert len(receiver.of_type("Notification")) == 1  # not before its time
    advance_clock(endpoint, 21)
    notes = receiver.wait_for(2, "Notification")
    advance_clock(endpoint, 120)
    time.sleep(0.5)
    notes = receiver.of_type("Notification")
    assert len(notes) == 2  # the failed attempt before the kill, and one delivery after it
    delivered = body(notes[1])
    assert delivered["MessageId"] == message_id == notes[1]["headers"]["x-amz-sns-message-id"]
    assert delivered["Message"] == "survives" and delivered["Subject"] == "kill -9"
    assert notes[1]["headers"]["x-amz-sns-subscription-arn"] == sub_arn
    assert verify_sns_signature(delivered)
    assert _pending(endpoint, receiver.url) == []


def test_attempt_counts_survive_kill_9_and_exhausted_deliveries_go_to_the_dead_letter_target(nimbus, receiver):
    endpoint = nimbus.endpoint
    sns = make_client(endpoint, "sns")
    dlq = "arn:aws:sqs:us-east-1:000000000000:deliveries-dlq"
    topic, _ = _confirmed_topic(sns, receiver, RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq}),
                                DeliveryPolicy=json.dumps({"healthyRetryPolicy": {
                                    "numRetries": 2, "minDelayTarget": 5, "maxDelayTarget": 5}}))
    receiver.statuses = [500] * 10
    message_id = sns.publish(TopicArn=topic, Message="never accepted")["MessageId"]
    receiver.wait_for(1, "Notification")
    _wait_pending(endpoint, receiver.url, 1)
    advance_clock(endpoint, 6)
    receiver.wait_for(2, "Notification")
    assert _wait_pending(endpoint, receiver.url, 2)["due"] > 0
    nimbus.kill()

    nimbus.start()
    advance_clock(endpoint, 6)
    receiver.wait_for(3, "Notification")  # the last retry the policy allows
    dead = recorded(endpoint, dlq)
    assert [d["MessageId"] for d in dead] == [message_id]
    assert dead[0]["ErrorCode"] == "HTTP 500" and dead[0]["Attempts"] == 3
    assert json.loads(dead[0]["Body"])["Message"] == "never accepted"
    advance_clock(endpoint, 600)
    time.sleep(0.5)
    assert len(receiver.of_type("Notification")) == 3
    assert _pending(endpoint, receiver.url) == []


def test_every_acknowledged_publish_is_delivered_after_kill_9(nimbus, receiver):
    endpoint = nimbus.endpoint
    sns = make_client(endpoint, "sns")
    topic, _ = _confirmed_topic(sns, receiver)
    queue = "arn:aws:sqs:us-east-1:000000000000:kept"  # no such queue: recorded, not sent
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)
    acknowledged = []
    for i in range(3):
        result = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
            {"Id": f"m{j}", "Message": f"message {i}.{j}"} for j in range(10)])
        acknowledged += [entry["MessageId"] for entry in result["Successful"]]
    nimbus.kill()  # fan-out and first attempts may or may not have happened

    nimbus.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        seen = {body(n)["MessageId"] for n in receiver.of_type("Notification")}
        if seen >= set(acknowledged):
            break
        time.sleep(0.05)
    assert seen == set(acknowledged)
    # Recording happens in the same transaction that retires the stored message: exactly once.
    assert sorted(m["MessageId"] for m in recorded(endpoint, queue, count=30)) == sorted(acknowledged)


