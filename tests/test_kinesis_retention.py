"""Retention on the virtual clock: expired records leave reads and the disk, unexpired ones stay exactly once
with their sequence numbers, across restarts; closed shards drop out after retention."""
from __future__ import annotations

import os
from pathlib import Path

from nimbus.services.kinesis.shard_log import ShardLog, encode
from tests.support import advance_clock, error_of, make_client, read_shard, start_server, unique

SHARD = "shardId-000000000000"
HOUR = 3600


def _disk_bytes(data_dir: Path) -> int:
    return sum(f.stat().st_size for f in (data_dir / "kinesis").rglob("*.log"))


def _new_stream(kinesis, endpoint: str, prefix: str) -> str:
    name = unique(prefix)
    kinesis.create_stream(StreamName=name, ShardCount=1)
    advance_clock(endpoint, 1)
    return name


def _put(kinesis, name: str, prefix: str, count: int, size: int = 8192) -> list[str]:
    records = [{"Data": f"{prefix}{i}:".encode() + b"x" * size, "PartitionKey": "k"} for i in range(count)]
    result = kinesis.put_records(StreamName=name, Records=records)
    assert result["FailedRecordCount"] == 0
    return [r["SequenceNumber"] for r in result["Records"]]


def _iterator(kinesis, name: str, kind: str, number: str | None = None) -> str:
    extra = {"StartingSequenceNumber": number} if number else {}
    return kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD, ShardIteratorType=kind, **extra)["ShardIterator"]


def _first(kinesis, iterator: str) -> dict | None:
    records = kinesis.get_records(ShardIterator=iterator, Limit=1)["Records"]
    return records[0] if records else None


def test_expired_records_leave_reads_and_disk_and_stay_gone_after_restarts(tmp_path):
    data_dir = tmp_path / "data"
    with start_server(tmp_path) as running:
        kinesis = make_client(running.endpoint, "kinesis")
        name = _new_stream(kinesis, running.endpoint, "retained")
        old = _put(kinesis, name, "old", 200)  # ~1.6 MB, written at t0
        advance_clock(running.endpoint, 23 * HOUR)
        new = _put(kinesis, name, "new", 20)  # t0 + 23 h: a later segment
        before = _disk_bytes(data_dir)
        assert before > 200 * 8192
        advance_clock(running.endpoint, HOUR + 5)  # the old records pass the 24 h retention

        after = _disk_bytes(data_dir)
        assert after < before - 200 * 8192, "the expired records are still on disk"
        records = read_shard(kinesis, name, SHARD)
        assert [r["SequenceNumber"] for r in records] == new  # the unexpired ones, once each, same numbers
        assert records[0]["Data"].startswith(b"new0:")
        # An iterator at (or after) a trimmed record starts at the trim horizon, as in AWS.
        for kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            assert _first(kinesis, _iterator(kinesis, name, kind, old[50]))["SequenceNumber"] == new[0]
        assert _first(kinesis, _iterator(kinesis, name, "AT_SEQUENCE_NUMBER", new[3]))["SequenceNumber"] == new[3]

    with start_server(tmp_path) as running:  # after a restart: the same records, numbers and disk
        kinesis = make_client(running.endpoint, "kinesis")
        assert [r["SequenceNumber"] for r in read_shard(kinesis, name, SHARD)] == new
        assert _disk_bytes(data_dir) == after
        later = _put(kinesis, name, "later", 1)
        assert int(later[0]) > int(new[-1])
        advance_clock(running.endpoint, 25 * HOUR)  # everything expires, with no write to start a segment
        assert _disk_bytes(data_dir) == 0
        assert read_shard(kinesis, name, SHARD) == []
        assert _first(kinesis, _iterator(kinesis, name, "TRIM_HORIZON")) is None

    with start_server(tmp_path) as running:  # numbers keep growing after a restart with an empty log
        kinesis = make_client(running.endpoint, "kinesis")
        last = _put(kinesis, name, "last", 2)
        assert int(last[0]) > int(later[0])
        assert [r["SequenceNumber"] for r in read_shard(kinesis, name, SHARD)] == last
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        assert summary["RetentionPeriodHours"] == 24


