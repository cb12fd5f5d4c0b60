"""CloudWatch Logs: log groups with a stream, and the virtual clock in epoch milliseconds."""
from __future__ import annotations

from tests.support.basics import unique, virtual_now


def virtual_now_ms(endpoint: str) -> int:
    return int(virtual_now(endpoint).timestamp() * 1000)


def group_with_stream(logs, stream: str = "app") -> str:
    """A new log group holding one stream."""
    group = f"/test/{unique('group')}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    return group
