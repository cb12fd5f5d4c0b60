"""The foundation: STS GetCallerIdentity and an unimplemented operation's error, nimbus vs moto.

Also reports each server's time from spawn to first answered request, its idle memory after that first call,
and after a CloudWatch call (whose signing name, monitoring, once made nimbus load every model to route it).
"""
from __future__ import annotations

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from benchmarks.harness import rate, running


def _unimplemented(sts):
    # DecodeAuthorizationMessage is implemented by neither server. nimbus answers an AWS-shaped 501;
    # moto answers an HTML 500 page, which botocore cannot parse.
    def call():
        try:
            sts.decode_authorization_message(EncodedMessage="x")
        except (ClientError, ResponseParserError):
            pass
    return call


def run(seconds: float) -> list[dict]:
    rows = []
    for name in ("nimbus", "moto"):
        with running(name) as target:
            sts = target.client("sts")
            idle_rss = target.rss_mib()
            target.client("cloudwatch").list_metrics()
            rows.append({
                "server": name,
                "startup_s": target.startup_seconds,
                "idle_rss_mib": idle_rss,
                "rss_after_cloudwatch_mib": target.rss_mib(),
                "GetCallerIdentity_per_s": rate(sts.get_caller_identity, seconds),
                "unimplemented_error_per_s": rate(_unimplemented(sts), seconds),
            })
    return rows