def test_an_increase_does_not_bring_expired_records_back_and_a_decrease_trims_the_disk(tmp_path):
    data_dir = tmp_path / "data"
    with start_server(tmp_path) as running:
        kinesis = make_client(running.endpoint, "kinesis")
        name = _new_stream(kinesis, running.endpoint, "resize")
        _put(kinesis, name, "gone", 5)
        advance_clock(running.endpoint, 24 * HOUR + 60)
        kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=72)
        assert read_shard(kinesis, name, SHARD) == []  # expired stays expired

        kept = _new_stream(kinesis, running.endpoint, "kept")
        kinesis.increase_stream_retention_period(StreamName=kept, RetentionPeriodHours=72)
        _put(kinesis, kept, "a", 100)
        advance_clock(running.endpoint, 30 * HOUR)
        _put(kinesis, kept, "b", 3)
        assert len(read_shard(kinesis, kept, SHARD)) == 103
        before = _disk_bytes(data_dir)
        kinesis.decrease_stream_retention_period(StreamName=kept, RetentionPeriodHours=24)
        assert [r["Data"][:2] for r in read_shard(kinesis, kept, SHARD)] == [b"b0", b"b1", b"b2"]
        assert _disk_bytes(data_dir) < before - 100 * 8192


def test_closed_shards_drop_out_once_their_records_expire(tmp_path):
    with start_server(tmp_path) as running:
        kinesis = make_client(running.endpoint, "kinesis")
        name = _new_stream(kinesis, running.endpoint, "closed")
        _put(kinesis, name, "parent", 10)
        kinesis.split_shard(StreamName=name, ShardToSplit=SHARD, NewStartingHashKey=str(2 ** 127))
        advance_clock(running.endpoint, 1)
        assert len(read_shard(kinesis, name, SHARD)) == 10  # readable while retained
        advance_clock(running.endpoint, 24 * HOUR + 5)
        listed = [s["ShardId"] for s in kinesis.list_shards(StreamName=name)["Shards"]]
        assert listed == ["shardId-000000000001", "shardId-000000000002"]
        assert error_of(kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD,
                        ShardIteratorType="TRIM_HORIZON").code == "ResourceNotFoundException"
        described = kinesis.describe_stream(StreamName=name)["StreamDescription"]["Shards"]
        assert [s["ShardId"] for s in described] == listed


def test_segments_roll_trim_and_recover(tmp_path):
    """The log itself: positions survive deleting old segments, a restart, and an all-expired log."""
    path = str(tmp_path / "000000000.log")
    log = ShardLog(path)
    for hour in range(5):
        at = hour * 3600_000
        assert log.append([encode(at, 0, b"k", f"r{hour}".encode())] * 2, [at, at], 3600_000, 0) == hour * 2
    assert len(os.listdir(tmp_path)) == 5 and log.count == 10
    assert log.trim(2 * 3600_000) > 0  # hours 0 and 1 go
    assert log.first == 4 and log.position_at(0) == 4 and log.time_before(4) == 3600_000
    assert [r.position for r in log.read(0, 100, 1 << 20)] == list(range(4, 10))
    log.close()
    reopened = ShardLog(path)
    assert (reopened.count, reopened.first, reopened.last_time) == (10, 4, 4 * 3600_000)
    reopened.trim(10 * 3600_000)  # everything: an empty segment keeps the place
    assert reopened.count == 10 and reopened.read(0, 10, 1 << 20) == []
    reopened.close()
    again = ShardLog(path)
    assert again.count == 10 and again.last_time == 4 * 3600_000
    assert again.append([encode(5 * 3600_000, 0, b"k", b"next")], [5 * 3600_000]) == 10
    assert [r.data for r in again.read(0, 10, 1 << 20)] == [b"next"]


def test_a_log_not_open_is_trimmed_by_its_file_names(tmp_path):
    from nimbus.services.kinesis.shard_log import LogDirectory
    logs = LogDirectory(str(tmp_path))
    for hour in range(3):
        logs.log("s" * 32, 0).append([encode(hour * 3600_000, 0, b"k", b"r")], [hour * 3600_000], 3600_000)
    logs.drop_stream("t" * 32)  # another stream: nothing to do
    idle = LogDirectory(str(tmp_path))  # as after a restart: nothing open
    assert idle.trim("s" * 32, 0, 2 * 3600_000) > 0
    assert len(os.listdir(tmp_path / ("s" * 32))) == 1  # the newest segment waits until the log is used
    assert idle.trim("s" * 32, 7, 2 * 3600_000) == 0  # a shard without files
    log = idle.log("s" * 32, 0)
    assert (log.first, log.count) == (2, 3)
    assert [r.position for r in log.read(0, 10, 1 << 20)] == [2]


def test_kill_9_while_segments_roll_loses_and_repeats_nothing(tmp_path, monkeypatch):
    """The kill -9 test of test_kinesis_durability, with 64 KiB segments: the logs roll all through the load."""
    from tests.test_kinesis_durability import _run_once
    monkeypatch.setenv("NIMBUS_KINESIS_SEGMENT_BYTES", str(64 * 1024))
    _run_once(str(tmp_path / "data"))
    rolled = [name for name in os.listdir(next((tmp_path / "data" / "kinesis").iterdir())) if "-" in name]
    assert len(rolled) > 10
