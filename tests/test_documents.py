"""Stored documents carry a schema version; older ones are migrated when read."""
from __future__ import annotations

import boto3
import pytest

from nimbus.config import Config
from nimbus.core.documents import VERSION_FIELD, DocumentKind, DocumentTooNew, rename_fields
from nimbus.server import ServerThread
from nimbus.services.logs.common import groups_ns
from nimbus.store import open_store

RENAMED = DocumentKind[dict]("test.Thing", version=2, migrations={
    0: rename_fields({"name": "Name"}),
    1: lambda doc: {**doc, "Size": doc.get("Size", 0)},
})


def test_a_written_document_carries_todays_version(tmp_path):
    store = open_store(str(tmp_path))
    RENAMED.put(store, ("test",), "a", {"Name": "a", "Size": 1})
    assert store.get(("test",), "a")[VERSION_FIELD] == 2
    assert RENAMED.get(store, ("test",), "a") == {"Name": "a", "Size": 1, VERSION_FIELD: 2}


def test_an_unversioned_document_runs_every_migration_in_order(tmp_path):
    store = open_store(str(tmp_path))
    store.put(("test",), "old", {"name": "old"})
    assert RENAMED.get(store, ("test",), "old") == {"Name": "old", "Size": 0, VERSION_FIELD: 2}
    assert RENAMED.scan(store, ("test",)) == [("old", {"Name": "old", "Size": 0, VERSION_FIELD: 2})]


def test_a_document_from_a_newer_nimbus_is_refused_not_misread():
    with pytest.raises(DocumentTooNew, match="test.Thing version 3"):
        RENAMED.load({"Name": "x", VERSION_FIELD: 3})


def test_a_kind_without_a_path_from_every_older_version_cannot_be_declared():
    with pytest.raises(ValueError, match=r"no migration from version\(s\) \[1\]"):
        DocumentKind[dict]("test.Gap", version=2, migrations={0: rename_fields({})})


def test_a_log_group_stored_before_versions_is_served_and_rewritten_versioned(tmp_path):
    data_dir = str(tmp_path / "data")
    store = open_store(data_dir)
    legacy = {"logGroupName": "legacy", "creationTime": 1, "arn": "arn:aws:logs:us-east-1:000000000000:log-group:legacy",
              "logGroupClass": "STANDARD", "deletionProtectionEnabled": False, "tags": {}}
    store.put(groups_ns("000000000000", "us-east-1"), "legacy", legacy)
    store.close()
    with ServerThread(Config(port=0, data_dir=data_dir)) as server:
        logs = boto3.client("logs", endpoint_url=server.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")
        [group] = logs.describe_log_groups(logGroupNamePrefix="legacy")["logGroups"]
        assert group["logGroupName"] == "legacy" and group["creationTime"] == 1
        logs.put_retention_policy(logGroupName="legacy", retentionInDays=7)
    store = open_store(data_dir)
    stored = store.get(groups_ns("000000000000", "us-east-1"), "legacy")
    assert stored[VERSION_FIELD] == 1 and stored["retentionInDays"] == 7
