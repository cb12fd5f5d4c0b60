"""CloudWatch alarm mute rules: a one-time window holding back an alarm's actions on the virtual clock (the
state still changes), a recurring cron window, statuses, listing by alarm and status, and AWS's errors."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support import advance_clock, error_of, unique, virtual_now


@pytest.fixture(scope="module")
def cw(aws):
    return aws("cloudwatch")


def alarm_with_an_action(cw, account) -> str:
    """An alarm whose ALARM action (a topic that does not exist) leaves a failed Action item when it runs; it
    keeps the state SetAlarmState gives it (no data, and missing data ignored by the evaluations between)."""
    name = unique("muted")
    cw.put_metric_alarm(AlarmName=name, Namespace="Mute", MetricName="M", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                        TreatMissingData="ignore", AlarmActions=[f"arn:aws:sns:us-east-1:{account}:{unique('absent')}"])
    return name


def actions_run(cw, name) -> int:
    return len(cw.describe_alarm_history(AlarmName=name, HistoryItemType="Action")["AlarmHistoryItems"])


def flip(cw, name) -> None:
    cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="reset")
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="drill")


def test_a_one_time_window_mutes_actions_until_it_ends(cw, account, endpoint):
    name, rule = alarm_with_an_action(cw, account), unique("window")
    start = virtual_now(endpoint) - timedelta(minutes=1)
    cw.put_alarm_mute_rule(Name=rule, Description="deploy", MuteTargets={"AlarmNames": [name]},
                           Rule={"Schedule": {"Expression": f"at({start:%Y-%m-%dT%H:%M})", "Duration": "PT1H"}},
                           Tags=[{"Key": "team", "Value": "ops"}])
    got = cw.get_alarm_mute_rule(AlarmMuteRuleName=rule)
    assert (got["Status"], got["MuteType"], got["Description"]) == ("ACTIVE", "ONE_TIME", "deploy")
    assert got["MuteTargets"] == {"AlarmNames": [name]}
    assert cw.list_tags_for_resource(ResourceARN=got["AlarmMuteRuleArn"])["Tags"] == [
        {"Key": "team", "Value": "ops"}]
    flip(cw, name)
    described = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert described["StateValue"] == "ALARM" and actions_run(cw, name) == 0  # state changed, actions held
    advance_clock(endpoint, 3700)
    assert cw.get_alarm_mute_rule(AlarmMuteRuleName=rule)["Status"] == "EXPIRED"
    flip(cw, name)
    assert actions_run(cw, name) == 1


def test_a_recurring_rule_and_listing(cw, account, endpoint):
    name, every_minute, later = alarm_with_an_action(cw, account), unique("cron"), unique("later")
    cw.put_alarm_mute_rule(Name=every_minute, MuteTargets={"AlarmNames": [name]},
                           Rule={"Schedule": {"Expression": "cron(* * * * *)", "Duration": "PT2M",
                                              "Timezone": "Europe/Paris"}})
    future = virtual_now(endpoint) + timedelta(days=2)
    cw.put_alarm_mute_rule(Name=later, MuteTargets={"AlarmNames": [name]}, StartDate=future,
                           ExpireDate=future + timedelta(days=1),
                           Rule={"Schedule": {"Expression": "cron(0 2 * * MON-FRI)", "Duration": "PT4H"}})
    flip(cw, name)
    assert actions_run(cw, name) == 0
    summaries = cw.list_alarm_mute_rules(AlarmName=name)["AlarmMuteRuleSummaries"]
    assert sorted((s["AlarmMuteRuleArn"].rsplit(":", 1)[1], s["Status"], s["MuteType"]) for s in summaries) == sorted(
        [(every_minute, "ACTIVE", "RECURRING"), (later, "SCHEDULED", "RECURRING")])
    [scheduled] = cw.list_alarm_mute_rules(AlarmName=name, Statuses=["SCHEDULED"])["AlarmMuteRuleSummaries"]
    assert "ExpireDate" in scheduled
    page = cw.list_alarm_mute_rules(AlarmName=name, MaxRecords=1)
    assert len(page["AlarmMuteRuleSummaries"]) == 1 and page["NextToken"]
    cw.delete_alarm_mute_rule(AlarmMuteRuleName=every_minute)  # the alarm is in ALARM: its actions run
    flip(cw, name)
    assert actions_run(cw, name) == 2  # and again: the SCHEDULED rule does not mute yet
    cw.delete_alarm_mute_rule(AlarmMuteRuleName=every_minute)  # idempotent, as AWS's


def test_deleting_a_rule_runs_the_actions_it_held(cw, account, endpoint):
    name, rule = alarm_with_an_action(cw, account), unique("held")
    cw.put_alarm_mute_rule(Name=rule, MuteTargets={"AlarmNames": [name]},
                           Rule={"Schedule": {"Expression": "cron(* * * * *)", "Duration": "PT5M"}})
    flip(cw, name)
    assert actions_run(cw, name) == 0
    cw.delete_alarm_mute_rule(AlarmMuteRuleName=rule)  # the alarm is in ALARM: its actions run now
    assert actions_run(cw, name) == 1


@pytest.mark.parametrize("schedule", [
    {"Expression": "rate(5 minutes)", "Duration": "PT1H"},
    {"Expression": "cron(61 * * * *)", "Duration": "PT1H"},
    {"Expression": "cron(0 2 * * *)", "Duration": "four hours"},
    {"Expression": "cron(0 2 * * *)", "Duration": "PT1H", "Timezone": "Mars/Olympus"},
])
def test_bad_schedules_are_refused(cw, schedule):
    assert error_of(cw.put_alarm_mute_rule, Name=unique("bad"), Rule={"Schedule": schedule}) == (
        "InvalidParameterValue", 400)


def test_missing_rules_and_bad_tokens(cw):
    assert error_of(cw.get_alarm_mute_rule, AlarmMuteRuleName=unique("none")) == ("ResourceNotFoundException", 404)
    assert error_of(cw.list_alarm_mute_rules, NextToken="x") == ("InvalidNextToken", 400)
