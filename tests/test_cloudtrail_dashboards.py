"""CloudTrail dashboards, tags on every taggable ARN, sample queries, and the operations refused because
they need services nimbus does not serve (Lake Formation, generative AI, Organizations)."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, new_event_data_store, unique

QUERY = "SELECT eventName, COUNT(*) FROM {store} WHERE eventTime > ? GROUP BY eventName"


def widget(statement: str, parameters=("$StartTime$",)) -> dict:
    out = {"QueryStatement": statement, "ViewProperties": {"View": "Table"}}
    return {**out, "QueryParameters": list(parameters)} if parameters else out


@pytest.fixture(scope="module")
def query(aws) -> str:
    """A widget's statement over a real event data store of the module's account."""
    return QUERY.format(store=new_event_data_store(aws("cloudtrail")).rsplit("/", 1)[1])


def test_dashboards_are_created_read_updated_refreshed_listed_and_deleted(aws, account, query):
    ct = aws("cloudtrail")
    name = unique("dash")
    created = ct.create_dashboard(Name=name, Widgets=[widget(query)], TagsList=[{"Key": "k", "Value": "v"}],
                                  RefreshSchedule={"Frequency": {"Unit": "HOURS", "Value": 6}, "Status": "ENABLED"},
                                  TerminationProtectionEnabled=True)
    arn = created["DashboardArn"]
    assert arn == f"arn:aws:cloudtrail:us-east-1:{account}:dashboard/{name}" and created["Type"] == "CUSTOM"
    got = ct.get_dashboard(DashboardId=name)
    assert got["Status"] == "CREATED" and got["Widgets"][0]["QueryStatement"] == query
    assert got["RefreshSchedule"]["Frequency"] == {"Unit": "HOURS", "Value": 6} and got["CreatedTimestamp"]
    assert error_of(ct.create_dashboard, Name=name) == ("ConflictException", 400)
    updated = ct.update_dashboard(DashboardId=arn, Widgets=[widget(query), widget(query)])
    assert len(updated["Widgets"]) == 2 and ct.get_dashboard(DashboardId=arn)["Status"] == "UPDATED"
    refresh = ct.start_dashboard_refresh(DashboardId=arn)["RefreshId"]
    after = ct.get_dashboard(DashboardId=arn)
    assert after["LastRefreshId"] == refresh and "not served" in after["LastRefreshFailureReason"]
    other = ct.create_dashboard(Name=unique("dash"))["DashboardArn"]
    listed = ct.list_dashboards(NamePrefix="dash")["Dashboards"]
    assert {arn, other} <= {d["DashboardArn"] for d in listed}
    first = ct.list_dashboards(MaxResults=1)
    assert len(first["Dashboards"]) == 1 and first["NextToken"]
    assert error_of(ct.delete_dashboard, DashboardId=arn) == ("ConflictException", 400)  # protected
    ct.update_dashboard(DashboardId=arn, TerminationProtectionEnabled=False)
    ct.delete_dashboard(DashboardId=arn)
    assert error_of(ct.get_dashboard, DashboardId=arn) == ("ResourceNotFoundException", 400)


def test_dashboard_widgets_and_schedules_are_validated(aws, query):
    ct = aws("cloudtrail")
    bad = [([widget("DELETE FROM x", ())], "InvalidQueryStatementException"),
           ([widget("SELECT 1", ())], "InvalidQueryStatementException"),
           ([widget(query, ())], "InvalidQueryStatementException")]
    for widgets, code in bad:
        assert error_of(ct.create_dashboard, Name=unique("dash"), Widgets=widgets).code == code
    assert error_of(ct.create_dashboard, Name=unique("dash"),
                    RefreshSchedule={"Frequency": {"Unit": "HOURS", "Value": 5}, "Status": "ENABLED"}).code == \
        "ValidationException"


def test_dashboard_policies_take_only_refresh(aws, account):
    ct = aws("cloudtrail")
    arn = ct.create_dashboard(Name=unique("dash"))["DashboardArn"]

    def policy(action: str) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": action,
            "Resource": arn}]})
    assert error_of(ct.put_resource_policy, ResourceArn=arn,
                    ResourcePolicy=policy("cloudtrail-data:PutAuditEvents")).code == "ResourcePolicyNotValidException"
    ct.put_resource_policy(ResourceArn=arn, ResourcePolicy=policy("cloudtrail:StartDashboardRefresh"))
    assert "StartDashboardRefresh" in ct.get_resource_policy(ResourceArn=arn)["ResourcePolicy"]
    ct.delete_dashboard(DashboardId=arn)
    assert error_of(ct.get_resource_policy, ResourceArn=arn).code == "ResourceNotFoundException"


def test_tags_on_channels_and_dashboards(aws, account):
    ct = aws("cloudtrail")
    dashboard = ct.create_dashboard(Name=unique("dash"), TagsList=[{"Key": "a", "Value": "1"}])["DashboardArn"]
    audit_store = new_event_data_store(ct, "ActivityAuditLog")
    channel = ct.create_channel(Name=unique("chan"), Source="Custom", Destinations=[{
        "Type": "EVENT_DATA_STORE", "Location": audit_store}])["ChannelArn"]
    for arn in (dashboard, channel):
        ct.add_tags(ResourceId=arn, TagsList=[{"Key": "b", "Value": "2"}, {"Key": "c", "Value": "3"}])
        ct.remove_tags(ResourceId=arn, TagsList=[{"Key": "c"}])
    listed = {t["ResourceId"]: {x["Key"]: x["Value"] for x in t["TagsList"]}
              for t in ct.list_tags(ResourceIdList=[dashboard, channel])["ResourceTagList"]}
    assert listed == {dashboard: {"a": "1", "b": "2"}, channel: {"b": "2"}}
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    assert error_of(ct.add_tags, ResourceId=channel, TagsList=too_many).code == "TagsLimitExceededException"
    sns_arn = f"arn:aws:sns:us-east-1:{account}:topic"
    assert error_of(ct.add_tags, ResourceId=sns_arn, TagsList=[{"Key": "k"}]).code == \
        "ResourceTypeNotSupportedException"
    assert error_of(ct.list_tags, ResourceIdList=[channel[:-4] + "dead"]).code == "ChannelNotFoundException"
    store = f"arn:aws:cloudtrail:us-east-1:{account}:eventdatastore/0123abcd-4567"
    assert error_of(ct.add_tags, ResourceId=store, TagsList=[{"Key": "k"}]).code == "EventDataStoreNotFoundException"


def test_sample_queries_are_ranked_and_paged(aws):
    ct = aws("cloudtrail")
    found = ct.search_sample_queries(SearchPhrase="top errors")["SearchResults"]
    assert found[0]["Name"] == "Top errors" and found[0]["Relevance"] == 1.0
    assert all(0 < r["Relevance"] <= 1 for r in found) and "FROM $EDS_ID" in found[0]["SQL"]
    first = ct.search_sample_queries(SearchPhrase="user calls", MaxResults=1)
    second = ct.search_sample_queries(SearchPhrase="user calls", MaxResults=1, NextToken=first["NextToken"])
    assert first["SearchResults"][0]["Name"] != second["SearchResults"][0]["Name"]
    assert error_of(ct.search_sample_queries, SearchPhrase="other phrase", NextToken=first["NextToken"]).code == \
        "InvalidParameterException"
    assert ct.search_sample_queries(SearchPhrase="zzzz qqqq")["SearchResults"] == []


def test_what_needs_unserved_services_is_refused(aws, account):
    ct = aws("cloudtrail")
    store = f"arn:aws:cloudtrail:us-east-1:{account}:eventdatastore/0123abcd-4567"
    assert error_of(ct.enable_federation, EventDataStore=store,
                    FederationRoleArn=f"arn:aws:iam::{account}:role/r").code == "EventDataStoreNotFoundException"
    assert error_of(ct.disable_federation, EventDataStore="arn:aws:s3:::bucket").code == \
        "EventDataStoreARNInvalidException"
    assert error_of(ct.generate_query, EventDataStores=[store], Prompt="top errors").code == \
        "EventDataStoreNotFoundException"
    assert error_of(ct.register_organization_delegated_admin, MemberAccountId="111122223333").code == \
        "OrganizationsNotInUseException"
    assert error_of(ct.deregister_organization_delegated_admin, DelegatedAdminAccountId="111122223333").code == \
        "OrganizationsNotInUseException"
