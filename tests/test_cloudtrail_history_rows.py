"""Event history's layout (history_rows.py): one row per batch of events, read newest first by every reader, and the
rows of one event each that data dirs written before batches keep."""
from __future__ import annotations

from nimbus.services.cloudtrail import lookup
from nimbus.services.cloudtrail.history import (
    BATCH,
    INDEX,
    MANAGEMENT,
    RETENTION_SECONDS,
    UNINDEXED,
    HistoryWriter,
    history_ns,
    index_rows,
    time_key,
)
from nimbus.services.cloudtrail.history_rows import EventsAt, scan_events
from nimbus.store.sqlite import SqliteStore

ACCOUNT, REGION = "333333333333", "us-east-1"
EVENTS = history_ns(ACCOUNT, REGION, MANAGEMENT)
START_MS = 1_800_000_000_000


def record(number: int, name: str = "ListTopics") -> dict:
    return {"eventID": f"id-{number}", "eventName": name, "readOnly": True, "eventSource": "sns.amazonaws.com",
            "eventTime": "2027-01-15T08:00:00Z", "userIdentity": {"type": "Root", "accessKeyId": "AKIA"}}


def write(writer: HistoryWriter, numbers, ms_of=lambda number: START_MS + number, name: str = "ListTopics") -> None:
    for number in numbers:
        writer.add(ACCOUNT, REGION, MANAGEMENT, record(number, name), ms_of(number))
    writer.flush()


def ids(events) -> list[str]:
    return [found["eventID"] for _, found in events]


def test_a_batch_is_one_row_and_events_read_back_newest_first_from_any_key(tmp_path):
    store = SqliteStore(str(tmp_path / "rows.sqlite3"))
    write(HistoryWriter(store), range(2 * BATCH + 50))
    assert len(store.scan(EVENTS)) == 3  # two full batches and the last 50
    events = list(scan_events(store, EVENTS))
    assert ids(events) == [f"id-{n}" for n in reversed(range(2 * BATCH + 50))]
    keys = [key for key, _ in events]
    assert keys == sorted(keys)
    for at in (0, 1, 49, 50, 51, 149, 150, 249):  # inside a batch, at its edges, the oldest
        assert list(scan_events(store, EVENTS, keys[at])) == events[at + 1:]
    reader = EventsAt(store, EVENTS)
    assert [reader.get(key) for key, _ in events[::7]] == [found for _, found in events[::7]]
    assert reader.get(time_key(START_MS + 10_000)) is None  # newer than every event
    store.close()


def test_rows_of_one_event_from_before_batches_are_read_indexed_and_pruned(tmp_path):
    store = SqliteStore(str(tmp_path / "old.sqlite3"))
    old_keys = [time_key(START_MS + number, 0) for number in range(30)]
    for number, key in enumerate(old_keys):  # what a data dir written before batches holds
        store.put(EVENTS, key, record(number, "CreateTopic"))
    store.put(history_ns(ACCOUNT, REGION, UNINDEXED), old_keys[-1], old_keys)
    writer = HistoryWriter(store)
    write(writer, range(100, 140), name="CreateTopic")  # newer, in a batch
    events = list(scan_events(store, EVENTS))
    assert ids(events) == [f"id-{n}" for n in reversed(range(100, 140))] + [f"id-{n}" for n in reversed(range(30))]
    writer.index_pending()
    now = START_MS / 1000 + 60
    by_name = {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "CreateTopic"}]}
    pages, token = [], None
    while True:
        page = lookup.lookup(store, ACCOUNT, REGION, {**by_name, "MaxResults": 25, **(
            {"NextToken": token} if token else {})}, now)
        pages += [event["EventId"] for event in page["Events"]]
        if not (token := page.get("NextToken")):
            break
    assert pages == ids(events)
    unfiltered = lookup.lookup(store, ACCOUNT, REGION, {"MaxResults": 50}, now)
    assert [event["EventId"] for event in unfiltered["Events"]] == ids(events)[:50]
    assert writer.prune(START_MS / 1000 + RETENTION_SECONDS + 3600) is True
    assert store.scan(EVENTS) == [] and store.namespaces(("cloudtrail", ACCOUNT, REGION, INDEX)) == []
    store.close()


def test_a_batch_across_the_cutoff_keeps_its_newer_events_and_their_index(tmp_path):
    store = SqliteStore(str(tmp_path / "cutoff.sqlite3"))
    writer = HistoryWriter(store)
    day_ms = 86400 * 1000
    # One batch: the clock moved a day between its fifth and sixth events.
    write(writer, range(10), ms_of=lambda number: START_MS + number + (day_ms if number >= 5 else 0))
    writer.index_pending()
    assert len(store.scan(EVENTS)) == 1
    indexed = {key: len(index_rows(ACCOUNT, REGION, key, found)) for key, found in scan_events(store, EVENTS)}
    index_documents = sum(len(store.scan(ns)) for ns in store.namespaces(("cloudtrail", ACCOUNT, REGION, INDEX)))
    assert index_documents == sum(indexed.values())
    # 90 days after the first five, before the last five
    assert writer.prune(START_MS / 1000 + RETENTION_SECONDS + 3600) is True
    assert ids(scan_events(store, EVENTS)) == [f"id-{n}" for n in reversed(range(5, 10))]
    left = sum(len(store.scan(ns)) for ns in store.namespaces(("cloudtrail", ACCOUNT, REGION, INDEX)))
    assert left == sum(count for key, count in indexed.items() if key in dict(scan_events(store, EVENTS)))
    assert writer.prune(START_MS / 1000 + RETENTION_SECONDS + day_ms / 1000 + 3600) is True
    assert store.scan(EVENTS) == []
    store.close()
