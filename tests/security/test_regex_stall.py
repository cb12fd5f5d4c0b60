"""Patterns a caller chooses never stall the server: CloudWatch Logs filters run in linear time, and
IAM/bucket-policy wildcards match keys of any shape in linear time.

The server runs in its own process and each call has a short client timeout, so on an engine that
backtracks (and holds the GIL while it does) the test fails in seconds rather than freezing with it."""
from __future__ import annotations

import json
import time

import pytest
import requests

from nimbus.server import free_port
from tests.support import error_of, make_client, new_bucket, serve_subprocess, unique

# A linear engine answers in milliseconds; the budget leaves room for a loaded machine (the whole call
# is timed, not only the match), while backtracking takes minutes.
BUDGET_SECONDS = 5.0


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """The endpoint of a server in a process of its own."""
    port = free_port()
    process = serve_subprocess(str(tmp_path_factory.mktemp("stall")), port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(timeout=10)


def quick(endpoint: str, service: str):
    return make_client(endpoint, service, read_timeout=BUDGET_SECONDS, connect_timeout=BUDGET_SECONDS)


@pytest.fixture(scope="module")
def logs(own):
    return quick(own, "logs")


@pytest.fixture(scope="module")
def group(logs):
    """One log group; each test writes its messages into a stream of its own."""
    name = f"/security/{unique('regex')}"
    logs.create_log_group(logGroupName=name)
    return name


def filtered(logs, group: str, pattern: str, messages: list[str]) -> tuple[list[str], float]:
    """The messages ``pattern`` keeps, and how long the server took to say so."""
    stream = unique("stream")
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": now, "message": m} for m in messages])
    started = time.monotonic()
    events = logs.filter_log_events(logGroupName=group, logStreamNames=[stream], filterPattern=pattern,
                                    startTime=0)["events"]
    return [e["message"] for e in events], time.monotonic() - started


@pytest.mark.parametrize("pattern", ["%(a+)+b%", "%a*a*a*a*a*a*a*a*a*a*b%", "%(a|aa)+c$%"])
def test_adversarial_regex_filters_answer_at_once(logs, group, pattern):
    adversarial = "a" * 20_000 + "!"
    kept, took = filtered(logs, group, pattern, [adversarial, "aaab"])
    assert kept == (["aaab"] if pattern != "%(a|aa)+c$%" else [])
    assert took < BUDGET_SECONDS


def test_regex_filters_keep_their_syntax(logs, group):
    messages = ["call 555-1234 now", "id=AB12 from 10.0.0.7", "colour red", "line\nbreak", "disk Fail"]
    assert filtered(logs, group, "%[0-9]{3}-[0-9]{4}%", messages)[0] == ["call 555-1234 now"]
    assert filtered(logs, group, r"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%", messages)[0] == [messages[1]]
    assert filtered(logs, group, "%^colou?r%", messages)[0] == ["colour red"]
    assert filtered(logs, group, "%[Ee]rror|[Ff]ail%", messages)[0] == ["disk Fail"]
    assert filtered(logs, group, "%line.break%", messages)[0] == []  # "." stops at a line break, as in Java


@pytest.mark.parametrize("pattern", [r"%(a)\1%", "%(?<=a)b%", "%a{1001}{1001}%"])
def test_regexes_that_need_backtracking_are_invalid(logs, group, pattern):
    error = error_of(logs.filter_log_events, logGroupName=group, filterPattern=pattern)
    assert error == ("InvalidParameterException", 400)


def test_many_ellipses_in_a_space_delimited_filter_answer_at_once(logs, group):
    # More names than the message has fields: no way of spreading the fields over the four ``...`` fits.
    pattern = "[" + ", ".join(["..."] * 4 + [f"f{i}" for i in range(150)]) + "]"
    message = " ".join(["x"] * 149)
    kept, took = filtered(logs, group, pattern, [message])
    assert kept == [] and took < BUDGET_SECONDS


# --- policy wildcards -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def own_s3(own):
    return quick(own, "s3")


@pytest.fixture(scope="module")
def photos(own_s3):
    """A bucket whose policy lets anyone read ``photos/*/*/*.jpg``."""
    s3 = own_s3
    name = new_bucket(s3, "photos")
    s3.delete_public_access_block(Bucket=name)
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/photos/*/*/*.jpg"}]}))
    s3.put_object(Bucket=name, Key="photos/2024/06/beach.jpg", Body=b"sand")
    return name


def test_a_policy_wildcard_matches_a_key_of_many_slashes_at_once(own, photos):
    assert requests.get(f"{own}/{photos}/photos/2024/06/beach.jpg", timeout=BUDGET_SECONDS).content == b"sand"
    started = time.monotonic()
    # The longest key S3 allows, all slashes: a backtracking matcher tries every way to split it three times.
    got = requests.get(f"{own}/{photos}/photos/" + "/" * 1017, timeout=BUDGET_SECONDS)
    assert got.status_code == 403 and time.monotonic() - started < BUDGET_SECONDS


def test_a_key_over_1024_bytes_is_too_long(own, own_s3, photos):
    endpoint, s3 = own, own_s3
    got = requests.get(f"{endpoint}/{photos}/photos/" + "/" * 6400, timeout=BUDGET_SECONDS)
    assert got.status_code == 400 and b"<Code>KeyTooLongError</Code>" in got.content
    assert b"<Message>Your key is too long</Message>" in got.content
    assert error_of(s3.put_object, Bucket=photos, Key="k" * 1025, Body=b"") == ("KeyTooLongError", 400)
    assert error_of(s3.put_object, Bucket=photos, Key="é" * 513, Body=b"") == ("KeyTooLongError", 400)  # bytes
    s3.put_object(Bucket=photos, Key="k" * 1024, Body=b"max")
    assert s3.get_object(Bucket=photos, Key="k" * 1024)["Body"].read() == b"max"
