"""AWS Config: what recording costs the request path, and how soon a change is readable.

- S3 PutBucketTagging calls/s on one bucket, without a recorder and then with one recording every
  supported type (each call is a change Config records): recording must not slow the path by 10%.
- The delay from a PutBucketTagging answered to its configuration item returned by
  GetResourceConfigHistory (median of 50).
nimbus only: moto's Config stores recorders and records nothing.
"""
from __future__ import annotations

import json
import statistics
import time

from benchmarks.harness import rate, running

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _tagging(s3, bucket: str):
    counter = iter(range(10**9))
    return lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "n", "Value": str(next(counter))}]})


def _start_recorder(target) -> None:
    role = target.client("iam").create_role(RoleName="config", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    config, s3 = target.client("config"), target.client("s3")
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role})
    s3.create_bucket(Bucket="config-delivery")
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-delivery"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")


def _delay_ms(target, bucket: str) -> float:
    s3, config = target.client("s3"), target.client("config")
    delays = []
    for n in range(50):
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "delay", "Value": str(n)}]})
        start = time.perf_counter()
        while True:
            newest = config.get_resource_config_history(resourceType="AWS::S3::Bucket", resourceId=bucket, limit=1)
            if newest["configurationItems"][0]["tags"].get("delay") == str(n):
                break
        delays.append((time.perf_counter() - start) * 1000)
    return statistics.median(delays)


def run(seconds: float) -> list[dict]:
    """Rounds alternate a stopped and a recording recorder (the machine's load moves between them); the
    medians are compared. A round with the recorder starts once its discovery is done (a read waits for it)."""
    with running("nimbus") as target:
        s3, config = target.client("s3"), target.client("config")
        s3.create_bucket(Bucket="tagged")
        _start_recorder(target)
        rounds: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(3):
            for recording in (False, True):
                if recording:
                    config.start_configuration_recorder(ConfigurationRecorderName="default")
                    config.get_discovered_resource_counts()
                else:
                    config.stop_configuration_recorder(ConfigurationRecorderName="default")
                rounds[recording].append(rate(_tagging(s3, "tagged"), seconds))
        without, with_recorder = statistics.median(rounds[False]), statistics.median(rounds[True])
        return [{"server": "nimbus", "put_bucket_tagging_per_s": without,
                 "put_bucket_tagging_recording_per_s": with_recorder,
                 "recording_cost_pct": 100 * (without - with_recorder) / without,
                 "change_to_item_ms": _delay_ms(target, "tagged")}]
