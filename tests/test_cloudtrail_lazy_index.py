"""Event history's LookupEvents index is written when a lookup needs it, not with every call: recording leaves
one row of keys per batch, and the first lookup (or anything that flushes the engine) indexes what they list,
also after a restart. A record's stored text reads back as the very record, whatever orjson cannot spell. The
records delivery takes from memory are the store's."""
from __future__ import annotations

import math
import uuid

from nimbus.core.event_ids import cloudtrail_event_id
from nimbus.services.cloudtrail import lookup
from nimbus.services.cloudtrail.engine import engine_for
from nimbus.services.cloudtrail.history import INDEX, MANAGEMENT, UNINDEXED, HistoryWriter, history_ns, time_key
from nimbus.services.cloudtrail.recent import RecentRecords
from nimbus.services.cloudtrail.record_text import record_text
from nimbus.store.sqlite import SqliteStore
from tests.support import account_key, make_client, start_server

REGION = "us-east-1"


def documents(store, account: str) -> dict[str, int]:
    found = {MANAGEMENT: 0, INDEX: 0, UNINDEXED: 0}
    for ns in store.namespaces(("cloudtrail", account)):
        if ns[3] in found:
            found[ns[3]] += len(store.scan(ns))
    return found


def by_name(ct, name: str) -> list[dict]:
    return ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])["Events"]


def test_calls_are_indexed_by_the_first_lookup_that_needs_them(tmp_path):
    account = account_key()
    with start_server(tmp_path) as own:
        sns = make_client(own.endpoint, "sns", key=account)
        for _ in range(3):
            sns.list_topics()
        own.runtime.events.flush()
        engine_for(own.runtime).history.flush()  # written, as the scheduler writes them: not indexed
        written = documents(own.runtime.store, account)
        assert written[MANAGEMENT] == 3 and written[INDEX] == 0 and written[UNINDEXED] >= 1
        assert len(by_name(make_client(own.endpoint, "cloudtrail", key=account), "ListTopics")) == 3
        indexed = documents(own.runtime.store, account)
        assert indexed[INDEX] > 0 and indexed[UNINDEXED] == 0


def events(writer: HistoryWriter, account: str, names: list[str], start_ms: int) -> None:
    for number, name in enumerate(names):
        writer.add(account, REGION, MANAGEMENT, {
            "eventID": str(uuid.uuid4()), "eventName": name, "readOnly": True, "eventSource": "sns.amazonaws.com",
            "eventTime": "2026-12-06T00:00:00Z", "userIdentity": {"type": "Root", "accessKeyId": "AKIA"}},
            start_ms + number)
    writer.flush()


def test_events_written_before_a_crash_are_indexed_after_it(tmp_path):
    """Rows of keys are durable with their events: a server killed before any lookup indexes them on restart."""
    path, account, start_ms = str(tmp_path / "history.sqlite3"), "111111111111", 1_800_000_000_000
    store = SqliteStore(path)
    events(HistoryWriter(store), account, ["CreateTopic", "ListTopics"] * 150, start_ms)
    store.close()  # no index_pending: what a kill -9 leaves
    store = SqliteStore(path)
    assert documents(store, account)[INDEX] == 0
    HistoryWriter(store).index_pending()
    found = lookup.lookup(store, account, REGION, {"LookupAttributes": [
        {"AttributeKey": "EventName", "AttributeValue": "CreateTopic"}], "MaxResults": 50}, start_ms / 1000 + 60)
    assert len(found["Events"]) == 50 and "NextToken" in found
    assert {e["EventName"] for e in found["Events"]} == {"CreateTopic"}
    assert documents(store, account)[UNINDEXED] == 0
    store.close()


def test_a_record_reads_back_as_written_whatever_orjson_cannot_spell(tmp_path):
    store = SqliteStore(str(tmp_path / "text.sqlite3"))
    plain = {"eventName": "PutMetricData", "requestParameters": {"value": 0.1, "unit": "café", "tiny": 1e-7},
             "responseElements": None}
    odd = {"eventName": "PutMetricData", "requestParameters": {"value": float("nan"), "big": 2 ** 70},
           "responseElements": None}
    for number, record in enumerate((plain, odd)):
        store.put(("t",), str(number), record_text(record))
    assert store.get(("t",), "0") == plain
    read = store.get(("t",), "1")
    assert math.isnan(read["requestParameters"]["value"]) and read["requestParameters"]["big"] == 2 ** 70
    store.close()


def test_event_ids_are_the_uuid5_of_the_request_id():
    for request_id in [str(uuid.uuid4()) for _ in range(200)] + ["", "é-中", "x" * 300]:
        assert cloudtrail_event_id(request_id) == str(uuid.uuid5(uuid.NAMESPACE_OID, request_id))


def test_recent_records_answer_as_the_store_does_for_every_cursor_they_cover(tmp_path):
    store = SqliteStore(str(tmp_path / "recent.sqlite3"))
    writer = HistoryWriter(store)
    account, start_ms = "222222222222", 1_800_000_000_000
    events(writer, account, ["Before"] * 5, start_ms)  # written before delivery began to keep records
    writer.recent = RecentRecords(keep_ms=60_000, limit=30)
    events(writer, account, [f"Call{n}" for n in range(50)], start_ms + 10)
    ns = history_ns(account, REGION, MANAGEMENT)
    stored = store.scan(ns)  # newest first
    newest_dropped = stored[30][0]  # the limit kept the newest 30
    for cursor in [key for key, _ in stored] + [time_key(start_ms + 1000), time_key(start_ms - 1000)]:
        answer = writer.recent.since(ns, cursor)
        newer = [(key, record) for key, record in stored if key < cursor][::-1]
        if cursor <= newest_dropped:
            assert answer == (newer, newer[-1][0] if newer else None), cursor
        else:
            assert answer is None, cursor  # records it dropped (or never held) are newer than this cursor
    store.close()
