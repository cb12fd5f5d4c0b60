"""CloudTrail Lake: event data stores fed by every recorded call, and SQL queries over them run by DuckDB."""
from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime
from unittest.mock import ANY

import pytest

from tests.support import account_key, advance_clock, error_of, make_client, start_server, unique


def wait_for(ct, query_id: str, store: str, deadline: float = 60.0) -> dict:
    end = time.monotonic() + deadline
    while True:
        described = ct.describe_query(EventDataStore=store, QueryId=query_id)
        if described["QueryStatus"] not in ("QUEUED", "RUNNING") or time.monotonic() > end:
            return described
        time.sleep(0.05)


def query(ct, store_id: str, sql: str) -> list[dict]:
    query_id = ct.start_query(QueryStatement=sql)["QueryId"]
    described = wait_for(ct, query_id, store_id)
    assert described["QueryStatus"] == "FINISHED", described
    rows, token = [], None
    while True:
        page = ct.get_query_results(QueryId=query_id, MaxQueryResults=2, **({"NextToken": token} if token else {}))
        rows += [{k: v for cell in row for k, v in cell.items()} for row in page["QueryResultRows"]]
        token = page.get("NextToken")
        if not token:
            return rows


@pytest.fixture(scope="module")
def lake(aws):
    ct = aws("cloudtrail")
    store = ct.create_event_data_store(Name=unique("eds"), TerminationProtectionEnabled=False)
    return ct, store["EventDataStoreArn"], store["EventDataStoreArn"].rsplit("/", 1)[1]


def test_a_store_is_created_with_aws_defaults(lake):
    ct, arn, store_id = lake
    got = ct.get_event_data_store(EventDataStore=store_id)
    assert got["EventDataStoreArn"] == arn and got["Status"] == "ENABLED"
    assert got["MultiRegionEnabled"] is True and got["OrganizationEnabled"] is False
    assert got["RetentionPeriod"] == 366 and got["BillingMode"] == "EXTENDABLE_RETENTION_PRICING"
    assert got["AdvancedEventSelectors"][0]["FieldSelectors"] == [{"Field": "eventCategory", "Equals": ["Management"]}]
    assert arn in [s["EventDataStoreArn"] for s in ct.list_event_data_stores()["EventDataStores"]]


def test_calls_after_creation_are_queried_with_lake_sql(lake, aws):
    ct, arn, store_id = lake
    iam = aws("iam")
    users = [unique("lake-user") for _ in range(3)]
    for user in users:
        iam.create_user(UserName=user)
    iam.get_user(UserName=users[0])
    rows = query(ct, store_id, f"SELECT eventName, count(*) FROM {store_id} WHERE eventSource = 'iam.amazonaws.com' "
                               f"AND eventTime > '2000-01-01 00:00:00' GROUP BY eventName ORDER BY eventName")
    assert {"eventName": "CreateUser", "_col1": "3"} in rows
    assert {"eventName": "GetUser", "_col1": "1"} in rows
    detail = query(ct, store_id, f"SELECT userIdentity.arn, element_at(requestParameters, 'userName') AS name, "
                                 f"eventTime, readOnly FROM {store_id} WHERE eventName = 'CreateUser' ORDER BY name")
    assert [r["name"] for r in detail] == sorted(users)
    assert detail[0]["arn"].endswith(":root") and detail[0]["readOnly"] == "false"
    assert len(detail[0]["eventTime"]) == len("2026-01-01 00:00:00.000")


def test_query_statistics_and_listing(lake, aws):
    ct, arn, store_id = lake
    query_id = ct.start_query(QueryStatement=f"SELECT eventID FROM {store_id}", QueryAlias="all")["QueryId"]
    described = wait_for(ct, query_id, store_id)
    assert described["QueryStatus"] == "FINISHED"
    assert described["QueryStatistics"]["EventsScanned"] >= described["QueryStatistics"]["EventsMatched"] > 0
    page = ct.get_query_results(QueryId=query_id, MaxQueryResults=1)
    assert page["QueryStatistics"]["ResultsCount"] == 1 and page["QueryStatistics"]["TotalResultsCount"] >= 1
    listed = ct.list_queries(EventDataStore=arn)["Queries"]
    assert query_id in [q["QueryId"] for q in listed]
    assert error_of(ct.cancel_query, QueryId=query_id).code == "InactiveQueryException"
    assert error_of(ct.describe_query, QueryId="00000000-0000-0000-0000-000000000000").code == \
        "QueryIdNotFoundException"
    assert error_of(ct.get_query_results, QueryId=query_id, NextToken="badtoken").code == "InvalidNextTokenException"


