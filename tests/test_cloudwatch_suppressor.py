"""A composite alarm's ActionsSuppressor on the virtual clock: actions held while the suppressor is in ALARM,
for the extension period after it leaves ALARM, and for the wait period after the composite alarms (then run,
or dropped if the suppressor alarmed meanwhile)."""
from __future__ import annotations

import pytest

from tests.support import advance_clock, unique


@pytest.fixture(scope="module")
def cw(aws):
    return aws("cloudwatch")


def manual_alarm(cw) -> str:
    """A metric alarm that keeps the state SetAlarmState gives it (no data, and missing data ignored)."""
    name = unique("manual")
    cw.put_metric_alarm(AlarmName=name, Namespace="Suppress", MetricName=name, Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                        TreatMissingData="ignore")
    return name


def set_state(cw, endpoint, name, state) -> None:
    cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")
    advance_clock(endpoint, 1)  # the composites are judged at the tick a clock move runs


def composite(cw, name):
    return cw.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]


def actions_run(cw, name) -> int:
    return len(cw.describe_alarm_history(AlarmName=name, HistoryItemType="Action")["AlarmHistoryItems"])


def test_actions_suppressor(cw, account, endpoint):
    child, suppressor, parent = manual_alarm(cw), manual_alarm(cw), unique("suppressed")
    cw.put_composite_alarm(AlarmName=parent, AlarmRule=f"ALARM({child})", ActionsSuppressor=suppressor,
                           ActionsSuppressorWaitPeriod=120, ActionsSuppressorExtensionPeriod=300,
                           AlarmActions=[f"arn:aws:sns:us-east-1:{account}:{unique('absent')}"])
    set_state(cw, endpoint, suppressor, "ALARM")
    set_state(cw, endpoint, child, "ALARM")
    held = composite(cw, parent)
    assert (held["StateValue"], held["ActionsSuppressedBy"]) == ("ALARM", "Alarm")
    assert suppressor in held["ActionsSuppressedReason"] and actions_run(cw, parent) == 0

    set_state(cw, endpoint, suppressor, "OK")
    set_state(cw, endpoint, child, "OK")
    set_state(cw, endpoint, child, "ALARM")
    assert composite(cw, parent)["ActionsSuppressedBy"] == "ExtensionPeriod" and actions_run(cw, parent) == 0

    advance_clock(endpoint, 301)
    set_state(cw, endpoint, child, "OK")
    set_state(cw, endpoint, child, "ALARM")
    assert composite(cw, parent)["ActionsSuppressedBy"] == "WaitPeriod" and actions_run(cw, parent) == 0
    advance_clock(endpoint, 121)
    assert "ActionsSuppressedBy" not in composite(cw, parent) and actions_run(cw, parent) == 1  # ran at its end

    set_state(cw, endpoint, child, "OK")
    set_state(cw, endpoint, child, "ALARM")
    set_state(cw, endpoint, suppressor, "ALARM")  # within the wait: the actions are dropped
    advance_clock(endpoint, 121)
    assert composite(cw, parent)["ActionsSuppressedBy"] == "Alarm" and actions_run(cw, parent) == 1


def test_without_a_suppressor_actions_run_at_once(cw, account, endpoint):
    child, parent = manual_alarm(cw), unique("plain")
    cw.put_composite_alarm(AlarmName=parent, AlarmRule=f"ALARM({child})",
                           AlarmActions=[f"arn:aws:sns:us-east-1:{account}:{unique('absent')}"])
    set_state(cw, endpoint, child, "ALARM")
    assert "ActionsSuppressedBy" not in composite(cw, parent) and actions_run(cw, parent) == 1
