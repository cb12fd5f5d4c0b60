"""The shared SQL engine at scale: a CloudTrail Lake query over an event data store of 100,000 events, and
Config's SelectResourceConfig over 100,000 configuration items.

nimbus only: moto has neither CloudTrail Lake queries nor a SelectResourceConfig engine. The Lake store is
filled before the server starts, in-process through Lake's own layout (records built by the recorder's code,
see history_loader.py), because 100,000 calls over HTTP would measure the calls rather than the query. The
Config items are hand-made and queried in-process, as AWS Config's provider calls the function.
"""
from __future__ import annotations

import statistics
import tempfile
import time
import uuid

from benchmarks.harness import running
from benchmarks.history_loader import ACCOUNT, REGION, templates
from nimbus.core.sql.resource_config import select_resource_config
from nimbus.services.cloudtrail.lake.documents import EVENT_DATA_STORE
from nimbus.services.cloudtrail.lake.ingest import event_key, events_ns
from nimbus.services.cloudtrail.lake.stores import DEFAULT_SELECTORS, stores_ns
from nimbus.store.sqlite import SqliteStore

EVENTS = 100_000
ITEMS = 100_000
SAMPLES = 5
BATCH = 5000


def fill_lake(data_dir: str, count: int) -> str:
    """An event data store holding ``count`` events of the last day; its id."""
    store = SqliteStore.in_dir(data_dir)
    store_id = str(uuid.uuid4())
    now = time.time()
    EVENT_DATA_STORE.put(store, stores_ns(ACCOUNT, REGION), store_id, {
        "EventDataStoreArn": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:eventdatastore/{store_id}", "Name": "bench",
        "Status": "ENABLED", "AdvancedEventSelectors": DEFAULT_SELECTORS, "MultiRegionEnabled": True,
        "OrganizationEnabled": False, "RetentionPeriod": 366, "TerminationProtectionEnabled": False,
        "BillingMode": "EXTENDABLE_RETENTION_PRICING", "CreatedTimestamp": now - 86400,
        "UpdatedTimestamp": now - 86400, "Tags": {}})
    records = templates()
    ns = events_ns(ACCOUNT, REGION, store_id)
    try:
        for start in range(0, count, BATCH):
            with store.transaction():
                for number in range(start, min(count, start + BATCH)):
                    ms = int((now - 86400 + number * 86400 / count) * 1000)
                    record = dict(records[number % len(records)], eventID=str(uuid.uuid4()),
                                  eventTime=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000)))
                    store.put(ns, event_key(ms, number % 1000), record)
    finally:
        store.close()
    return store_id


def lake_query_s(ct, statement: str) -> float:
    """Median seconds from StartQuery to FINISHED."""
    samples = []
    for _ in range(SAMPLES):
        began = time.perf_counter()
        query_id = ct.start_query(QueryStatement=statement)["QueryId"]
        while (status := ct.describe_query(QueryId=query_id)["QueryStatus"]) in ("QUEUED", "RUNNING"):
            time.sleep(0.02)
        if status != "FINISHED":
            return float("nan")
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def config_items(count: int) -> list[dict]:
    kinds = ("AWS::S3::Bucket", "AWS::IAM::Role", "AWS::KMS::Key", "AWS::SNS::Topic", "AWS::Kinesis::Stream")
    return [{"resourceId": f"r-{i}", "resourceType": kinds[i % len(kinds)], "awsRegion": REGION,
             "accountId": ACCOUNT, "configurationItemStatus": "OK",
             "configuration": {"name": f"r-{i}", "size": i % 97, "encryption": {"enabled": i % 3 == 0},
                               "rules": [{"id": f"rule-{i % 5}"}, {"id": "common"}]},
             "tags": [{"key": "env", "value": ("prod", "dev", "test")[i % 3]}]} for i in range(count)]


def select_s(items: list[dict], expression: str) -> float:
    samples = []
    for _ in range(SAMPLES):
        began = time.perf_counter()
        select_resource_config(expression, items, limit=100)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def run(seconds: float) -> list[dict]:
    with tempfile.TemporaryDirectory() as data_dir:
        store_id = fill_lake(data_dir, EVENTS)
        with running("nimbus", data_dir) as target:
            ct = target.client("cloudtrail")
            row = {"server": "nimbus",
                   "lake_group_by_100k_s": lake_query_s(
                       ct, f"SELECT eventName, count(*) FROM {store_id} GROUP BY eventName ORDER BY 2 DESC"),
                   "lake_filter_100k_s": lake_query_s(
                       ct, f"SELECT eventID, userIdentity.arn FROM {store_id} WHERE eventName = 'TagUser' "
                           f"AND eventTime > '2000-01-01 00:00:00' AND element_at(requestParameters, 'userName') "
                           f"LIKE 'loaded-1%'")}
    items = config_items(ITEMS)
    row["select_resource_config_where_100k_s"] = select_s(
        items, "SELECT resourceId, configuration.size WHERE resourceType = 'AWS::S3::Bucket' "
               "AND configuration.encryption.enabled = true AND tags.tag = 'env=prod'")
    row["select_resource_config_group_by_100k_s"] = select_s(
        items, "SELECT resourceType, COUNT(*), AVG(configuration.size) GROUP BY resourceType")
    row["select_resource_config_array_100k_s"] = select_s(
        items, "SELECT resourceId WHERE configuration.rules.id = 'rule-3'")
    return [row]