@pytest.mark.parametrize("sql", [
    "DELETE FROM {id}", "SELECT * FROM {id}; SELECT 1", "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM other_table", "SELECT FROM WHERE", "SELECT 1", "COPY {id} TO 'x.csv'",
])
def test_sql_lake_refuses_is_an_invalid_query_statement(lake, sql):
    ct, arn, store_id = lake
    assert error_of(ct.start_query, QueryStatement=sql.format(id=store_id)).code == "InvalidQueryStatementException"


def test_an_unknown_store_is_not_found(lake):
    ct, _, _ = lake
    assert error_of(ct.start_query, QueryStatement="SELECT * FROM 11111111-2222-3333-4444-555555555555").code == \
        "EventDataStoreNotFoundException"
    assert error_of(ct.get_event_data_store, EventDataStore="11111111-2222-3333-4444-555555555555").code == \
        "EventDataStoreNotFoundException"
    assert error_of(ct.get_event_data_store, EventDataStore="arn:aws:cloudtrail:x").code == \
        "EventDataStoreARNInvalidException"


def test_a_runtime_failure_is_a_failed_query(lake):
    ct, _, store_id = lake
    query_id = ct.start_query(QueryStatement=f"SELECT nosuchcolumn FROM {store_id}")["QueryId"]
    described = wait_for(ct, query_id, store_id)
    assert described["QueryStatus"] == "FAILED" and "nosuchcolumn" in described["ErrorMessage"]


def test_stopped_ingestion_takes_no_calls(aws):
    ct = aws("cloudtrail")
    store_id = ct.create_event_data_store(Name=unique("eds"), StartIngestion=False)["EventDataStoreArn"]
    assert ct.get_event_data_store(EventDataStore=store_id)["Status"] == "STOPPED_INGESTION"
    aws("sns").create_topic(Name=unique("lake-t"))
    eid = store_id.rsplit("/", 1)[1]
    assert query(ct, eid, f"SELECT count(*) AS n FROM {eid}") == [{"n": "0"}]
    assert error_of(ct.stop_event_data_store_ingestion, EventDataStore=store_id).code == \
        "InvalidEventDataStoreStatusException"
    ct.start_event_data_store_ingestion(EventDataStore=store_id)
    topic = unique("lake-t")
    aws("sns").create_topic(Name=topic)
    rows = query(ct, eid, f"SELECT element_at(requestParameters, 'name') AS topic FROM {eid} "
                          f"WHERE eventName = 'CreateTopic'")
    assert rows == [{"topic": topic}]


def test_advanced_selectors_choose_what_a_store_takes(aws):
    ct = aws("cloudtrail")
    selectors = [{"Name": "writes", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                                        {"Field": "readOnly", "Equals": ["false"]}]}]
    eid = ct.create_event_data_store(Name=unique("eds"), AdvancedEventSelectors=selectors,
                                     MultiRegionEnabled=False)["EventDataStoreArn"].rsplit("/", 1)[1]
    aws("sns").list_topics()
    aws("sns").create_topic(Name=unique("lake-t"))
    rows = query(ct, eid, f"SELECT DISTINCT readOnly FROM {eid}")
    assert rows == [{"readOnly": "false"}]
    bad = [{"FieldSelectors": [{"Field": "readOnly", "Equals": ["true"]}]}]
    assert error_of(ct.create_event_data_store, Name=unique("eds"), AdvancedEventSelectors=bad).code == \
        "InvalidEventSelectorsException"


def test_deletion_waits_seven_days_and_can_be_undone(aws, endpoint):
    ct = aws("cloudtrail")
    name = unique("eds")
    arn = ct.create_event_data_store(Name=name)["EventDataStoreArn"]
    assert error_of(ct.delete_event_data_store, EventDataStore=arn).code == \
        "EventDataStoreTerminationProtectedException"
    assert error_of(ct.create_event_data_store, Name=name).code == "EventDataStoreAlreadyExistsException"
    ct.update_event_data_store(EventDataStore=arn, TerminationProtectionEnabled=False, RetentionPeriod=30)
    ct.delete_event_data_store(EventDataStore=arn)
    assert ct.get_event_data_store(EventDataStore=arn)["Status"] == "PENDING_DELETION"
    eid = arn.rsplit("/", 1)[1]
    assert error_of(ct.start_query, QueryStatement=f"SELECT * FROM {eid}").code == "InactiveEventDataStoreException"
    assert error_of(ct.update_event_data_store, EventDataStore=arn, RetentionPeriod=40).code == \
        "InactiveEventDataStoreException"
    assert ct.restore_event_data_store(EventDataStore=arn)["Status"] == "ENABLED"
    assert error_of(ct.restore_event_data_store, EventDataStore=arn).code == "InvalidEventDataStoreStatusException"
    ct.delete_event_data_store(EventDataStore=arn)
    advance_clock(endpoint, 7 * 86400 + 3700)
    assert error_of(ct.get_event_data_store, EventDataStore=arn).code == "EventDataStoreNotFoundException"


