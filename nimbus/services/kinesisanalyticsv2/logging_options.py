"""An application's messages in the CloudWatch Logs streams of its logging options, written as its service
execution role (as AWS's runtime writes its own); a stream that cannot be written to loses the message."""
from __future__ import annotations

import logging

from nimbus.protocol.errors import ServiceError

from .common import SERVICE_PRINCIPAL, SESSION_NAME
from .documents import Application

log = logging.getLogger(__name__)


def log_stream(arn: str) -> tuple[str, str] | None:
    """(group, stream) of ``arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:<stream>``."""
    _, _, rest = arn.partition(":log-group:")
    group, _, stream = rest.partition(":log-stream:")
    return (group, stream) if group and stream else None


def log_to_application(runtime, app: Application, message: str) -> None:
    role = app["ServiceExecutionRole"]
    for option in app["CloudWatchLoggingOptions"]:
        target = log_stream(option.get("LogStreamARN", ""))
        if target is None or role is None:
            continue
        event = {"timestamp": int(runtime.clock.time() * 1000), "message": message[:200_000]}
        try:
            runtime.client.call_as_role(role, "logs", "PutLogEvents",
                                        {"logGroupName": target[0], "logStreamName": target[1], "logEvents": [event]},
                                        invoked_by=SERVICE_PRINCIPAL, session_name=SESSION_NAME,
                                        region=app["Region"])
        except ServiceError as error:
            log.info("Could not log to %s: %s", option["LogStreamARN"], error.message)
