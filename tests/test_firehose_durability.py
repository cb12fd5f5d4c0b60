"""kill -9: buffered records and a Kinesis source's checkpoints survive; nothing is lost or delivered twice."""
from __future__ import annotations

import threading
import time

from nimbus.core.ports import free_port
from tests.support import advance_clock, firehose_role, kill_9, make_client, objects, s3_config, serve_subprocess


def test_buffered_records_survive_kill_9(tmp_path):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    data_dir = str(tmp_path / "data")
    process = serve_subprocess(data_dir, port)
    try:
        s3, firehose = make_client(endpoint, "s3"), make_client(endpoint, "firehose")
        firehose_role(make_client(endpoint, "iam"))
        s3.create_bucket(Bucket="durable-fh")
        firehose.create_delivery_stream(DeliveryStreamName="buffered", ExtendedS3DestinationConfiguration=s3_config(
            "durable-fh", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 600}))
        advance_clock(endpoint, 1)
        for i in range(20):
            firehose.put_record_batch(DeliveryStreamName="buffered",
                                      Records=[{"Data": f"{i}:{j}\n".encode()} for j in range(25)])
    finally:
        kill_9(process)
    process = serve_subprocess(data_dir, port)
    try:
        s3 = make_client(endpoint, "s3")
        assert objects(s3, "durable-fh") == {}
        advance_clock(endpoint, 601)
        bodies = list(objects(s3, "durable-fh").values())
        assert len(bodies) == 1
        lines = bodies[0].decode().splitlines()
        assert sorted(lines) == sorted(f"{i}:{j}" for i in range(20) for j in range(25))
    finally:
        kill_9(process)


def _write(kinesis, name: str, start: int, count: int, acknowledged: list, stop: threading.Event,
           attempted: list | None = None) -> None:
    for i in range(start, start + count, 20):
        if stop.is_set():
            return
        batch = [{"Data": f"r{n}\n".encode(), "PartitionKey": f"k{n % 7}"} for n in range(i, i + 20)]
        if attempted is not None:
            attempted.extend(entry["Data"].decode().strip() for entry in batch)
        try:
            result = kinesis.put_records(StreamName=name, Records=batch)
        except Exception:
            return  # the server died mid-call: nothing of this batch was acknowledged
        assert result["FailedRecordCount"] == 0
        acknowledged.extend(entry["Data"].decode().strip() for entry in batch)


def _delivered(s3, bucket: str) -> list[str]:
    return [line for body in objects(s3, bucket).values() for line in body.decode().splitlines()]


def test_kinesis_source_resumes_after_kill_9_without_loss_or_duplicates(tmp_path):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    data_dir = str(tmp_path / "data")
    acknowledged: list[str] = []
    attempted: list[str] = []  # a batch cut off by the kill may or may not have been stored
    process = serve_subprocess(data_dir, port)
    stop = threading.Event()
    try:
        s3, kinesis, firehose = (make_client(endpoint, s) for s in ("s3", "kinesis", "firehose"))
        firehose_role(make_client(endpoint, "iam"))
        s3.create_bucket(Bucket="from-kinesis")
        kinesis.create_stream(StreamName="source", ShardCount=2)
        advance_clock(endpoint, 1)
        arn = kinesis.describe_stream_summary(StreamName="source")["StreamDescriptionSummary"]["StreamARN"]
        firehose.create_delivery_stream(
            DeliveryStreamName="reader", DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration={"KinesisStreamARN": arn, "RoleARN": s3_config("x")["RoleARN"]},
            ExtendedS3DestinationConfiguration=s3_config("from-kinesis", BufferingHints={
                "SizeInMBs": 1, "IntervalInSeconds": 60}))
        _write(kinesis, "source", 0, 400, acknowledged, stop)  # before Firehose is ACTIVE: read from TRIM_HORIZON
        advance_clock(endpoint, 1)
        writer = threading.Thread(target=_write, args=(make_client(endpoint, "kinesis"), "source", 400, 4000,
                                                       acknowledged, stop, attempted))
        writer.start()
        deadline = time.monotonic() + 20
        while len(acknowledged) < 1500 and time.monotonic() < deadline:
            time.sleep(0.02)
        advance_clock(endpoint, 61)  # some deliveries happen before the kill
        time.sleep(0.3)
    finally:
        kill_9(process)
        stop.set()
        writer.join()
    before = len(acknowledged)
    assert before >= 1500

    process = serve_subprocess(data_dir, port)
    try:
        s3, kinesis = make_client(endpoint, "s3"), make_client(endpoint, "kinesis")
        kinesis.split_shard(StreamName="source", ShardToSplit="shardId-000000000000",
                            NewStartingHashKey=str(2 ** 126))
        advance_clock(endpoint, 1)
        _write(kinesis, "source", 10000, 600, acknowledged, threading.Event())
        deadline = time.monotonic() + 30
        while True:
            advance_clock(endpoint, 61)
            delivered = _delivered(s3, "from-kinesis")
            if set(acknowledged) <= set(delivered) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(delivered) == len(set(delivered)), "a record was delivered twice"
        assert set(acknowledged) <= set(delivered), "an acknowledged record was lost"
        assert set(delivered) <= set(acknowledged) | set(attempted), "a record was invented"
        # Within an object, in order per partition key (the reader follows AWS's resharding rules).
        for body in objects(s3, "from-kinesis").values():
            numbers = [int(line[1:]) for line in body.decode().splitlines()]
            for key in range(7):
                mine = [n for n in numbers if n % 7 == key]
                assert mine == sorted(mine)
    finally:
        kill_9(process)