def test_bad_settings_get_aws_errors(aws):
    ct = aws("cloudtrail")
    assert error_of(ct.create_event_data_store, Name=unique("eds"), RetentionPeriod=3000,
                    BillingMode="FIXED_RETENTION_PRICING").code == \
        "InvalidParameterException"
    assert error_of(ct.create_event_data_store, Name=unique("eds"), OrganizationEnabled=True).code == \
        "OrganizationsNotInUseException"


def test_a_lake_event_is_the_trail_history_event(lake, aws):
    ct, _, store_id = lake
    topic = unique("lake-same")
    aws("sns").create_topic(Name=topic)
    rows = query(ct, store_id, f"SELECT eventID FROM {store_id} WHERE element_at(requestParameters, 'name') = '{topic}'")
    history = [e["EventId"] for e in ct.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "CreateTopic"}])["Events"] if topic in e["CloudTrailEvent"]]
    assert [r["eventID"] for r in rows] == history


def test_events_past_the_retention_period_are_gone(tmp_path):
    with start_server(tmp_path) as own:
        ct = make_client(own.endpoint, "cloudtrail")
        eid = ct.create_event_data_store(Name=unique("eds"), RetentionPeriod=7)["EventDataStoreArn"].rsplit("/", 1)[1]
        make_client(own.endpoint, "sns").create_topic(Name=unique("old"))
        assert query(ct, eid, f"SELECT count(*) AS n FROM {eid} WHERE eventName = 'CreateTopic'") == [{"n": "1"}]
        advance_clock(own.endpoint, 8 * 86400)
        make_client(own.endpoint, "sns").create_topic(Name=unique("new"))
        assert query(ct, eid, f"SELECT count(*) AS n FROM {eid} WHERE eventName = 'CreateTopic'") == [{"n": "1"}]


def test_stores_events_and_results_survive_a_restart(tmp_path):
    with start_server(tmp_path) as first:
        ct = make_client(first.endpoint, "cloudtrail")
        eid = ct.create_event_data_store(Name=unique("eds"))["EventDataStoreArn"].rsplit("/", 1)[1]
        topic = unique("durable")
        make_client(first.endpoint, "sns").create_topic(Name=topic)
        sql = f"SELECT element_at(requestParameters, 'name') AS topic FROM {eid} WHERE eventName = 'CreateTopic'"
        query_id = ct.start_query(QueryStatement=sql)["QueryId"]
        assert wait_for(ct, query_id, eid)["QueryStatus"] == "FINISHED"
    with start_server(tmp_path) as second:
        ct = make_client(second.endpoint, "cloudtrail")
        assert ct.get_event_data_store(EventDataStore=eid)["Status"] == "ENABLED"
        assert ct.get_query_results(QueryId=query_id)["QueryResultRows"] == [[{"topic": topic}]]
        assert query(ct, eid, sql) == [{"topic": topic}]


def finished_import(ct, import_id: str) -> dict:
    end = time.monotonic() + 60
    while (got := ct.get_import(ImportId=import_id))["ImportStatus"] in ("INITIALIZING", "IN_PROGRESS"):
        assert time.monotonic() < end
        time.sleep(0.05)
    return got


