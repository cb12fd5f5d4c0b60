"""CloudTrail vs CloudWatch, the notes' comparison, on one action: an application writing to a Kinesis stream.

- CloudTrail answers "who did what": the stream's creation and the alarm's are API calls on record, with the
  caller, the time and the parameters.
- CloudWatch answers "how is it doing": Kinesis publishes IncomingRecords for the stream, an alarm watches
  it, and when the writes pass the threshold the alarm goes to ALARM and notifies an SNS topic, which
  delivers to an HTTP endpoint.

nimbus evaluates alarms on its virtual clock, which the example moves forward (POST /_nimbus/clock) instead
of waiting minutes.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/cloudtrail_vs_cloudwatch.py
"""
from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from common import Inbox, advance_clock, clients, wait_for


def main(endpoint: str | None = None) -> dict:
    aws = clients(endpoint)
    kinesis, cloudwatch, cloudtrail, sns = (aws(s) for s in ("kinesis", "cloudwatch", "cloudtrail", "sns"))
    suffix = uuid.uuid4().hex[:8]
    inbox = Inbox()
    try:
        # Step 1: the application's stream.
        stream = f"clicks-{suffix}"
        kinesis.create_stream(StreamName=stream, ShardCount=1)
        advance_clock(1)
        print(f"1. Created the stream {stream}")

        # Step 2: an on-call topic that delivers to our HTTP endpoint (confirmed as a real endpoint would).
        topic = sns.create_topic(Name=f"on-call-{suffix}")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=inbox.url)
        confirmation = wait_for("confirmation", lambda: inbox.of_type("SubscriptionConfirmation"))[0]
        urllib.request.urlopen(confirmation["SubscribeURL"], timeout=10).close()
        print(f"2. Subscribed the on-call endpoint to {topic}")

        # Step 3: CloudWatch: an alarm on the stream's incoming records, more than 100 in a minute.
        alarm = f"clicks-surge-{suffix}"
        cloudwatch.put_metric_alarm(
            AlarmName=alarm, Namespace="AWS/Kinesis", MetricName="IncomingRecords",
            Dimensions=[{"Name": "StreamName", "Value": stream}], Statistic="Sum", Period=60, EvaluationPeriods=2,
            DatapointsToAlarm=1, Threshold=100, ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching", AlarmActions=[topic])
        print(f"3. Alarm {alarm}: IncomingRecords > 100 per minute notifies the topic")

        # Step 4: the application writes 250 records; Kinesis publishes its metrics as it takes them.
        for batch in range(5):
            kinesis.put_records(StreamName=stream, Records=[
                {"Data": json.dumps({"click": batch * 50 + i}).encode(), "PartitionKey": str(i)} for i in range(50)])
        now = datetime.fromtimestamp(advance_clock(0), tz=UTC)  # nimbus's time: its clock may run ahead

        def incoming_records() -> float:
            return sum(p["Sum"] for p in cloudwatch.get_metric_statistics(
                Namespace="AWS/Kinesis", MetricName="IncomingRecords",
                Dimensions=[{"Name": "StreamName", "Value": stream}], StartTime=now - timedelta(hours=1),
                EndTime=now + timedelta(hours=1), Period=3600, Statistics=["Sum"])["Datapoints"])
        wait_for("the metric", lambda: incoming_records() >= 250)  # published off the request path
        incoming = incoming_records()
        print(f"4. CloudWatch: AWS/Kinesis IncomingRecords for {stream} = {incoming:.0f}")

        # Step 5: a minute later the alarm has evaluated: ALARM, and the on-call endpoint was told.
        advance_clock(60)
        state = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
        note = wait_for("the alarm notification", lambda: inbox.of_type("Notification"))[0]
        message = json.loads(note["Message"])
        print(f"5. The alarm is {state['StateValue']}; the endpoint got: {note['Subject']}")

        # Step 6: CloudTrail: who created the stream and the alarm (management events, in event history).
        def creator(event_name: str, name: str) -> str | None:
            for event in cloudtrail.lookup_events(LookupAttributes=[
                    {"AttributeKey": "EventName", "AttributeValue": event_name}])["Events"]:
                if name in event["CloudTrailEvent"]:
                    return json.loads(event["CloudTrailEvent"])["userIdentity"]["arn"]
            return None
        who = {"CreateStream": wait_for("CreateStream on record", lambda: creator("CreateStream", stream)),
               "PutMetricAlarm": wait_for("PutMetricAlarm on record", lambda: creator("PutMetricAlarm", alarm))}
        for event_name, arn in who.items():
            print(f"6. CloudTrail: {event_name} by {arn}")
        return {"incoming": incoming, "state": state["StateValue"], "notified": message["NewStateValue"],
                "who": who}
    finally:
        inbox.close()


if __name__ == "__main__":
    main()
