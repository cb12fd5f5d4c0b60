"""What CloudTrail keeps beyond trails survives a restart: Insights selectors and their measuring, channels
with their ingestion status and resource policies, dashboards."""
from __future__ import annotations

import json

from tests.support import advance_clock, make_client, new_event_data_store, start_server, trail_bucket, unique


def test_insights_channels_policies_and_dashboards_survive_a_restart(tmp_path):
    account = "123412341234"
    with start_server(tmp_path) as first:
        ct = make_client(first.endpoint, "cloudtrail", key=account)
        trail = unique("trail")
        ct.create_trail(Name=trail, S3BucketName=trail_bucket(make_client(first.endpoint, "s3", key=account), account))
        ct.start_logging(Name=trail)
        ct.put_insight_selectors(TrailName=trail, InsightSelectors=[{"InsightType": "ApiCallRateInsight"}])
        channel = ct.create_channel(Name=unique("chan"), Source="Custom", Destinations=[{
            "Type": "EVENT_DATA_STORE", "Location": new_event_data_store(ct, "ActivityAuditLog")}])["ChannelArn"]
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "cloudtrail-data:PutAuditEvents", "Resource": channel}]})
        ct.put_resource_policy(ResourceArn=channel, ResourcePolicy=policy)
        event = json.dumps({"version": "1.0", "userIdentity": {"type": "App", "principalId": "p"},
                            "eventSource": "app", "eventName": "Do", "eventTime": "2026-12-01T00:00:00Z",
                            "UID": "u-1", "recipientAccountId": account})
        taken = make_client(first.endpoint, "cloudtrail-data", key=account).put_audit_events(
            channelArn=channel, auditEvents=[{"id": "e1", "eventData": event}])["successful"][0]["eventID"]
        dashboard = ct.create_dashboard(Name=unique("dash"), TerminationProtectionEnabled=True)["DashboardArn"]
        advance_clock(first.endpoint, 120)  # Insights measure a minute or two before the restart
    with start_server(tmp_path) as second:
        ct = make_client(second.endpoint, "cloudtrail", key=account)
        assert ct.get_insight_selectors(TrailName=trail)["InsightSelectors"][0]["InsightType"] == "ApiCallRateInsight"
        assert ct.get_channel(Channel=channel)["IngestionStatus"]["LatestIngestionSuccessEventID"] == taken
        assert ct.get_resource_policy(ResourceArn=channel)["ResourcePolicy"] == policy
        assert ct.get_dashboard(DashboardId=dashboard)["TerminationProtectionEnabled"] is True
        for _ in range(12):
            make_client(second.endpoint, "sns", key=account).create_topic(Name=unique("t"))
        advance_clock(second.endpoint, 120)  # the job measures again after the restart, from where it was
        values = ct.list_insights_metric_data(EventSource="sns.amazonaws.com", EventName="CreateTopic",
                                              InsightType="ApiCallRateInsight", Period=60)["Values"]
        assert sum(values) == 12.0
