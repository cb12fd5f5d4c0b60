"""kill -9 under load: every acknowledged record is readable after a restart, in order, exactly once."""
from __future__ import annotations

import os
import signal
import threading
import time

from botocore.exceptions import BotoCoreError, ClientError

from nimbus.server import free_port
from tests.support import advance_clock, make_client, read_shard, serve_subprocess


def _write_until_killed(kinesis, name: str, worker: int, acknowledged: list, stop: threading.Event) -> None:
    counter = 0
    while not stop.is_set():
        batch = [{"Data": f"{worker}:{counter + i}".encode() + b"." * 900, "PartitionKey": f"w{worker}-{i % 3}"}
                 for i in range(50)]
        try:
            result = kinesis.put_records(StreamName=name, Records=batch)
            if "FailedRecordCount" not in result:
                return  # a response cut short by the kill: nothing of that call was acknowledged
            assert result["FailedRecordCount"] == 0
            acknowledged.extend(entry["Data"] for entry in batch)
            counter += 50
            if worker == 0 and counter % 500 == 0:
                kinesis.put_record(StreamName=name, Data=f"{worker}:single:{counter}".encode(), PartitionKey="single")
                acknowledged.append(f"{worker}:single:{counter}".encode())
        except (BotoCoreError, ClientError):
            return  # the server died mid-call: nothing of that call was acknowledged


def _run_once(data_dir: str) -> None:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = serve_subprocess(data_dir, port)
    name = "durable-stream"
    acknowledged: list[bytes] = []
    stop, writers = threading.Event(), []
    try:
        kinesis = make_client(endpoint, "kinesis")
        kinesis.create_stream(StreamName=name, ShardCount=3)
        advance_clock(endpoint, 1)
        writers += [threading.Thread(target=_write_until_killed, args=(make_client(endpoint, "kinesis"), name, w,
                                                                       acknowledged, stop)) for w in range(4)]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 3000 and time.monotonic() < deadline:
            time.sleep(0.02)
        kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000001",
                            NewStartingHashKey=str(2 ** 127))
        mark = len(acknowledged)
        while len(acknowledged) < mark + 1000 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        stop.set()
        for writer in writers:
            writer.join()
    assert len(acknowledged) >= 4000

    process = serve_subprocess(data_dir, port)
    try:
        kinesis = make_client(endpoint, "kinesis")
        shards = kinesis.list_shards(StreamName=name)["Shards"]
        assert len(shards) == 5
        seen: list[bytes] = []
        for shard in shards:
            records = read_shard(kinesis, name, shard["ShardId"])
            numbers = [int(r["SequenceNumber"]) for r in records]
            assert numbers == sorted(set(numbers)), "sequence numbers repeat or go backwards"
            seen += [r["Data"] for r in records]
        assert len(seen) == len(set(seen)), "a record appears twice"
        assert set(acknowledged) <= set(seen), "an acknowledged record was lost"
        # Writing goes on after recovery, on the same logs.
        after = kinesis.put_record(StreamName=name, Data=b"after-restart", PartitionKey="k")
        assert int(after["SequenceNumber"]) > 0
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_acknowledged_records_survive_kill_9_exactly_once(tmp_path):
    for round_ in range(2):
        _run_once(str(tmp_path / f"data{round_}"))


def test_a_torn_last_record_is_cut_off_on_recovery(tmp_path):
    from nimbus.services.kinesis.shard_log import ShardLog, encode
    path = str(tmp_path / "000000000.log")
    log = ShardLog(path)
    log.append([encode(1, 0, b"k", b"one"), encode(2, 0, b"k", b"two")], [1, 2])
    log.close()
    whole = os.path.getsize(path)
    with open(path, "ab") as file:
        file.write(encode(3, 0, b"k", b"three")[:-2])  # a write the crash cut short
    recovered = ShardLog(path)
    assert recovered.count == 2 and os.path.getsize(path) == whole
    assert [r.data for r in recovered.read(0, 10, 1 << 20)] == [b"one", b"two"]
    assert recovered.append([encode(4, 0, b"k", b"four")], [4]) == 2
    recovered.close()
    assert [r.data for r in ShardLog(path).read(0, 10, 1 << 20)] == [b"one", b"two", b"four"]