def test_an_import_reads_only_as_a_role_cloudtrail_may_assume(aws, lake):
    ct, arn, _ = lake
    bucket = unique("lake-import")
    aws("s3").create_bucket(Bucket=bucket)
    role = aws("iam").create_role(RoleName=unique("not-trail"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    import_id = ct.start_import(Destinations=[arn], ImportSource={"S3": {
        "S3LocationUri": f"s3://{bucket}/", "S3BucketRegion": "us-east-1", "S3BucketAccessRoleArn": role}})["ImportId"]
    assert finished_import(ct, import_id)["ImportStatus"] == "FAILED"
    assert ct.list_import_failures(ImportId=import_id)["Failures"][0]["ErrorType"] == "AccessDenied"


def test_import_copies_a_trail_s_log_files_into_a_store(aws, account, lake):
    ct, arn, store_id = lake
    s3, iam = aws("s3"), aws("iam")
    bucket = unique("lake-import")
    s3.create_bucket(Bucket=bucket)
    marker = unique("imported")
    records = [{"eventVersion": "1.09", "eventTime": f"2024-01-0{day}T10:00:00Z", "eventSource": "s3.amazonaws.com",
                "eventName": marker, "awsRegion": "us-east-1", "userIdentity": {"type": "Root", "arn": "arn:x"},
                "requestParameters": {"bucketName": bucket}, "eventID": f"id-{day}", "readOnly": False,
                "eventCategory": "Management"} for day in (1, 2, 3)]
    base = f"AWSLogs/{account}/CloudTrail/us-east-1/2024/01/01/"
    s3.put_object(Bucket=bucket, Key=base + "a.json.gz", Body=gzip.compress(json.dumps({"Records": records}).encode()))
    s3.put_object(Bucket=bucket, Key=base + "broken.json.gz", Body=b"not gzip")
    role = iam.create_role(RoleName=unique("lake-import"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    started = ct.start_import(Destinations=[arn], ImportSource={"S3": {
        "S3LocationUri": f"s3://{bucket}/AWSLogs/", "S3BucketRegion": "us-east-1", "S3BucketAccessRoleArn": role}},
        StartEventTime=datetime(2024, 1, 2, tzinfo=UTC), EndEventTime=datetime(2024, 1, 31, tzinfo=UTC))
    assert started["ImportStatus"] == "INITIALIZING"
    got = finished_import(ct, started["ImportId"])
    assert got["ImportStatus"] == "COMPLETED", got
    assert got["ImportStatistics"]["EventsCompleted"] == 2 and got["ImportStatistics"]["FailedEntries"] == 1
    failures = ct.list_import_failures(ImportId=started["ImportId"])["Failures"]
    assert [f["Location"] for f in failures] == [f"s3://{bucket}/{base}broken.json.gz"]
    assert started["ImportId"] in [i["ImportId"] for i in ct.list_imports(Destination=arn)["Imports"]]
    rows = query(ct, store_id, f"SELECT eventID FROM {store_id} WHERE eventName = '{marker}' ORDER BY eventTime")
    assert rows == [{"eventID": "id-2"}, {"eventID": "id-3"}]
    assert error_of(ct.get_import, ImportId="00000000-0000-0000-0000-000000000000").code == "ImportNotFoundException"
    assert error_of(ct.start_import, Destinations=[arn], ImportSource={"S3": {
        "S3LocationUri": "http://x", "S3BucketRegion": "us-east-1", "S3BucketAccessRoleArn": role}}).code == \
        "InvalidImportSourceException"


def test_cancelling_a_running_query_stops_it_and_frees_the_worker(lake):
    ct, arn, store_id = lake
    endless = (f"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 1000000000000) "
               f"SELECT count(*) FROM t CROSS JOIN (SELECT count(*) FROM {store_id}) s")
    query_id = ct.start_query(QueryStatement=endless)["QueryId"]
    end = time.monotonic() + 30
    while ct.describe_query(QueryId=query_id)["QueryStatus"] != "RUNNING":
        assert time.monotonic() < end
        time.sleep(0.02)
    assert ct.cancel_query(QueryId=query_id) == {"QueryId": query_id, "QueryStatus": "CANCELLED",
                                                 "ResponseMetadata": ANY}
    began = time.monotonic()
    assert query(ct, store_id, f"SELECT 1 AS one FROM {store_id} LIMIT 1") == [{"one": "1"}]
    assert time.monotonic() - began < 20  # not the 60 s the endless query would have held the worker
    assert ct.describe_query(QueryId=query_id)["QueryStatus"] == "CANCELLED"
    assert error_of(ct.cancel_query, QueryId=query_id).code == "InactiveQueryException"


def test_another_account_cannot_query_or_see_a_store(lake, client):
    ct, arn, store_id = lake
    other = client("cloudtrail", key=account_key())
    assert error_of(other.start_query, QueryStatement=f"SELECT * FROM {store_id}").code == \
        "EventDataStoreNotFoundException"
    assert error_of(other.get_event_data_store, EventDataStore=arn).code == "EventDataStoreNotFoundException"
    assert arn not in [s["EventDataStoreArn"] for s in other.list_event_data_stores()["EventDataStores"]]
