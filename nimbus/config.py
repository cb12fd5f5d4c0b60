"""Server settings, from the command line or NIMBUS_* environment variables.

Every field ``name`` is read from ``NIMBUS_<NAME>`` by ``Config.from_env``; code reads them at run
time from ``runtime.config``, so each server (and each test's server) has its own. The settings that
make AWS's slow transitions fast are listed with AWS's own values in docs/configuration.md.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PORT = 4566
MIB = 1024 * 1024
# Settings GET /_nimbus/health never shows (a store URL may hold a password).
PRIVATE_SETTINGS = frozenset({"store_url"})


def _env_bool(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes", "on")


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: str = ".nimbus"
    ephemeral: bool = False
    # Where the store lives: None is SQLite in data_dir; postgresql://user@host:port/db a shared server.
    store_url: str | None = None
    strict_auth: bool = False
    enforce_iam: bool = False
    enforce_limits: bool = False
    # Host names (besides loopback addresses, localhost and *.localhost) requests may be addressed to;
    # any other Host is refused, so a web page cannot reach nimbus through DNS rebinding.
    hostname: list[str] = field(default_factory=list)
    # Believe X-Forwarded-For/-Proto (the client's address, https) from whoever connects: only behind a proxy.
    trust_proxy: bool = False
    # Serve HTTPS with this PEM certificate (chain) and its key instead of plain HTTP: AWS's endpoints are
    # HTTPS, and policies that deny requests without aws:SecureTransport (as the CDK's staging bucket's does)
    # only let HTTPS clients in.
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    # Bodies of non-streaming requests are held in memory; AWS's own JSON/query caps are far lower.
    max_body_bytes: int = 64 * MIB
    # Limits met before authentication, so that no client stalls the server or locks others out.
    # A request's line and headers together; S3 allows 8 KiB of headers, others less.
    max_header_bytes: int = 64 * 1024
    # From a connection's start, or a request's first byte, until its last header.
    header_timeout_seconds: float = 20.0
    # The longest pause within a request body (AWS closes idle sockets after about 20 s).
    body_idle_timeout_seconds: float = 20.0
    # After its first body_idle_timeout_seconds, a body must arrive at this average rate at least.
    body_min_bytes_per_second: int = 1024
    # Request bodies held in memory by all requests at once; past it PUT bodies spool to disk and
    # other requests get 503 SlowDown.
    max_buffered_body_bytes: int = 256 * MIB
    # Open connections, capped at half the process's descriptor limit; the longest-idle one makes room.
    max_connections: int = 1000
    # How long a kept-alive connection may sit idle between requests (boto3 reuses them).
    keep_alive_seconds: int = 60
    # AWS allows 15 minutes of skew between a signed request and its clock.
    max_clock_skew_seconds: int = 15 * 60
    # CloudTrail writes log files this often and digest files this often (virtual seconds); AWS ~300 / 3600.
    cloudtrail_delivery_seconds: float = 5.0
    cloudtrail_digest_seconds: float = 3600.0
    # How long one key signs CloudTrail digests before the next takes over (virtual seconds).
    cloudtrail_key_rotation_seconds: int = 30 * 86400
    # InProgress -> Deployed of a CloudFront distribution after each change, and InProgress -> Completed of
    # an invalidation (virtual seconds); AWS takes a few minutes for both.
    cloudfront_deploy_seconds: float = 5.0
    cloudfront_invalidation_seconds: float = 5.0
    # What the CloudFront edge keeps cached in memory, all distributions together (least recently used out).
    cloudfront_cache_bytes: int = 64 * MIB
    # What it keeps on disk under the data dir (every cached object, so the cache survives restarts).
    cloudfront_cache_disk_bytes: int = 1024 * MIB
    # A CSV file of CIDR,country lines, or a MaxMind .mmdb database: where the CloudFront edge places viewers.
    cloudfront_geo_ip_file: str | None = None
    # How often CloudFront's standard access logs are delivered to their bucket (virtual seconds); AWS: up
    # to several times an hour.
    cloudfront_log_delivery_seconds: float = 60.0
    # The real time one CloudFront Function invocation may run (its compute-utilization limit); AWS ~1 ms.
    cloudfront_function_budget_ms: float = 50.0
    # CREATING -> ACTIVE of a Firehose delivery stream (virtual seconds); AWS takes tens of seconds.
    firehose_create_seconds: float = 0.5
    # A PEM file of CAs Firehose trusts for HTTPS endpoints, on top of the system's (a local endpoint's own).
    firehose_ca_bundle: str | None = None
    # Each Kinesis status transition (CREATING, UPDATING, DELETING) in virtual seconds; AWS takes seconds.
    kinesis_transition_seconds: float = 0.5
    # How long a SubscribeToShard subscription lasts (virtual seconds); AWS: 5 minutes.
    kinesis_subscription_seconds: float = 300.0
    # How long a CloudWatch Logs StartLiveTail session lasts (virtual seconds); AWS: 3 hours.
    logs_live_tail_seconds: float = 10800.0
    # A shard log's segment file rolls over past this size.
    kinesis_segment_bytes: int = 64 * MIB
    # Where EMR steps run: None is Spark local[N] in each step process (N: the cluster's core and task
    # instances); a spark:// or k8s:// master URL runs them on that Spark cluster.
    spark_master: str | None = None
    # Where Managed Service for Apache Flink applications run: None is a local Flink mini-cluster per
    # application; host:port (a Flink JobManager's REST address) submits them to that Flink cluster.
    flink_jobmanager: str | None = None
    # Processes serving the port: one primary owns the state and background work, the others answer reads and
    # pure computations and hand everything else to it (docs/performance.md). 1 with --ephemeral. `nimbus serve`
    # defaults to the cores it may run on (available_cores); a server started in-process (tests) to 1.
    workers: int = 1
    # The Python whose environment holds PyFlink (None: the project's .flink/, made by `make install`).
    flink_python: str | None = None

    @classmethod
    def from_env(cls, **overrides) -> Config:
        config = cls(**{f.name: value for f in dataclasses.fields(cls)
                        if (value := _from_env(f)) is not None})
        for key, value in overrides.items():
            if value is not None:
                setattr(config, key, value)
        return config

    def public(self) -> dict[str, Any]:
        """The settings, without secrets: what GET /_nimbus/health reports."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in PRIVATE_SETTINGS}


def available_cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def env_name(setting: str) -> str:
    return f"NIMBUS_{setting.upper()}"


def _from_env(field: dataclasses.Field) -> Any:
    name = env_name(field.name)
    if name not in os.environ:
        return None
    kind = str(field.type)
    if os.environ[name] == "" and "None" in kind:  # an empty optional setting is unset
        return None
    if kind == "bool":
        return _env_bool(name)
    if kind.startswith("list"):
        return [item.strip() for item in os.environ[name].split(",") if item.strip()]
    try:
        return {"int": int, "float": float}.get(kind, str)(os.environ[name])
    except ValueError:
        raise ValueError(f"{name}={os.environ[name]!r} is not a number") from None
