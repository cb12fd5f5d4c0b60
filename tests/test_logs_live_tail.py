"""StartLiveTail: the event stream boto3 reads, on the endpoint's own host and on boto3's ``stream-`` host prefix."""
from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from tests.support import error_of, group_with_stream, virtual_now_ms


def tail_until(stream, wanted: int, deadline: float = 20.0) -> tuple[dict, list[dict]]:
    """The sessionStart frame and the events of the updates until ``wanted`` arrived."""
    start, seen = None, []
    until = time.monotonic() + deadline
    for frame in stream:
        if "sessionStart" in frame:
            start = frame["sessionStart"]
        else:
            seen += frame["sessionUpdate"]["sessionResults"]
        if len(seen) >= wanted or time.monotonic() > until:
            break
    stream.close()
    return start, seen


def put_until_stopped(logs, group: str, stream: str, endpoint: str, messages: list[str]):
    """Put the messages as one batch every 0.2 s until the returned ``stop()``: live tail shows only what
    arrives once the session is open, and when that happens depends on the machine's load."""
    stopped = threading.Event()

    def put():
        while not stopped.wait(0.2):
            now = virtual_now_ms(endpoint)
            logs.put_log_events(logGroupName=group, logStreamName=stream,
                                logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)])
    thread = threading.Thread(target=put)
    thread.start()

    def stop():
        stopped.set()
        thread.join()
    return stop


def test_live_tail_streams_matching_events(aws, endpoint, account):
    logs = aws("logs", inject_host_prefix=False)
    group = group_with_stream(logs, "api")
    arn = f"arn:aws:logs:us-east-1:{account}:log-group:{group}"
    before = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="api", logEvents=[{"timestamp": before, "message": "old"}])
    answer = logs.start_live_tail(logGroupIdentifiers=[arn], logEventFilterPattern="ERROR")
    stop = put_until_stopped(logs, group, "api", endpoint, ["ERROR one", "INFO skipped", "ERROR two"])
    start, seen = tail_until(answer["responseStream"], 2)
    stop()
    assert start["logGroupIdentifiers"] == [arn] and start["logEventFilterPattern"] == "ERROR"
    assert [(e["message"], e["logStreamName"], e["logGroupIdentifier"]) for e in seen[:2]] == [
        ("ERROR one", "api", arn), ("ERROR two", "api", arn)]


def test_live_tail_answers_on_the_stream_host_prefix(aws, endpoint, account):
    """boto3 sends StartLiveTail to ``stream-<host>``; with that name resolving to nimbus it just works."""
    logs = aws("logs")
    port = urlsplit(endpoint).port

    def to_loopback(request, **_):
        # What an /etc/hosts line "127.0.0.1 stream-localhost" does: the request keeps its signed Host.
        parts = urlsplit(request.url)
        request.headers["Host"] = parts.netloc
        request.url = request.url.replace(parts.netloc, f"127.0.0.1:{port}", 1)

    logs.meta.events.register("before-send.cloudwatch-logs.StartLiveTail", to_loopback)
    group = group_with_stream(logs, "s")
    sent = []
    logs.meta.events.register("before-send.cloudwatch-logs.StartLiveTail",
                              lambda request, **_: sent.append(request.headers["Host"]), unique_id="spy")
    answer = logs.start_live_tail(logGroupIdentifiers=[group])
    stop = put_until_stopped(logs, group, "s", endpoint, ["hello"])
    _, seen = tail_until(answer["responseStream"], 1)
    stop()
    assert seen and {e["message"] for e in seen} == {"hello"}
    assert sent and sent[0].startswith(("stream-127.0.0.1", "stream-localhost"))


def test_live_tail_refuses_bad_requests(aws):
    logs = aws("logs", inject_host_prefix=False)
    group = group_with_stream(logs)
    assert error_of(logs.start_live_tail, logGroupIdentifiers=[group + "-gone"]) == ("ResourceNotFoundException", 400)
    assert error_of(logs.start_live_tail, logGroupIdentifiers=[group], logStreamNames=["a"],
                    logStreamNamePrefixes=["b"]) == ("InvalidParameterException", 400)
    assert error_of(logs.start_live_tail, logGroupIdentifiers=[group], logEventFilterPattern="{ $.a = ") == \
        ("InvalidParameterException", 400)
