"""DescribeAlarmContributors: the contributors (one per group of a Metrics Insights GROUP BY) an alarm is
alarming on. nimbus evaluates a Metrics Insights alarm over the query's single combined series, so an alarm
has no contributors of its own: an existing alarm answers an empty list, an unknown one ResourceNotFound."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.state import CloudWatchState


class ContributorOps(CloudWatchState):
    def describe_alarm_contributors(self, ctx: RequestContext, params: dict) -> dict:
        name = params["AlarmName"]
        if self.alarm(ctx, name) is None:
            raise ServiceError("ResourceNotFoundException", f"Alarm {name} does not exist.",
                               ResourceType="Alarm", ResourceId=name)
        if params.get("NextToken"):
            raise ServiceError("InvalidNextToken", "The service couldn't process the NextToken.")
        return {"AlarmContributors": []}
